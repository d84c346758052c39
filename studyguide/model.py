"""The book as plain, frozen data: what the sources say, and what every edition is made from.

Nothing here reads a file or knows a parser: `studyguide.sources` builds these objects, and
the render stage and the editions only read them. Every class is frozen and every collection
a tuple or a read-only mapping, so no edition can change what another one will render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from studyguide.errors import SourceRef
from studyguide.labels import Labels
from studyguide.pairing import ParallelInfo


class Kind(StrEnum):
    """Where a chapter stands in the book."""

    FRONT = "front"
    ARTICLE = "article"
    BACK = "back"


class Medium(StrEnum):
    """What a rendering is for: a screen (EPUB documents, web pages) or the printed page."""

    EPUB = "epub"
    PRINT = "print"
    WEB = "web"  # as the EPUB, with its documents as the web edition's .html pages


@dataclass(frozen=True, slots=True)
class Node:
    """One piece of parsed Markdown (a markdown-it token, frozen).

    It has the fields and the two read methods that markdown-it's render rules use, so the
    render stage renders it as it would a token, and it cannot be changed while it does.
    """

    type: str
    tag: str
    nesting: int
    attrs: Mapping[str, Any]
    map: tuple[int, int] | None
    level: int
    children: tuple[Node, ...] | None
    content: str
    markup: str
    info: str
    meta: Mapping[str, Any]
    block: bool
    hidden: bool

    def attrGet(self, name: str) -> Any:
        return self.attrs.get(name)

    def attrItems(self) -> list[tuple[str, Any]]:
        return list(self.attrs.items())

    @property
    def line(self) -> int:
        """The 1-based line where the block begins in its file (0: unknown)."""
        return self.map[0] + 1 if self.map else 0


Nodes = tuple[Node, ...]


@dataclass(frozen=True)
class Person:
    name: str  # as shown: "Abraham Lincoln", "LOR-CI"
    sort: str  # as sorted: "Lincoln, Abraham"
    full: str = ""  # a longer form of the name: what an acronym stands for
    article: str = ""  # the article a body's name takes in the book's language: "l’", "la"
    gender: str = ""  # m, f, n, pl: what a joined article may depend on ("vom", "von der")


@dataclass(frozen=True)
class Publication:
    """Where a text was published: the edition the book reproduces."""

    title: str  # "Left Voice"
    publisher: str = ""
    url: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class Rights:
    status: str  # public-domain, licence, permission, all-rights-reserved
    licence: str = ""
    holder: str = ""
    note: str = ""


@dataclass(frozen=True)
class Text:
    """One of the texts a book studies: a statement, a speech, a letter; or a translation
    of one."""

    id: str
    title: str
    kind: str  # a word for what it is, in the book's language ("Statement"), or ""
    date: dt.date | None
    language: str  # the language its chapters are in ("" when it is the book's)
    source: Path  # the text as published, relative to the book: the fidelity check's reference
    translator: str  # its translators, joined ("" when none is named)
    authors: tuple[Person, ...]
    published: Publication | None
    rights: Rights
    original_language: str = ""  # the language it is translated from ("": not a translation)
    translation_of: str = ""  # the id of the book's text it translates
    translators: tuple[str, ...] = ()
    gender: str = ""  # m, f, n: what "Published"/"Translated" agree with (fr "Publiée")
    mark: str = ""  # what its ¶ numbers carry where a book has several texts: "A", "EN"
    line: int = 0  # the line of its [[texts]] table in book.toml
    source_line: int = 0  # the line of its `source` field


@dataclass(frozen=True)
class EditionInfo:
    """This annotated edition's own facts."""

    editors: str
    publisher: str
    date: dt.date | None  # the edition's date; the build's date when it is not given
    year: int = 0  # the edition's year, where no date is given
    licence: str = ""  # of the annotations
    credits: str = ""


# Written right to left: these languages (BCP 47 primary subtags) in their usual script, and
# any language in these scripts (ISO 15924).
RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "nqo", "ps", "sd", "syr", "ug",
     "ur", "yi"}
)  # fmt: skip
RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa"})


@dataclass(frozen=True)
class BookMeta:
    title: str
    subtitle: str
    slug: str
    language: str
    identifier: str
    typeface: str
    subjects: tuple[str, ...]
    edition: EditionInfo
    texts: tuple[Text, ...]
    labels: Mapping[str, Any]  # book.toml's [labels]: overrides of the language's table
    path: Path
    parallel: ParallelInfo = field(default_factory=ParallelInfo)

    def text(self, text_id: str) -> Text:
        return next(t for t in self.texts if t.id == text_id)

    @property
    def direction(self) -> str:
        """ "rtl" for a language written right to left (by its script subtag if it has one:
        "az-Arab", "pa-Arab"), else "ltr"."""
        primary, *rest = self.language.lower().split("-")
        scripts = [part for part in rest if len(part) == 4 and part.isalpha()]
        if scripts:
            return "rtl" if scripts[0] in RTL_SCRIPTS else "ltr"
        return "rtl" if primary in RTL_LANGUAGES else "ltr"

    def language_of(self, text_id: str) -> str:
        """The language a text's chapters are in: its own, or the book's."""
        found = [t.language for t in self.texts if t.id == text_id]
        return (found[0] if found else "") or self.language


@dataclass(frozen=True)
class Note:
    """A background note (a Markdown footnote) of one chapter."""

    label: str
    number: int  # 1, 2, … in order of first reference within the chapter
    nodes: Nodes
    source: SourceRef
    chapter_number: int

    @property
    def id(self) -> str:
        return f"note-{self.chapter_number}-{self.number}"

    @property
    def ref_id(self) -> str:
        return f"noteref-{self.chapter_number}-{self.number}"


@dataclass(frozen=True)
class Question:
    nodes: Nodes
    source: SourceRef


@dataclass(frozen=True)
class TextBlock:
    """A paragraph, heading or signature line of a text, as a reader sees it."""

    text: str
    source: SourceRef
    role: str  # "title", "heading", "paragraph", "signature"
    # (number of words before it, line) for each line the block runs over, from the first
    lines: tuple[tuple[int, int], ...] = ()
    continues: bool = False  # the second part of a paragraph split for discussion (+++)

    @property
    def is_heading(self) -> bool:
        return self.role in ("title", "heading")

    def line_of_word(self, index: int) -> int:
        """The line of the block's word number `index` (0-based)."""
        line = self.source.line
        for first_word, number in self.lines:
            if first_word <= index:
                line = number
        return line


@dataclass(frozen=True)
class TermLink:
    """A link from the text to a glossary entry."""

    slug: str
    id: str
    source: SourceRef
    form: str = ""  # the words linked, where the link was found in the text: "l’Assemblée"


@dataclass(frozen=True)
class Citation:
    """A citation of a source of references.toml: `[@key]` in a note, a chapter or an entry."""

    key: str
    source: SourceRef


@dataclass(frozen=True)
class Reference:
    """A source the annotations cite (references.toml), in the "Sources for the notes"."""

    key: str
    author: str  # as listed: "Klein, Herbert S.", "Reuters", "Kohl, Benjamin; Farthing, Linda"
    title: str
    publisher: str
    date: str  # "2011", "2007-03" or "2007-03-14", as precise as the source; "" if none
    url: str
    note: str
    label: str  # what a citation shows: "Klein 2011", "Reuters 2007a"

    @property
    def id(self) -> str:
        return f"ref-{self.key}"


