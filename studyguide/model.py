"""The book as plain, frozen data: what the sources say, and what every edition is made from.

Nothing here reads a file or knows a parser: `studyguide.sources` builds these objects, and
the render stage and the editions only read them. Every class is frozen and every collection
a tuple or a read-only mapping, so no edition can change what another one will render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from studyguide.errors import SourceRef


class Kind(StrEnum):
    """Where a chapter stands in the book."""

    FRONT = "front"
    ARTICLE = "article"
    BACK = "back"


class Medium(StrEnum):
    """What a rendering is for: a screen (EPUB documents) or the printed page."""

    EPUB = "epub"
    PRINT = "print"


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
class Original:
    """The article as first published."""

    author: str
    author_full: str
    author_english: str
    date: dt.date
    publication: str
    published: dt.date


@dataclass(frozen=True)
class Credits:
    """This annotated edition's own credits."""

    editors: str
    credits: str
    year: int


@dataclass(frozen=True)
class BookMeta:
    title: str
    subtitle: str
    slug: str
    language: str
    identifier: str
    original: Original
    edition: Credits
    path: Path


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
    """A paragraph, heading or signature line of the article, as a reader sees it."""

    text: str
    source: SourceRef
    role: str  # "title", "paragraph", "signature"


@dataclass(frozen=True)
class TermLink:
    """A link from the text to a glossary entry."""

    slug: str
    id: str
    source: SourceRef


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
    part_number: int = 0  # 1…N for article chapters, 0 otherwise
    paragraphs: tuple[int, ...] = ()  # the numbers of the article's paragraphs in it

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

    @property
    def id(self) -> str:
        return f"term-{self.slug}"


@dataclass(frozen=True)
class Book:
    meta: BookMeta
    root: Path
    chapters: tuple[Chapter, ...]
    glossary: tuple[Term, ...]  # sorted for display

    @property
    def article_chapters(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind is Kind.ARTICLE]

    def links_to(self, term: Term) -> list[TermLink]:
        return [link for c in self.chapters for link in c.term_links if link.slug == term.slug]

    def paragraph_files(self) -> dict[int, str]:
        """Which EPUB file holds each numbered paragraph of the article."""
        return {number: c.file_name for c in self.chapters for number in c.paragraphs}
