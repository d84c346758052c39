"""Bad input never breaks a build silently: each mistake is named with file, line and a hint,
the command exits 1 (2 for wrong usage), and the editions of the last good build stay as they
were. The same cases write the examples of docs/errors.md (a golden file: refresh it with
STUDYGUIDE_WRITE_ERRORS_DOC=1)."""

from __future__ import annotations

import io
import os
import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

from studyguide.errors import MAX_REPORTED, BuildError
from support import NS, ROOT, Run, epub_xhtml, make_book, studyguide, text_of

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
ERRORS_DOC = ROOT / "docs" / "errors.md"

META = """\
# A small book for the error tests.
title = "A small study guide"
slug = "small-guide"
language = "en"
identifier = "urn:uuid:0b6c5d1e-2f3a-4b5c-8d7e-9f0a1b2c3d4e"

[edition]
editors = "The studyguide project"
year = 2026

[[texts]]
title = "A small study guide"
source = "source/text.txt"
authors = [{ name = "LOR-CI" }]
published = { in = "Left Voice", date = 2006-10-16 }
rights = { status = "all-rights-reserved" }
"""
INTRO = """\
---
title: "Introduction"
kind: front
---

The state mining company COMIBOL owns the Huanuni mine.[^owner]

A second paragraph, with a [link to the glossary](term:comibol).

::: questions
1. Who owns the mine?
:::

[^owner]: Since the nationalisation of 1952.
"""
BACKGROUND = """\
---
title: "Background"
kind: front
---

The co-operative miners work in the same hills.
"""
GLOSSARY = {
    "comibol.md": """\
        ---
        term: COMIBOL
        aliases: ["Corporación Minera de Bolivia"]
        ---

        The state mining company.
        """,
    "co-operative-miners.md": """\
        ---
        term: co-operative miners
        ---

        Miners organised in co-operatives.
        """,
}


@dataclass
class Good:
    """A small book, built once: its sources and the bytes of its editions."""

    book: Path
    out: Path
    editions: dict[str, bytes]


def _editions(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".epub", ".pdf")}


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Good:
    folder = tmp_path_factory.mktemp("good")
    book = make_book(
        folder / "book",
        {"01-intro.md": INTRO, "02-background.md": BACKGROUND},
        GLOSSARY,
        meta=META,
    )
    out = folder / "out"
    run = studyguide("build", "--out", out, root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    editions = _editions(out)
    assert sorted(editions) == ["small-guide.epub", "small-guide.pdf"]
    return Good(book, out, editions)


def _write(path: Path, text: str | bytes) -> None:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _chapter(body: str, front: str = 'title: "Chapter three"\nkind: front') -> str:
    return f"---\n{front}\n---\n\n{textwrap.dedent(body).strip()}\n"


@dataclass
class Case:
    """One mistake: how to make it, and where and how the build must report it."""

    name: str
    title: str  # the heading in docs/errors.md
    change: Callable[[Path], None]
    where: str  # path:line[:column] as printed, relative to the book's folder
    code: str
    args: tuple[str, ...] = field(default=())  # replace `--out <the copied out folder>`
    env: dict[str, str] = field(default_factory=dict)


def _ch3(body: str, **kwargs: str) -> Callable[[Path], None]:
    return lambda book: _write(book / "chapters" / "03-three.md", _chapter(body, **kwargs))


def _linked_outside(book: Path) -> None:
    _write(book.parent / "notes.md", _chapter("Notes kept outside the book."))
    (book / "chapters" / "03-three.md").symlink_to(book.parent / "notes.md")


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.truncate(size)


def _build_linked_outside(book: Path) -> None:
    (book.parent / "elsewhere").mkdir()
    (book / "build").symlink_to(book.parent / "elsewhere")


def _without_questions(book: Path) -> None:
    _replace(book / "chapters" / "01-intro.md", "::: questions\n1. Who owns the mine?\n:::\n", "")


# A translation beside the small book's text, for the parallel edition's mistakes: the text
# in two paragraphs, its translation in three (the second split in two by its translator).
TRANSLATION = """
[[texts]]
id = "es"
title = "Una pequeña guía de estudio"
language = "es"
translation_of = "text"
source = "source/es.txt"
authors = [{ name = "LOR-CI" }]
rights = { status = "all-rights-reserved" }
"""
PARALLEL_LINE = len((META + TRANSLATION).splitlines()) + 3  # a blank line, [parallel], `align`


def _translated(parallel: str = "") -> Callable[[Path], None]:
    def change(book: Path) -> None:
        (book / "book.toml").write_text(
            META + TRANSLATION + (f"\n[parallel]\n{parallel}\n" if parallel else ""),
            encoding="utf-8",
        )
        (book / "source").mkdir(exist_ok=True)
        text = "First paragraph.\n\nA second paragraph, twice as long as the first.\n"
        texto = "Primer párrafo.\n\nUn segundo párrafo,\n\nel doble de largo que el primero.\n"
        _write(book / "source" / "text.txt", text)
        _write(book / "source" / "es.txt", texto)
        _write(book / "chapters" / "03-text.md", f"---\ntitle: Text\n---\n\n{text}")
        _write(book / "chapters" / "04-texto.md", f"---\ntitle: Texto\ntext: es\n---\n\n{texto}")

    return change


# A one-pixel PNG, and SVG drawings with something a figure may not hold on their line 3.
def _one_pixel_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    return out.getvalue()


PNG = _one_pixel_png()
SVG_WITH = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n'
    '<rect width="10" height="10"/>\n%s\n</svg>\n'
)
SVG_ENTITIES = (
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n<text>&b;</text>\n</svg>\n'
)


