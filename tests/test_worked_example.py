"""The worked example of docs/authoring.md, run as written: a saved French web page (with its
cookie banner, share box, advertisement and comments) and an English translation become a
guide. Each command of the page is run, what it prints is what the page quotes, and the
editions it makes are checked: no furniture in any of them, the translation in its own
language, glossary terms linked after elisions, a grammatical title page and colophon."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from studyguide.cli import main
from support import NS, ROOT, epub_files, epub_xhtml, epubcheck, pdf_pages, text_of

GUIDE = ROOT / "docs" / "authoring.md"
SECTION = "## A saved web page, in French, with a translation"
FIXTURE = ROOT / "tests" / "fixtures" / "declaration-1789"
SLUG = "la-declaration-de-1789"
# The page's furniture: none of it may reach an edition.
FURNITURE = [
    "cookies", "Accueil", "Partager", "Facebook", "4 min de lecture", "Publicité",
    "Abonnez-vous", "lettre d’information", "Lire aussi", "Dans la même rubrique",
    "commentaires", "Mentions légales", "Histoire en partage Accueil",
]  # fmt: skip


@dataclass
class Step:
    kind: str  # "sh", "file", "output"
    text: str
    target: str = ""  # a file's path in the book


def steps() -> list[Step]:
    """The section's code blocks in order: commands, files to write, what is printed."""
    page = GUIDE.read_text(encoding="utf-8")
    section = page[page.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    found = []
    for info, body in re.findall(r"^```([^\n]*)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL):
        words = info.split()
        if words == ["sh"]:
            found.append(Step("sh", body))
        elif len(words) == 2:
            found.append(Step("file", body, words[1]))
        elif not words:
            found.append(Step("output", body))
    return found


@dataclass
class Example:
    folder: Path  # where the page and the translation were saved
    book: Path
    printed: list[str]  # what each block of commands printed (stderr and stdout)


def _run(command: str, cwd: Path) -> str:
    """One command of the page, run in this process in `cwd`; what it printed."""
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(shlex.split(command)[1:])
    finally:
        os.chdir(before)
    assert code == 0, (command, err.getvalue())
    return err.getvalue() + out.getvalue()


def _write_file(book: Path, step: Step) -> None:
    text = step.text
    if step.target == "book.toml":  # the identifier `new` wrote is kept
        kept = re.search(r'^identifier = ".*"$', (book / "book.toml").read_text("utf-8"), re.M)
        assert kept is not None
        text = text.replace('identifier = "urn:uuid:…"', kept[0])
    (book / step.target).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Example:
    folder = tmp_path_factory.mktemp("saved")
    for name in ("declaration.html", "translation.txt"):
        shutil.copy(FIXTURE / name, folder / name)
    cwd, printed = folder, []
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1760000000"
    try:
        for step in steps():
            if step.kind == "file":
                _write_file(cwd, step)
            elif step.kind == "sh":
                said = ""
                for line in step.text.splitlines():
                    command = line.split("#")[0].strip()
                    if command.startswith("cd "):
                        cwd = cwd / command[3:]
                    elif command.startswith("rm "):
                        (cwd / command[3:]).unlink()
                    elif command:
                        said += _run(command, cwd)
                printed.append(said)
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return Example(folder, cwd, printed)


def test_each_command_prints_what_the_page_quotes(example):
    blocks = steps()
    outputs = [s for s in blocks if s.kind == "output"]
    assert len(outputs) == 3 and len(example.printed) == 4
    # Each quoted block follows the commands it shows the output of.
    sh_before = [sum(s.kind == "sh" for s in blocks[: blocks.index(o)]) - 1 for o in outputs]
    for output, index in zip(outputs, sh_before, strict=True):
        said = example.printed[index]
        for line in output.text.strip().splitlines():
            assert line in said.splitlines(), (line, said)


def test_check_is_clean_with_no_placeholder_left(example):
    said = example.printed[-1]
    assert "warning:" not in said and "error" not in said, said
    assert "[scaffold.placeholder]" not in said


def _editions(example: Example) -> dict[str, str]:
    """The text a reader can see in each edition."""
    out = example.book / "build"
    shown = {
        "pdf": " ".join(pdf_pages(out / f"{SLUG}.pdf")),
        "handout": " ".join(pdf_pages(out / f"{SLUG}-questions.pdf")),
    }
    for name in (f"{SLUG}.epub", f"{SLUG}.kepub.epub"):
        shown[name] = " ".join(
            text_of(etree.fromstring(data))
            for file, data in epub_files(out / name).items()
            if file.endswith((".xhtml", ".ncx", ".opf"))
        )
    shown["web"] = " ".join(
        text_of(etree.fromstring(page.read_bytes(), etree.HTMLParser()))
        for page in (out / f"{SLUG}-web").glob("*.html")
    )
    return shown


def test_no_furniture_reaches_any_edition(example):
    for edition, text in _editions(example).items():
        assert "Les hommes naissent et demeurent libres" in text or edition == "handout"
        found = [word for word in FURNITURE if word in text]
        assert found == [], (edition, found)


@pytest.fixture(scope="module")
def epub(example) -> dict[str, etree._Element]:
    return epub_xhtml(example.book / "build" / f"{SLUG}.epub")


def test_the_title_page_and_colophon_are_grammatical_french(example, epub):
    title = text_of(epub["titlepage.xhtml"])
    assert "Déclaration de l’Assemblée nationale constituante, 26 août 1789." in title
    assert "Publiée dans Histoire en partage, 26 août 2019." in title
    assert "Traduite du français par le cercle de lecture du quartier." in title
    colophon = "".join(epub["colophon.xhtml"].itertext())
    assert "source/" not in colophon  # no internal path, for the text published nowhere
    assert "«\u202fDeclaration of the Rights of Man and of the Citizen\u202f» a été comparé" in (
        colophon
    )
    printed = pdf_pages(example.book / "build" / f"{SLUG}.pdf")[0]
    assert "Déclaration de l’Assemblée nationale constituante" in printed
    assert "Traduite du français" in printed


def test_the_translation_is_a_second_text_in_its_own_language(example, epub):
    for name in ("chapter-05.xhtml", "chapter-06.xhtml"):
        section = epub[name].find(".//x:section", NS)
        assert (section.get("lang"), section.get("{http://www.w3.org/XML/1998/namespace}lang")) == (
            "en",
            "en",
        )
        questions = section.find("x:section", NS)  # the guide's own words: the book's language
        assert questions is None or questions.get("lang") == "fr"
    for name in ("chapter-02.xhtml", "chapter-03.xhtml"):
        assert epub[name].find(".//x:section", NS).get("lang") is None  # the book's, French
    web = (example.book / "build" / f"{SLUG}-web" / "chapter-05.html").read_text("utf-8")
    assert '<section class="chapter kind-article" id="ch-5"' in web and 'lang="en"' in web
    kepub = epub_files(example.book / "build" / f"{SLUG}.kepub.epub")
    assert b'lang="en"' in kepub["EPUB/chapter-06.xhtml"]


def test_the_pdf_tags_the_translation_english(example):
    import pikepdf

    with pikepdf.open(example.book / "build" / f"{SLUG}.pdf") as pdf:
        assert str(pdf.Root.Lang) == "fr"
        languages = set()
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary):
                if "/Lang" in node:
                    languages.add(str(node.Lang))
                kids = node.get("/K")
                if kids is not None:
                    stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
    assert "en" in languages


def test_glossary_terms_after_an_elision_and_in_the_plural_are_linked(epub):
    def links(name: str) -> dict[str, str]:
        found = {}
        for link in epub[name].iterfind(".//x:a[@class='term']", NS):
            before = link.getprevious().tail if link.getprevious() is not None else None
            before = before if before is not None else link.getparent().text or ""
            found["".join(link.itertext())] = before[-2:]
        return found

    assert links("chapter-02.xhtml")["Être\u00a0suprême"] == "l’"
    assert links("chapter-03.xhtml")["oppression"] == "l’"
    assert "citoyens" in links("chapter-02.xhtml")  # the plural, the first use


def test_paragraph_numbers_say_which_text_they_belong_to(example, epub):
    def numbers(name: str) -> list[str]:
        return [p.text for p in epub[name].iterfind(".//x:span[@class='pnum']", NS)]

    assert numbers("chapter-02.xhtml") == ["A1", "A2"]
    assert numbers("chapter-05.xhtml") == ["B1", "B2"]
    printed = " ".join(pdf_pages(example.book / "build" / f"{SLUG}.pdf"))
    # (in the outer margin: left of the line on a left-hand page, right of it on a right-hand)
    assert re.search(
        r"B1 The representatives of the French people|"
        r"The representatives of the French people[^.]*? B1\b",
        printed,
    )


def test_the_import_keeps_superscripts_and_emphasis(example, epub):
    chapter = (example.book / "chapters" / "03-art-1er.md").read_text("utf-8")
    assert "**Art. 1^er^. –** Les hommes naissent" in chapter
    assert "Art. 1<sup>er</sup>. –" in etree.tostring(epub["chapter-03.xhtml"], encoding="unicode")


def test_french_labels_keep_french_punctuation(example, epub):
    glossary = "".join(epub["glossary.xhtml"].itertext())
    assert "Cité\u202f: " in glossary
    assert "Cité:" not in glossary
    web = (example.book / "build" / f"{SLUG}-web" / "chapter-02.html").read_text("utf-8")
    assert "Suivant\u202f: Art. 1er →" in web and "Précédent\u202f: Introduction" in web
    assert not re.search(r"</cite>: |Suivant: |Précédent: ", web)


def test_the_epub_passes_epubcheck(example, tmp_path):
    messages = epubcheck(example.book / "build" / f"{SLUG}.epub", tmp_path / "report.json")
    assert [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []
