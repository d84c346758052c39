"""An edit laid out incrementally gives the bytes of a clean build: after each kind of edit (a
sentence, a new note, a page added, a page removed), a build into the folder of the previous
build (its kept parts reused, the moved ones not laid out again) writes the same PDF, EPUB
(its page list: the page map) and web pages (their print page numbers) as a build of the same
sources into an empty folder. At A4 and A5."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pikepdf
import pytest

from support import ROOT, studyguide

BOOK = ROOT / "tests" / "fixtures" / "constitucion-1812"
INTRO = "chapters/01-introduccion.md"
# Annotation chapters after the text: with --part-size 1 each chapter is a part of its own,
# so an edit in the first one moves the parts after it.
EXTRA = {
    f"chapters/0{number}-{slug}.md": (
        f'---\ntitle: "{title}"\nkind: back\n---\n\n'
        + "\n\n".join(
            f"{title}, párrafo {n}: la Constitución de 1812 fue debatida y votada por las "
            "Cortes reunidas en Cádiz, y este párrafo sólo ocupa sitio en la página para que "
            "el capítulo llene más de una."
            for n in range(1, 9)
        )
        + "\n"
    )
    for number, slug, title in ((3, "contexto", "Contexto"), (4, "lecturas", "Lecturas"))
}
SENTENCE = " Una frase nueva, añadida por la prueba."
NOTE = ("están enlazados.", "están enlazados.[^nueva]\n\n[^nueva]: Una nota nueva de la prueba.")
PAGE = "\n\n" + "\n\n".join(
    f"Un párrafo más ({n}), de los que añaden una página entera al capítulo: la guía sigue "
    "con el mismo asunto, en frases largas, para que el texto crezca de verdad." * 2
    for n in range(1, 31)
)


def _edits(text: str) -> dict[str, str]:
    """The introduction after each edit, one on top of the other; the last undoes the page."""
    sentence = text.replace("Protocolo y Etiqueta [@protocolo-1812].", "Protocolo y Etiqueta "
                            f"[@protocolo-1812].{SENTENCE}")  # fmt: skip
    note = sentence.replace(*NOTE)
    return {"sentence": sentence, "note": note, "page-added": note + PAGE, "page-removed": note}


def _build(book: Path, out: Path, paper: str, web: bool) -> dict[str, bytes]:
    """A build with the real command line, in this process (a child process would cost more
    than the small book's layout): the files it wrote, and the parts it laid out."""
    editions = ["--pdf", "--epub", *(["--web"] if web else [])]
    run = studyguide(
        "build", *editions, "--paper", paper, "--part-size", "1", "--out", out, root=book
    )
    assert run.code == 0, run.stderr
    laid = re.findall(r"laying out (.*)", run.stderr)
    files = {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and ".cache" not in path.parts and path.suffix in (".pdf", ".epub")
    }
    for page in sorted(out.glob("*-web/*.html")):  # the web pages, with their page numbers
        files[str(page.relative_to(out))] = page.read_bytes()
    files["(laid out)"] = ", ".join(laid).encode()
    return files


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_each_edit_laid_out_incrementally_gives_the_bytes_of_a_clean_build(
    tmp_path, paper, monkeypatch
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1160006400")
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    for name, text in EXTRA.items():
        (book / name).write_text(text, encoding="utf-8")
    intro = book / INTRO
    web = paper == "a4"  # the web edition's page numbers are the A4 edition's
    kept = tmp_path / "kept"
    first = _build(book, kept, paper, web)
    assert first.pop("(laid out)").decode().count(",") >= 3  # front, chapters, back
    clean_of: dict[str, dict[str, bytes]] = {}
    pages = []
    for name, text in _edits(intro.read_text(encoding="utf-8")).items():
        intro.write_text(text, encoding="utf-8")
        incremental = _build(book, kept, paper, web)
        laid = incremental.pop("(laid out)").decode()
        if text not in clean_of:
            clean = _build(book, tmp_path / f"clean-{name}", paper, web)
            clean.pop("(laid out)")
            clean_of[text] = clean
        clean = clean_of[text]
        assert incremental.keys() == clean.keys(), name
        differ = [file for file in clean if incremental[file] != clean[file]]
        assert not differ, f"{name}: {differ} differ from a clean build's"
        # the edited chapter is laid out again; the chapters after it are moved, not laid out
        parts = laid.split(", ")
        assert "ch-1" in parts and not {"ch-2", "ch-3", "ch-4"} & set(parts), (name, laid)
        pdf = next(file for file in clean if file.endswith(".pdf"))
        with pikepdf.open(io.BytesIO(clean[pdf])) as document:
            pages.append(len(document.pages))
    assert pages[2] > pages[1] and pages[3] == pages[1], pages  # a page added, then removed
    assert any(name.endswith(".html") for name in clean) == web