def _png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares `width` × `height` pixels: a decompression bomb
    (decoded, it would take gigabytes); its data is one compressed row."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00" * width)
    return PNG[:8] + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _figure(body: str, data: bytes | str, name: str = "mine.png") -> Callable[[Path], None]:
    """A chapter with `body`, and images/`name` holding `data`."""

    def change(book: Path) -> None:
        (book / "images").mkdir(exist_ok=True)
        _write(book / "images" / name, data)
        _write(book / "chapters" / "03-three.md", _chapter(body))

    return change


def _single_text(book: Path) -> None:
    """The small book as it is: one text, no translation."""


def _linked_image(book: Path) -> None:
    (book.parent / "photo.png").write_bytes(PNG)
    (book / "images").mkdir(exist_ok=True)
    (book / "images" / "mine.png").symlink_to(book.parent / "photo.png")
    _write(book / "chapters" / "03-three.md", _chapter("![The mine](images/mine.png)"))


def _sparse_image(book: Path) -> None:
    (book / "images").mkdir(exist_ok=True)
    _sparse(book / "images" / "mine.png", 6_000_000)
    _write(book / "chapters" / "03-three.md", _chapter("![The mine](images/mine.png)"))


CASES = [
    Case(
        "front-matter-yaml",
        "Front matter that is not valid YAML",
        _ch3("Text.", front='title: "The agreement\nkind: front'),
        "chapters/03-three.md:2:8",
        "frontmatter.yaml",
    ),
    Case(
        "front-matter-alias",
        "Front matter with a YAML anchor or alias",
        _ch3("Text.", front='title: &name "Chapter three"\nkind: front\nsubtitle: *name'),
        "chapters/03-three.md:2:8",
        "frontmatter.alias",
    ),
    Case(
        "front-matter-duplicate",
        "A front matter field given twice",
        _ch3("Text.", front='title: "Chapter three"\nkind: front\ntitle: "Chapter 3"'),
        "chapters/03-three.md:4:1",
        "frontmatter.duplicate",
    ),
    Case(
        "front-matter-depth",
        "Front matter nested too deep",
        _ch3("Text.", front='title: "Chapter three"\nkind: [[[[[[[[[front]]]]]]]]]'),
        "chapters/03-three.md:3:14",
        "frontmatter.depth",
    ),
    Case(
        "front-matter-no-title",
        "Front matter without a title",
        _ch3("Text.", front="kind: front"),
        "chapters/03-three.md:2",
        "frontmatter.missing-field",
    ),
    Case(
        "not-utf8",
        "A chapter file that is not UTF-8",
        lambda book: _write(
            book / "chapters" / "03-three.md",
            _chapter("Text in Latin-1: Corporaci\xf3n.").encode("latin-1"),
        ),
        "chapters/03-three.md:6:27",
        "source.encoding",
    ),
    Case(
        "empty-chapter",
        "An empty chapter file",
        lambda book: _write(book / "chapters" / "03-three.md", ""),
        "chapters/03-three.md:1",
        "source.empty",
    ),
    Case(
        "duplicate-number",
        "Two chapter files with the same number",
        lambda book: shutil.copy(
            book / "chapters" / "02-background.md", book / "chapters" / "02-chronology.md"
        ),
        "chapters/02-chronology.md:1",
        "source.duplicate-number",
    ),
    Case(
        "source-outside",
        "A chapter file that is a link to a file outside the book",
        _linked_outside,
        "chapters/03-three.md",
        "source.outside",
    ),
    Case(
        "source-not-a-file",
        "A chapter that is not a regular file",
        lambda book: os.mkfifo(book / "chapters" / "03-three.md"),
        "chapters/03-three.md",
        "source.not-a-file",
    ),
    Case(
        "source-size",
        "A source file that is too large",
        lambda book: _sparse(book / "chapters" / "03-three.md", 3_000_000),
        "chapters/03-three.md",
        "source.size",
    ),
    Case(
        "source-near-miss",
        "A file in chapters/ that would not be read",
        lambda book: _write(book / "chapters" / "03-three.markdown", _chapter("Text.")),
        "chapters/03-three.markdown",
        "source.name",
    ),
    Case(
        "control-character",
        "A control character in a chapter",
        _ch3("Text with a bell \a in it."),
        "chapters/03-three.md:6:18",
        "source.control-character",
    ),
    Case(
        "note-undefined",
        "A footnote reference with no definition",
        _ch3("Text with a note.[^missing]"),
        "chapters/03-three.md:6",
        "notes.undefined",
    ),
    Case(
        "note-unused",
        "A footnote definition never referenced",
        _ch3("Text without a reference.\n\n[^lonely]: A note."),
        "chapters/03-three.md:8",
        "notes.unused",
    ),
    Case(
        "note-duplicate",
        "A footnote id defined twice",
        _ch3("Text.[^a]\n\n[^a]: First.\n\n[^a]: Second."),
        "chapters/03-three.md:10",
        "notes.duplicate",
    ),
    Case(
        "note-twice",
        "A footnote referenced twice",
        _ch3("Text.[^a]\n\nMore text.[^a]\n\n[^a]: The note."),
        "chapters/03-three.md:8",
        "notes.twice",
    ),
    Case(
        "nested-note",
        "A note inside a note",
        _ch3("Text.[^a]\n\n[^a]: A note.[^b]\n\n[^b]: Another."),
        "chapters/03-three.md:8",
        "notes.nested",
    ),
    Case(
        "unknown-term",
        "A glossary link to an unknown term",
        _ch3("See [the company](term:comibl)."),
        "chapters/03-three.md:6",
        "glossary.unknown",
    ),
    Case(
        "unknown-term-in-glossary",
        "A glossary entry linking to an unknown term",
        lambda book: _replace(
            book / "glossary" / "comibol.md",
            "The state mining company.",
            "The state mining company, see [x](term:nope).",
        ),
        "glossary/comibol.md:6",
        "glossary.unknown",
    ),
    Case(
        "duplicate-term",
        "Two glossary entries with the same name",
        lambda book: _write(
            book / "glossary" / "the-company.md", '---\nterm: "COMIBOL"\n---\n\nAgain.\n'
        ),
        "glossary/the-company.md:2",
        "glossary.duplicate",
    ),
    Case(
        "duplicate-alias",
        "A glossary alias that another entry already has",
        lambda book: _write(
            book / "glossary" / "state-company.md",
            '---\nterm: "state company"\naliases: ["Corporación Minera de Bolivia"]\n---\n\nX.\n',
        ),
        "glossary/state-company.md:3",
        "glossary.duplicate",
    ),
    Case(
        "image-outside",
        "An image outside the book's images folder",
        _ch3("![The mine](../../../etc/hostname)"),
        "chapters/03-three.md:6",
        "figure.path",
    ),
    Case(
        "image-missing",
        "An image that does not exist",
        _ch3("![The mine](images/mine.jpg)"),
        "chapters/03-three.md:6",
        "figure.missing",
    ),
    Case(
        "image-remote",
        "A remote image",
        _ch3("A picture: ![the mine](http://127.0.0.1:9/mine.jpg)"),
        "chapters/03-three.md:6",
        "markdown.remote",
    ),
    Case(
        "image-inline",
        "An image inside a paragraph",
        _figure("A picture: ![The mine](images/mine.png) in the text.", PNG),
        "chapters/03-three.md:6",
        "figure.inline",
    ),
    Case(
        "image-no-alt",
        "A figure without a text alternative",
        _figure('![](images/mine.png "The mine")', PNG),
        "chapters/03-three.md:6",
        "figure.alt",
    ),
    Case(
        "image-decorative",
        "A decorative image with a text alternative",
        _figure("![The mine](images/mine.png){.decorative}", PNG),
        "chapters/03-three.md:6",
        "figure.decorative",
    ),
    Case(
        "image-attribute",
        "A figure attribute that figures do not have",
        _figure('![The mine](images/mine.png){onclick="steal()"}', PNG),
        "chapters/03-three.md:6",
        "figure.attribute",
    ),
    Case(
        "image-link-out",
        "An image that is a link to a file outside the book",
        _linked_image,
        "chapters/03-three.md:6",
        "source.outside",
    ),
    Case(
        "image-format",
        "An image of a kind the editions cannot carry",
        _figure("![The mine](images/mine.gif)", b"GIF89a\x01\x00\x01\x00", "mine.gif"),
        "chapters/03-three.md:6",
        "figure.format",
    ),
    Case(
        "image-mislabelled",
        "An image whose name says another kind than its bytes",
        _figure("![The mine](images/mine.jpg)", PNG, "mine.jpg"),
        "chapters/03-three.md:6",
        "figure.format",
    ),
    Case(
        "image-bomb",
        "A picture that declares more pixels than the limit",
        _figure("![The mine](images/mine.png)", _png_declaring(40_000, 40_000)),
        "chapters/03-three.md:6",
        "figure.size",
    ),
    Case(
        "image-bytes",
        "An image file that is too large",
        _sparse_image,
        "chapters/03-three.md:6",
        "source.size",
    ),
    Case(
        "svg-script",
        "An SVG with a script",
        _figure(
            "![A drawing](images/map.svg)", SVG_WITH % '<script>alert("x")</script>', "map.svg"
        ),
        "images/map.svg:3",
        "figure.svg",
    ),
    Case(
        "svg-handler",
        "An SVG with an event handler",
        _figure("![A drawing](images/map.svg)", SVG_WITH % '<rect onload="go()"/>', "map.svg"),
        "images/map.svg:3",
        "figure.svg",
    ),
    Case(
        "svg-external",
        "An SVG that refers to a file or an address outside it",
        _figure("![A drawing](images/map.svg)", SVG_WITH % '<use href="other.svg#a"/>', "map.svg"),
        "images/map.svg:3",
        "figure.svg",
    ),
    Case(
        "svg-entity",
        "An SVG that declares entities",
        _figure("![A drawing](images/map.svg)", SVG_ENTITIES, "map.svg"),
        "images/map.svg:1",
        "figure.svg",
    ),
    Case(
        "figure-link",
        "A link to a figure the book does not have",
        _ch3("As the map shows ([](#fig-bolivia))."),
        "chapters/03-three.md:6",
        "figure.unknown",
    ),
    Case(
        "link-outside",
        "A link to a file outside the book's folder",
        _ch3("See [the password file](../../../etc/passwd)."),
        "chapters/03-three.md:6",
        "markdown.link",
    ),
    Case(
        "link-missing",
        "A link to a file that does not exist",
        _ch3("See [the notes](notes.md)."),
        "chapters/03-three.md:6",
        "markdown.link",
    ),
    Case(
        "markdown-nesting",
        "Markdown nested too deep",
        _ch3("A quotation in a quotation in …\n\n" + "> " * 18 + "… too deep."),
        "chapters/03-three.md:8",
        "markdown.nesting",
    ),
    Case(
        "meta-type",
        "A metadata field of the wrong type",
        lambda book: _replace(book / "book.toml", "year = 2026", 'year = "next year"'),
        "book.toml:9",
        "meta.type",
    ),
    Case(
        "meta-unknown",
        "An unknown metadata field",
        lambda book: _replace(
            book / "book.toml", 'language = "en"', 'language = "en"\nlang = "en"'
        ),
        "book.toml:5",
        "meta.unknown",
    ),
    Case(
        "meta-syntax",
        "A metadata file that is not valid TOML",
        lambda book: _replace(book / "book.toml", 'language = "en"', "language = en"),
        "book.toml:4:12",
        "meta.syntax",
    ),
    Case(
        "out-under-a-file",
        "An output folder that cannot be created",
        lambda book: _write(book / "notes.txt", "A file, not a folder.\n"),
        "notes.txt/editions",
        "output.create",
        ("--out", "{book}/notes.txt/editions"),
    ),
    Case(
        "out-not-writable",
        "An output folder that cannot be written",
        lambda book: None,
        "/proc/self",
        "output.permission",
        ("--out", "/proc/self"),
    ),
    Case(
        "out-outside",
        "The book's build folder is a link out of the book",
        _build_linked_outside,
        "build",
        "output.outside",
        ("--epub",),  # no --out: the book's own build/
    ),
    Case(
        "epoch",
        "A wrong SOURCE_DATE_EPOCH",
        lambda book: None,
        "",
        "usage.epoch",
        env={"SOURCE_DATE_EPOCH": "1160006400.5"},
    ),
    Case(
        "handout-empty",
        "A handout of a book without discussion questions",
        _without_questions,
        "chapters",
        "handout.empty",
        ("--handout", "--out", "{out}"),
    ),
    Case(
        "parallel-misaligned",
        "A translation whose paragraphs do not pair with the original's",
        _translated(),
        "chapters/04-texto.md:10",
        "parallel.misaligned",
        ("--parallel", "--out", "{out}"),
    ),
    Case(
        "parallel-align",
        "An alignment that names a paragraph a text does not have",
        _translated('align = ["2 = 2-4"]'),
        f"book.toml:{PARALLEL_LINE}",
        "parallel.align",
        ("--parallel", "--out", "{out}"),
    ),
    Case(
        "parallel-align-form",
        "An alignment written wrongly",
        _translated('align = ["the second = 2 and 3"]'),
        f"book.toml:{PARALLEL_LINE}",
        "meta.parallel",
    ),
    Case(
        "parallel-no-paragraphs",
        "A parallel edition of texts not imported yet",
        lambda book: _write(book / "book.toml", META + TRANSLATION),
        f"book.toml:{META.splitlines().index('[[texts]]') + 1}",
        "parallel.no-paragraphs",
        ("--parallel", "--out", "{out}"),
    ),
    Case(
        "parallel-no-translation",
        "A parallel edition of a book without a translation",
        _single_text,
        f"book.toml:{META.splitlines().index('[[texts]]') + 1}",
        "parallel.no-translation",
        ("--parallel", "--out", "{out}"),
    ),
]