@dataclass(frozen=True)
class Chapter:
    number: int  # the NN of NN-slug.md
    slug: str
    title: str
    kind: Kind
    path: Path
    body: Nodes
    notes: tuple[Note, ...] = ()
    questions: tuple[Question, ...] = ()
    questions_source: SourceRef | None = None
    text_blocks: tuple[TextBlock, ...] = ()
    term_links: tuple[TermLink, ...] = ()
    part_number: int = 0  # 1…N for a text's chapters, 0 otherwise
    paragraphs: tuple[int, ...] = ()  # the numbers of its text's paragraphs in it
    text: str = ""  # the id of the text an article chapter holds
    citations: tuple[Citation, ...] = ()
    short_title: str = ""  # the running head's words, where the title is too long for it

    @property
    def id(self) -> str:
        return f"ch-{self.number}"

    @property
    def file_name(self) -> str:
        """The chapter's file inside the EPUB."""
        return f"chapter-{self.number:02d}.xhtml"


@dataclass(frozen=True)
class Term:
    """A glossary entry."""

    slug: str
    term: str
    aliases: tuple[str, ...]
    definition: Nodes
    path: Path
    sort: str = ""  # how it sorts, where not by `term`: "Morales, Evo"
    citations: tuple[Citation, ...] = ()

    @property
    def id(self) -> str:
        return f"term-{self.slug}"

    @property
    def headword(self) -> str:
        """What the glossary lists it as: a person whose `sort` puts the surname first
        ("Dalence, Guillermo" for Guillermo Dalence) under that form, as it is filed."""
        surname, comma, given = self.sort.partition(",")
        inverted = comma and sorted(f"{given} {surname}".split()) == sorted(self.term.split())
        return self.sort if inverted else self.term


@dataclass(frozen=True)
class Image:
    """An image file of the book's images/ folder, read and checked (sources/images.py)."""

    path: str  # as the sources name it, from the book's folder: "images/map.svg"
    media_type: str  # image/svg+xml, image/png, image/jpeg
    data: bytes
    width: float  # its own size, in CSS pixels (an SVG's from its width or viewBox)
    height: float

    @property
    def vector(self) -> bool:
        return self.media_type == "image/svg+xml"


@dataclass(frozen=True)
class Figure:
    """A picture with its number, caption and credit: an image standing alone in a
    paragraph of a chapter or a glossary entry (`![Alt](images/x.svg "Caption")`)."""

    key: str  # its own id (`{#map}`), or where it stands: "2-1" (chapter 2's first)
    number: int  # 1, 2, … through the book; 0 for a decorative image (no caption)
    image: str  # Image.path
    alt: str  # the text alternative ("" only for a decorative image)
    caption: str
    credit: str  # its source and licence, as the book gives them
    source: SourceRef

    @property
    def id(self) -> str:
        return f"fig-{self.key}"

    @property
    def decorative(self) -> bool:
        return self.number == 0


@dataclass(frozen=True)
class Book:
    meta: BookMeta
    root: Path
    chapters: tuple[Chapter, ...]
    glossary: tuple[Term, ...]  # sorted for display
    references: tuple[Reference, ...]  # the sources cited, sorted for display
    labels: Labels  # the words the editions add, in the book's language: made once, here
    figures: tuple[Figure, ...] = ()  # in reading order: chapters, then the glossary
    images: Mapping[str, Image] = field(default_factory=dict)  # Image.path → the image

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    @property
    def numbered_figures(self) -> list[Figure]:
        return [figure for figure in self.figures if not figure.decorative]

    @property
    def article_chapters(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind is Kind.ARTICLE]

    def links_to(self, term: Term) -> list[TermLink]:
        return [link for c in self.chapters for link in c.term_links if link.slug == term.slug]

    @property
    def several_texts(self) -> bool:
        return len(self.meta.texts) > 1

    def paragraph_id(self, text: str, number: int) -> str:
        """The id of a text's paragraph: `p-12`, or `p-second-inaugural-12` where a book has
        several texts (their paragraphs are numbered each from 1)."""
        return f"p-{text}-{number}" if self.several_texts else f"p-{number}"

    def paragraph_files(self) -> dict[tuple[str, int], str]:
        """Which EPUB file holds each numbered paragraph of each text."""
        return {(c.text, number): c.file_name for c in self.chapters for number in c.paragraphs}
