"""A second, small book built end to end: a guide in Spanish to the first articles of the Spanish
Constitution of 1812 (tests/fixtures/constitucion-1812). Its editions are valid and speak
Spanish only: no English word of the package's own."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from lxml import etree

from studyguide.labels import english_labels, labels_for
from support import ROOT, epub_files, epub_xhtml, epubcheck, pdf_pages, studyguide, text_of

BOOK = ROOT / "tests" / "fixtures" / "constitucion-1812"


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("es")
    run = studyguide("build", "--out", out, root=BOOK, env={"SOURCE_DATE_EPOCH": "1160006400"})
    assert run.code == 0, run.stderr
    return out / "constitucion-1812.epub", out / "constitucion-1812.pdf"


def _english_words() -> list[str]:
    """The fixed words of the English labels (placeholders aside) that Spanish never uses."""
    words = set()
    spanish = [str(v) for v in labels_for("es").words.values()]
    for value in english_labels().values():
        for literal, *_ in string.Formatter().parse(str(value)):
            literal = literal.strip(" .,:;“”()")
            if len(literal) >= 4 and literal not in spanish:
                words.add(literal)
    return sorted(words)


def test_the_epub_passes_epubcheck(editions, tmp_path):
    messages = epubcheck(editions[0], tmp_path / "report.json")
    assert [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


def test_no_english_label_anywhere(editions):
    epub, pdf = editions
    shown = [text_of(root) for root in epub_xhtml(epub).values()]
    shown += ["".join(etree.fromstring(epub_files(epub)["EPUB/toc.ncx"]).itertext())]
    shown += [" ".join(epub_files(epub)["EPUB/content.opf"].decode().split())]
    shown += pdf_pages(pdf)
    text = " ".join(shown)
    found = [word for word in _english_words() if re.search(rf"\b{re.escape(word)}\b", text)]
    assert found == []
    assert len(_english_words()) > 20


def test_labels_and_dates_are_spanish_in_both_editions(editions):
    epub, pdf = editions
    printed = " ".join(pdf_pages(pdf))
    for words in (
        "Guía de estudio",
        "Índice",
        "Preguntas para el debate",
        "Glosario",
        "Sobre esta edición",
        "Fuentes de las notas",
        "Parte 1",
        "19 de marzo de 1812",
        "El texto es de dominio público.",
    ):
        assert words in printed, words
    documents = epub_xhtml(epub)
    assert "Índice" in text_of(documents["nav.xhtml"])
    assert "19 de marzo de 1812" in text_of(documents["titlepage.xhtml"])
    assert all(root.get("lang") == "es" for root in documents.values())


def test_headings_of_the_text_are_kept_and_paragraphs_numbered(editions):
    chapter = epub_xhtml(editions[0])["chapter-02.xhtml"]
    headings = [text_of(h) for h in chapter.iterfind(".//{http://www.w3.org/1999/xhtml}h2")]
    assert headings[:3] == ["Artículo 1", "Artículo 2", "Artículo 3"]
    ids = [
        p.get("id") for p in chapter.iterfind(".//{http://www.w3.org/1999/xhtml}p[@class='para']")
    ]
    assert ids == ["p-1", "p-2", "p-3"]