def _article(chapter: str, source: str | None) -> Callable[[Path], None]:
    """A chapter of the text, and the text as published (None: no stored text)."""

    def change(book: Path) -> None:
        _write(book / "chapters" / "03-three.md", chapter)
        if source is not None:
            (book / "source").mkdir(exist_ok=True)
            _write(book / "source" / "text.txt", source)

    return change


TEXT = """
    # The agreement

    Last week the workers and peasants of the region blocked the roads,
    and the government agreed to their demands.

    The deal is a victory.
    """
ARTICLE = """\
    ---
    title: "The agreement"
    ---

    Last week the workers and peasants of the region blocked the roads,
    and the government agreed to their demands.

    The deal is a victory.
    """
OLD_META = """\
    title = "A small study guide"
    language = "en"
    identifier = "urn:uuid:0b6c5d1e-2f3a-4b5c-8d7e-9f0a1b2c3d4e"

    [original]
    author = "LOR-CI"
    date = 2006-10-05
    publication = "Left Voice"
    published = 2006-10-16

    [edition]
    editors = "The studyguide project"
    year = 2026
    """


def _facilitator(name: str, text: str) -> Callable[[Path], None]:
    """A facilitator's file (the companion is checked only when it is built)."""

    def change(book: Path) -> None:
        (book / "facilitator").mkdir(exist_ok=True)
        _write(book / "facilitator" / name, text)

    return change


