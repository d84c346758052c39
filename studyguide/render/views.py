"""The model rendered for one medium: each chapter's and glossary entry's XHTML fragments,
ready for the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from studyguide.model import Book, Chapter, Medium, Term, TermLink
from studyguide.render.html import Fragment, Targets, render
from studyguide.render.markup import macros


@dataclass(frozen=True)
class NoteView:
    id: str
    html: Markup


@dataclass(frozen=True)
class ChapterView:
    """A chapter as the templates see it: the model plus its rendered fragments."""

    chapter: Chapter
    body_html: Markup
    notes_html: list[NoteView]
    questions_html: list[Markup]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chapter, name)


@dataclass(frozen=True)
class TermView:
    term: Term
    html: Markup
    links: list[TermLink]


@dataclass(frozen=True)
class BookView:
    book: Book
    chapters_html: list[ChapterView]
    glossary_html: list[TermView] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)


def targets(book: Book, medium: Medium) -> Targets:
    """Where links go: inside one document in print, across the EPUB's files on a screen."""
    if medium is Medium.PRINT:
        return Targets(medium, lambda slug: f"#term-{slug}", lambda n: f"#p-{n}")
    where = book.paragraph_files()
    return Targets(
        medium,
        lambda slug: f"glossary.xhtml#term-{slug}",
        lambda n: f"{where.get(n, '')}#p-{n}",
    )


def render_chapter(chapter: Chapter, links: Targets) -> ChapterView:
    notes = {note.label: note for note in chapter.notes}
    notes_html: list[NoteView] = []
    note_html: dict[str, str] = {}
    for note in chapter.notes:
        if links.medium is Medium.PRINT:
            note_html[note.label] = render(note.nodes, Fragment(links, paragraphs_inline=True))
        else:
            back = str(macros().backlink(note))
            html = render(note.nodes, Fragment(links, lead_html=back))
            notes_html.append(NoteView(note.id, html))
    body = render(
        chapter.body,
        Fragment(links, notes=notes, note_html=note_html, block_ids=f"c{chapter.number}-"),
    )
    # A question may call a note: in print the note is set where it is called, so the
    # questions need the notes' HTML as the body does.
    questions = [
        render(q.nodes, Fragment(links, notes=notes, note_html=note_html, paragraphs_inline=True))
        for q in chapter.questions
    ]
    return ChapterView(chapter, body, notes_html, questions)


def first_link_per_chapter(book: Book, term: Term) -> list[TermLink]:
    """The links a glossary entry lists its pages for: one a chapter, as chapters start on a
    page of their own. (A chapter can link a term twice: once by hand, once found.)"""
    seen: set[Path] = set()
    links = []
    for link in book.links_to(term):
        if link.source.path not in seen:
            seen.add(link.source.path)
            links.append(link)
    return links


def render_book(book: Book, medium: Medium) -> BookView:
    links = targets(book, medium)
    glossary = [
        TermView(term, render(term.definition, Fragment(links)), first_link_per_chapter(book, term))
        for term in book.glossary
    ]
    chapters = [render_chapter(chapter, links) for chapter in book.chapters]
    return BookView(book, chapters, glossary)
