"""`studyguide new`: a book that builds at once, EPUBCheck-clean, with every word the editions
add in the book's language; and it never overwrites anything."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from studyguide.labels import english_labels, labels_for
from studyguide.sources.book import load_book
from support import epub_files, epubcheck, pdf_pages, studyguide

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
# Labels a reader would see, in the language's words (their fixed parts, without {values}).
SHOWN = ("contents", "glossary", "questions", "notes", "colophon", "title_page")


def _english_words(language: str) -> list[re.Pattern[str]]:
    """The fixed parts of every English label that the language's own label does not share."""
    own = labels_for(language).words
    pieces = set()
    for key, english in english_labels().items():
        theirs = own[key] if isinstance(own[key], str) else " ".join(own[key].values())
        for piece in re.split(r"\{[a-z_]+\}", str(english)):
            piece = piece.strip(" .,:;()“”")
            if len(piece) >= 4 and piece not in theirs:
                pieces.add(piece)
    return [re.compile(rf"(?<!\w){re.escape(piece)}(?!\w)") for piece in sorted(pieces)]


def _epub_words(epub: Path) -> str:
    """All a reader or a reading system can show from the EPUB: the text and the attribute
    values (aria-label, alt, title) of its XHTML, navigation and package documents."""
    shown: list[str] = []
    skip = {"href", "src", "id", "class", "type", "rel", "lang", "media-type", "properties"}
    for name, data in epub_files(epub).items():
        if not name.endswith((".xhtml", ".opf", ".ncx")):
            continue
        for element in etree.fromstring(data).iter():
            shown += [element.text or "", element.tail or ""]
            shown += [v for k, v in element.attrib.items() if etree.QName(k).localname not in skip]
    return " ".join(" ".join(shown).split())


@dataclass
class Built:
    book: Path
    epub: Path
    pdf: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """A new English and a new Spanish book, built with nothing else done to them."""
    books = {}
    for language in ("en", "es"):
        folder = tmp_path_factory.mktemp(language)
        book = folder / "book"
        made = studyguide("new", book, "--title", "A reading", "--language", language)
        assert made.code == 0, made.stderr
        run = studyguide("build", "--out", folder / "out", root=book, env=EPOCH)
        assert run.code == 0, run.stderr
        written = [Path(line) for line in run.stdout.split()]
        epub = next(p for p in written if p.suffix == ".epub")
        books[language] = Built(book, epub, next(p for p in written if p.suffix == ".pdf"))
    return books


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_new_book_builds_at_once_and_passes_epubcheck(
    built: dict[str, Built], tmp_path: Path, language: str
) -> None:
    epub, pdf = built[language].epub, built[language].pdf
    messages = epubcheck(epub, tmp_path / "report.json")
    problems = [
        f"{m['severity']} {m['ID']}: {m['message']} {m['locations'][:1]}"
        for m in messages
        if m["severity"] in ("FATAL", "ERROR", "WARNING")
    ]
    assert problems == []
    words, printed = _epub_words(epub), " ".join(pdf_pages(pdf))
    for key in SHOWN:
        label = labels_for(language)[key]
        assert label in words, (key, label)
        if key not in ("notes", "title_page"):  # the EPUB's own: print notes are footnotes
            assert label in printed, (key, label)


def test_a_spanish_book_shows_no_english_label(built: dict[str, Built]) -> None:
    """Not in the EPUB's text, its labels for reading systems, its metadata, or the PDF."""
    book, epub, pdf = built["es"].book, built["es"].epub, built["es"].pdf
    english = _english_words("es")
    assert len(english) > 30  # the check looks for the English labels' words themselves
    words, printed = _epub_words(epub), " ".join(pdf_pages(pdf))
    assert [p.pattern for p in english if p.search(words)] == []
    assert [p.pattern for p in english if p.search(printed)] == []
    assert "Introducción" in printed and "grupo de estudio" in printed
    readme = (book / "README.md").read_text(encoding="utf-8")
    assert "studyguide import" in readme and "Traiga el texto" in readme


@pytest.mark.parametrize("language", ["fr", "de", "it", "pt"])
def test_a_new_book_in_french_or_german_reads_in_its_language(tmp_path: Path, language: str):
    book = tmp_path / "livre"
    assert studyguide("new", book, "--language", language).code == 0
    loaded = load_book(book)
    intro = loaded.chapters[0]
    expected = {"fr": "Introduction", "de": "Einleitung", "it": "Introduzione"}.get(
        language, "Introdução"
    )
    assert (intro.title, intro.kind.value) == (expected, "front")
    assert [link.slug for link in intro.term_links] == [loaded.glossary[0].slug]
    assert loaded.meta.language == language and loaded.meta.title == "Livre"


def test_a_new_book_has_a_fresh_identifier_and_the_next_steps(tmp_path: Path) -> None:
    for name in ("one", "two"):
        assert studyguide("new", tmp_path / name).code == 0
    ids = [
        tomllib.loads((tmp_path / name / "book.toml").read_text(encoding="utf-8"))["identifier"]
        for name in ("one", "two")
    ]
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in ids) and ids[0] != ids[1]
    readme = (tmp_path / "one" / "README.md").read_text(encoding="utf-8")
    for step in ("studyguide import", "studyguide build", "studyguide check", "studyguide serve"):
        assert step in readme, step
    assert "chapters/01-introduction.md" in readme


def test_a_language_without_labels_gets_english_samples_and_says_so(tmp_path: Path) -> None:
    run = studyguide("new", tmp_path / "llibre", "--language", "ca")
    assert run.code == 0, run.stderr
    assert (
        "no samples in 'ca': they are in English; translate them, and give the editions' "
        "words in labels/ca.toml"
    ) in run.stderr
    assert load_book(tmp_path / "llibre").chapters[0].title == "Introduction"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_new_refuses_a_folder_with_a_book(tmp_path: Path) -> None:
    book = tmp_path / "book"
    assert studyguide("new", book).code == 0
    (book / "chapters" / "01-introduction.md").write_text("my own words", encoding="utf-8")
    before = _files(book)
    run = studyguide("new", book, "--language", "es")
    assert run.code == 1
    assert f"{book / 'book.toml'}: error: there is a book in this folder already [new.exists]" in (
        run.stderr
    )
    assert "hint: work on it with `studyguide --root" in run.stderr
    assert "studyguide: stopped; nothing was changed" in run.stderr
    assert _files(book) == before


def test_new_never_overwrites_a_file_it_would_write(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "README.md").write_text("# My notes\n", encoding="utf-8")
    run = studyguide("new", folder)
    assert run.code == 1
    assert "README.md: error: the new book would overwrite this file [new.file-exists]" in (
        run.stderr
    )
    assert _files(folder) == {"README.md": b"# My notes\n"}


def test_new_refuses_a_wrong_language_tag(tmp_path: Path) -> None:
    run = studyguide("new", tmp_path / "book", "--language", "spanish!")
    assert run.code == 1
    assert "error: 'spanish!' is not a language tag [new.language]" in run.stderr
    assert not (tmp_path / "book").exists()