def _template(book: Path) -> None:
    (book / "templates").mkdir()
    _write(book / "templates" / "nav.xhtml.j2", "<nav>\n{{ labels.no_such_label }}\n</nav>\n")


CASES += [
    Case(
        "meta-missing",
        "A required metadata field left out",
        lambda book: _replace(book / "book.toml", 'editors = "The studyguide project"\n', ""),
        "book.toml:7",
        "meta.missing",
    ),
    Case(
        "meta-old-format",
        "A book.toml of the old form",
        lambda book: _write(book / "book.toml", OLD_META),
        "book.toml:5",
        "meta.old-format",
    ),
    Case(
        "meta-whitespace",
        "A metadata value with a line break or spaces around it",
        lambda book: _replace(
            book / "book.toml", 'slug = "small-guide"', 'slug = "small-guide\\n"'
        ),
        "book.toml:3",
        "meta.whitespace",
    ),
    Case(
        "meta-value",
        "A metadata value that is not one of its choices",
        lambda book: _replace(book / "book.toml", '"all-rights-reserved"', '"copyleft"'),
        "book.toml:16",
        "meta.value",
    ),
    Case(
        "text-unknown",
        "A chapter of a text the book does not have",
        _ch3("Text.", front='title: "Three"\ntext: "speech"'),
        "chapters/03-three.md:3",
        "frontmatter.text",
    ),
    Case(
        "fidelity-missing",
        "The text as published is missing",
        _article(ARTICLE, None),
        "book.toml:13",
        "fidelity.missing",
    ),
    Case(
        "texts-no-chapters",
        "A text without chapters",
        lambda book: (
            _article(ARTICLE, TEXT)(book),
            _write(
                book / "book.toml",
                META + '\n[[texts]]\nid = "reply"\ntitle = "The reply"\n'
                'source = "source/reply.txt"\nauthors = [{ name = "COMIBOL" }]\n'
                'rights = { status = "public-domain" }\n',
            ),
        ),
        "book.toml:18",
        "texts.no-chapters",
    ),
    Case(
        "meta-translation",
        "A translation of a text the book does not have",
        lambda book: _replace(
            book / "book.toml",
            'source = "source/text.txt"',
            'source = "source/text.txt"\nlanguage = "es"\ntranslation_of = "speech"',
        ),
        "book.toml:15",
        "meta.translation",
    ),
    Case(
        "meta-label-spec",
        "A label's placeholder with a format or a conversion",
        lambda book: _write(
            book / "book.toml", META + '\n[labels]\nedition_by = "By {editors:>1000000000}."\n'
        ),
        "book.toml:19",
        "meta.label",
    ),
    Case(
        "meta-label-brace",
        "A label with a brace that is not closed",
        lambda book: _write(book / "book.toml", META + '\n[labels]\nedition_by = "By {editors"\n'),
        "book.toml:19",
        "meta.label",
    ),
    Case(
        "labels-file",
        "A mistake in a book's own labels file",
        lambda book: (
            (book / "labels").mkdir(),
            _write(book / "labels" / "en.toml", '[labels]\nglosary = "Words"\n'),
        ),
        "labels/en.toml:2",
        "meta.unknown",
    ),
    Case(
        "fidelity-after-omission",
        "After an omission, words that are not the text's",
        _article(
            ARTICLE.replace("Last week", "[…]\n\n    Last month"),
            TEXT.replace("# The agreement", "# The agreement\n\n    A first paragraph."),
        ),
        "chapters/03-three.md:7",
        "fidelity.omission",
    ),
    Case(
        "fidelity-omission",
        "An omission that leaves nothing out",
        _article(ARTICLE.replace("The deal is", "[…]\n\n    The deal is"), TEXT),
        "chapters/03-three.md:8",
        "fidelity.omission",
    ),
    Case(
        "fidelity-differs",
        "A word of the text changed",
        _article(ARTICLE.replace("agreed to their", "gave in to their"), TEXT),
        "chapters/03-three.md:6",
        "fidelity.differs",
    ),
    Case(
        "fidelity-missing-text",
        "A paragraph of the text left out",
        _article(ARTICLE.replace("\n    The deal is a victory.\n", ""), TEXT),
        "chapters/03-three.md:5",
        "fidelity.missing-text",
    ),
    Case(
        "fidelity-extra-text",
        "Words that are not in the text",
        _article(ARTICLE + "\n    A comment of ours.\n", TEXT),
        "chapters/03-three.md:10",
        "fidelity.extra-text",
    ),
    Case(
        "fidelity-heading",
        "A heading of the text missing from the chapters",
        _article(ARTICLE, TEXT.replace("The deal is", "# The deal\n\n    The deal is")),
        "chapters/03-three.md:8",
        "fidelity.heading",
    ),
    Case(
        "fidelity-split",
        "A split marker with nothing to split",
        _article(ARTICLE.replace("Last week", "+++\n\n    Last week"), TEXT),
        "chapters/03-three.md:5",
        "fidelity.split",
    ),
    Case(
        "references-unknown",
        "A citation of an unknown source",
        _ch3(
            "A fact.[^n]\n\n[^n]: As reported [@reuters-2006].", front="title: Three\nkind: front"
        ),
        "chapters/03-three.md:8",
        "references.unknown",
    ),
    Case(
        "references-in-text",
        "A citation in the text's own words",
        _article(ARTICLE.replace("a victory.", "a victory [@reuters-2006]."), TEXT),
        "chapters/03-three.md:8",
        "references.in-text",
    ),
    Case(
        "paragraph-unknown",
        "A reference to a paragraph the text does not have",
        _article(
            ARTICLE.replace(
                "The deal is a victory.", "The deal is a victory.[^n]\n\n    [^n]: As [¶ 9] says."
            ),
            TEXT,
        ),
        "chapters/03-three.md:10",
        "paragraph.unknown",
    ),
    Case(
        "paragraph-in-text",
        "A paragraph reference in the text's own words",
        _article(ARTICLE.replace("a victory.", "a victory [¶ 1]."), TEXT),
        "chapters/03-three.md:8",
        "paragraph.in-text",
    ),
    Case(
        "facilitator-chapter",
        "A facilitator's file for no chapter",
        _facilitator("03-thre.md", "::: plan\n- 10 min: Read the text.\n:::\n"),
        "facilitator/03-thre.md:1",
        "facilitator.chapter",
        ("--facilitator", "--out", "{out}"),
    ),
    Case(
        "facilitator-question",
        "Pointers for a question the chapter does not have",
        _facilitator("01-intro.md", "::: question 4\nThe owner is the state.\n:::\n"),
        "facilitator/01-intro.md:1",
        "facilitator.question",
        ("--facilitator", "--out", "{out}"),
    ),
    Case(
        "facilitator-plan",
        "An activity of a plan without its minutes",
        _facilitator("01-intro.md", "::: plan\n- 10 min: Read the text.\n- Discuss it.\n:::\n"),
        "facilitator/01-intro.md:3",
        "facilitator.plan",
        ("--facilitator", "--out", "{out}"),
    ),
    Case(
        "facilitator-empty",
        "A facilitator's companion without facilitator's files",
        lambda book: None,
        "facilitator",
        "facilitator.empty",
        ("--facilitator", "--out", "{out}"),
    ),
    Case(
        "typeface-missing",
        "A typeface that is not installed",
        lambda book: _replace(
            book / "book.toml", 'language = "en"', 'language = "en"\ntypeface = "No Such Font"'
        ),
        "book.toml:5",
        "typeface.missing",
    ),
    Case(
        "typeface-coverage",
        "A character the typeface cannot show",
        _ch3("In Chinese, the country is 中国.", front="title: Three\nkind: front"),
        "chapters/03-three.md:6:28",
        "typeface.coverage",
    ),
    Case(
        "template-error",
        "A mistake in a book's own template",
        _template,
        "templates/nav.xhtml.j2:2",
        "template.error",
    ),
]


