"""The document model: plain data for the book, its chapters, notes, questions and terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from markdown_it.token import Token

from studyguide.config import BookMeta
from studyguide.errors import SourceRef


class Kind(StrEnum):
    """Where a chapter stands in the book."""

    FRONT = "front"
    ARTICLE = "article"
    BACK = "back"


class Edition(StrEnum):
    EPUB = "epub"
    PRINT = "print"


@dataclass
class Note:
    """A background note (a Markdown footnote) of one chapter."""

    label: str
    number: int  # 1, 2, … in order of first reference within the chapter
    tokens: list[Token]
    source: SourceRef
    chapter_number: int

    @property
    def id(self) -> str:
        return f"note-{self.chapter_number}-{self.number}"

    @property
    def ref_id(self) -> str:
        return f"noteref-{self.chapter_number}-{self.number}"


@dataclass
class Question:
    tokens: list[Token]
    source: SourceRef


@dataclass
class TextBlock:
    """A paragraph, heading or signature line of the article, as a reader sees it."""

    text: str
    source: SourceRef
    role: str  # "title", "paragraph", "signature"


@dataclass
class TermLink:
    """A link from the text to a glossary entry."""

    slug: str
    id: str
    source: SourceRef


@dataclass
class Chapter:
    number: int  # the NN of NN-slug.md
    slug: str
    title: str
    kind: Kind
    path: Path
    body: list[Token]
    notes: list[Note] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    questions_source: SourceRef | None = None
    text_blocks: list[TextBlock] = field(default_factory=list)
    term_links: list[TermLink] = field(default_factory=list)
    part_number: int = 0  # 1…N for article chapters, 0 otherwise
    next_paragraph: int = 0  # the paragraph number after this chapter's last

    @property
    def id(self) -> str:
        return f"ch-{self.number}"

    @property
    def file_name(self) -> str:
        """The chapter's file inside the EPUB."""
        return f"chapter-{self.number:02d}.xhtml"


@dataclass
class Term:
    """A glossary entry."""

    slug: str
    term: str
    aliases: list[str]
    definition: list[Token]
    path: Path

    @property
    def id(self) -> str:
        return f"term-{self.slug}"


@dataclass
class Book:
    meta: BookMeta
    root: Path
    chapters: list[Chapter]
    glossary: list[Term]  # sorted for display

    @property
    def article_chapters(self) -> list[Chapter]:
        return [c for c in self.chapters if c.kind is Kind.ARTICLE]

    def links_to(self, term: Term) -> list[TermLink]:
        return [link for c in self.chapters for link in c.term_links if link.slug == term.slug]