# What each case printed, for docs/errors.md.
PRINTED: dict[str, str] = {}


def _run_case(case: Case, good: Good, tmp_path: Path) -> tuple[Run, Path]:
    """Copy the good book and its editions, make the mistake, build into the same folder."""
    book = shutil.copytree(good.book, tmp_path / "book")
    out = shutil.copytree(good.out, tmp_path / "out")
    case.change(book)
    args = [a.format(book=book, out=out) for a in case.args] or ["--out", str(out)]
    # (in this process: each case fails before any layout, a child would cost more)
    return studyguide("build", *args, root=book, env=EPOCH | case.env), out


def _error_start(where: str) -> str:
    """How the error line begins: with its place, if it has one."""
    return f"{where}: error: " if where else "error: "


def _error_block(stderr: str, where: str) -> str:
    """The error line at `where` and its hint line."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(_error_start(where)))
    return "\n".join(lines[start : start + 2])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_mistake_is_reported_with_file_and_line_and_editions_are_kept(
    case: Case, good: Good, tmp_path: Path
) -> None:
    run, out = _run_case(case, good, tmp_path)
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert f"\n{_error_start(case.where)}" in run.stderr, run.stderr
    block = _error_block(run.stderr, case.where)
    assert re.search(rf"error: .+ \[{re.escape(case.code)}\]\n  hint: .+", block), block
    if case.args and "{out}" not in case.args:  # a folder without an earlier build
        assert run.stderr.endswith("studyguide: stopped; no edition was written\n")
    else:
        closing = "no edition was written, the editions from the last good build are unchanged"
        assert run.stderr.endswith(f"studyguide: stopped; {closing}\n"), run.stderr
    assert _editions(out) == good.editions
    assert not list(out.rglob("*.part"))
    PRINTED[case.name] = block


def test_mistakes_in_two_chapters_are_both_reported(good: Good, tmp_path: Path) -> None:
    def change(book: Path) -> None:
        _write(book / "chapters" / "03-three.md", _chapter("Text.[^missing]"))
        _write(book / "chapters" / "04-four.md", _chapter("Text.", front="kind: front"))
        _replace(book / "book.toml", "year = 2026", 'year = "next year"')

    run, out = _run_case(Case("", "", change, "", ""), good, tmp_path)
    assert run.code == 1
    assert "chapters/03-three.md:6: error: " in run.stderr
    assert "chapters/04-four.md:2: error: " in run.stderr
    assert "book.toml:9: error: " in run.stderr
    assert _editions(out) == good.editions


def test_many_mistakes_are_reported_up_to_a_limit(good: Good, tmp_path: Path) -> None:
    body = "\n\n".join(f"Paragraph {n}.[^n{n}]" for n in range(MAX_REPORTED + 5))
    run, out = _run_case(Case("", "", _ch3(body), "", ""), good, tmp_path)
    assert run.code == 1
    assert run.stderr.count("error: footnote reference") == MAX_REPORTED
    assert "… and 5 more errors" in run.stderr
    assert _editions(out) == good.editions


def test_unknown_paper_size_is_a_usage_error(good: Good, tmp_path: Path) -> None:
    out = shutil.copytree(good.out, tmp_path / "out")
    run = studyguide("build", "--paper", "b5", "--out", out, root=good.book)
    assert run.code == 2
    assert "invalid choice: 'b5'" in run.stderr
    assert "Traceback" not in run.stderr
    assert _editions(out) == good.editions
    PRINTED["paper"] = _usage_block(run.stderr)


def _usage_block(stderr: str) -> str:
    """The usage line and the error of argparse, without the wrapped list of options."""
    lines = stderr.strip().splitlines()
    return f"{lines[0].split('[')[0].rstrip()} …\n{lines[-1]}"


def test_unknown_paper_size_in_print_html_is_our_error(good: Good) -> None:
    from studyguide.layout.book import print_html
    from studyguide.options import Options
    from studyguide.sources.book import load_book

    loaded = load_book(good.book)
    with pytest.raises(BuildError) as caught:
        print_html(loaded, Options(out=good.book, paper="b5"))
    assert caught.value.code == "usage.paper"
    assert "unknown paper size 'b5'" in caught.value.message


def test_raw_html_is_shown_as_text_and_the_xhtml_stays_well_formed(
    good: Good, tmp_path: Path
) -> None:
    book = shutil.copytree(good.book, tmp_path / "book")
    _write(
        book / "chapters" / "03-three.md",
        _chapter(
            """
            Some <b>bold</b> text, a <script>alert("x")</script> and an &amp; entity.

            <div class="box">
            A block of HTML & <unclosed
            </div>

            <!-- a comment -->
            """
        ),
    )
    run = studyguide("build", "--epub", "--no-cover", "--out", tmp_path / "out", root=book)
    assert run.code == 0, run.stderr
    chapter = epub_xhtml(tmp_path / "out" / "small-guide.epub")["chapter-03.xhtml"]
    section = chapter.find(".//x:section", NS)
    assert section is not None
    text = text_of(section)
    assert '<b>bold</b> text, a <script>alert("x")</script> and an & entity.' in text
    assert '<div class="box"> A block of HTML & <unclosed </div>' in text
    assert "<!-- a comment -->" in text
    for tag in ("b", "script", "div", "unclosed"):
        assert not chapter.findall(f".//x:{tag}", NS), tag
    # The text is in the XHTML as escaped characters, where an HTML parser would see tags.
    source = etree.tostring(chapter, encoding="unicode")
    assert "&lt;b&gt;bold&lt;/b&gt;" in source and "&lt;script&gt;" in source


def test_errors_page_shows_the_real_messages(good: Good, tmp_path_factory) -> None:
    """docs/errors.md quotes what the build really prints for each case."""
    for case in CASES:
        if case.name not in PRINTED:  # run alone, with -k
            run, _ = _run_case(case, good, tmp_path_factory.mktemp(case.name))
            PRINTED[case.name] = _error_block(run.stderr, case.where)
    if "paper" not in PRINTED:
        PRINTED["paper"] = _usage_block(studyguide("build", "--paper", "b5").stderr)
    titles = {case.name: case.title for case in CASES} | {"paper": "An unknown paper size"}
    if os.environ.get("STUDYGUIDE_WRITE_ERRORS_DOC"):
        _write_errors_doc(titles)
    page = ERRORS_DOC.read_text(encoding="utf-8")
    for name in titles:
        assert f"```\n{PRINTED[name]}\n```" in page, (
            f"{name}: docs/errors.md is out of date; "
            "refresh it with STUDYGUIDE_WRITE_ERRORS_DOC=1 pytest tests/test_errors.py"
        )


def _write_errors_doc(titles: dict[str, str]) -> None:
    page = ERRORS_DOC.read_text(encoding="utf-8")
    for name, title in titles.items():
        heading = f"### {title}\n"
        assert heading in page, f"docs/errors.md has no section '{title}'"
        start = page.index(heading)
        opening = page.index("```\n", start)
        closing = page.index("```\n", opening + 4)
        page = page[:opening] + f"```\n{PRINTED[name]}\n" + page[closing:]
    ERRORS_DOC.write_text(page, encoding="utf-8")


def test_messages_count_in_english():
    from studyguide.errors import counted

    assert counted(1, "note") == "1 note"
    assert counted(0, "note") == "0 notes"
    assert counted(1, "glossary entry", "glossary entries") == "1 glossary entry"
    assert counted(2, "glossary entry", "glossary entries") == "2 glossary entries"
