"""A text beside its translation, rendered: the blocks of the two texts' chapters grouped into
units by the paragraphs that face each other (sources/alignment.py), for the parallel
edition's facing print pages, its EPUB and its web pages.

A unit holds one side of each text: the original's paragraphs of one `Facing` and the
translation's, each with the headings and other blocks that come before them, and the head
of a chapter of either text that begins there; after the last unit of a chapter come its
discussion questions, in a unit of their own. The units follow the original's chapters: each
is a `ParallelChapter`, which a screen shows as one document and print begins on a new pair of
facing pages, as it does wherever a chapter of the translation begins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from lxml import etree
from markupsafe import Markup

from studyguide.labels import base_table, package_languages, primary
from studyguide.model import Book, Kind, Medium
from studyguide.render.blocks import Block, called
from studyguide.render.documents import EpubDocument, PageEntry
from studyguide.render.markup import render_template
from studyguide.render.views import BookView, ChapterView, document_name, render_book
from studyguide.sources.alignment import TextPair, text_pair

XHTML = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True)
class Piece:
    """A block of a side, or the head of a chapter that begins there."""

    block: Block | None = None
    head: ChapterView | None = None


@dataclass(frozen=True)
class Side:
    """What one text gives a unit: its blocks with the heads of the chapters that begin
    among them, and the chapters whose questions it holds."""

    pieces: tuple[Piece, ...] = ()
    questions: tuple[ChapterView, ...] = ()
    numbers: tuple[int, ...] = ()  # its paragraphs' numbers

    @property
    def heads(self) -> tuple[ChapterView, ...]:
        return tuple(piece.head for piece in self.pieces if piece.head is not None)

    @property
    def notes(self) -> tuple[str, ...]:
        """The ids of the notes it calls, in order."""
        found = [note for piece in self.pieces if piece.block for note in piece.block.notes]
        for chapter in self.questions:
            labels = {note.label: note for note in chapter.chapter.notes}
            found += [n for q in chapter.chapter.questions for n in called(q.nodes, labels)]
        return tuple(found)


@dataclass(frozen=True)
class Unit:
    """Paragraphs of the original and those of the translation that face them (kind
    "text"), or the discussion questions of chapters that end there (kind "questions")."""

    original: Side
    translation: Side
    kind: str = "text"

    @property
    def opens(self) -> bool:
        """A chapter of either text begins in it: print begins a new pair of pages."""
        return bool(self.original.heads or self.translation.heads)


@dataclass(frozen=True)
class ParallelChapter:
    """A chapter of the original, and its units."""

    chapter: ChapterView
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class ParallelBook:
    """The book as the parallel edition sets it out: the guide's own chapters as they are,
    and the original's chapters with the translation beside them."""

    view: BookView
    pair: TextPair
    chapters: tuple[ParallelChapter, ...]
    front: tuple[ChapterView, ...]
    back: tuple[ChapterView, ...]

    @property
    def languages(self) -> tuple[str, str]:
        """The languages of the original and of the translation."""
        meta = self.view.book.meta
        return meta.language_of(self.pair.original.id), meta.language_of(self.pair.translation.id)

    @property
    def language_names(self) -> tuple[str, str]:
        """Each text's language named in itself ("Français", "English"), as a switch
        between them names them; in the book's language where the package has no words
        of that language."""
        return tuple(self._own_name(language) for language in self.languages)  # type: ignore[return-value]

    def _own_name(self, language: str) -> str:
        code = primary(language)
        table = base_table(code) if code in package_languages() else self.view.labels.table
        name = table.languages.get(code)
        text = name.text if name else language
        return text[:1].upper() + text[1:]


def parallel_book(book: Book, medium: Medium, built: dt.date | None = None) -> ParallelBook:
    """The book rendered for `medium` and set out for the parallel edition."""
    view = render_book(book, medium, built)
    pair = text_pair(book)
    original = _TextBlocks(view, pair.original.id)
    translation = _TextBlocks(view, pair.translation.id)
    chapters: list[ParallelChapter] = []
    for facing in pair.facing:
        chapter = original.chapter_of(facing.original[0])
        if not chapters or chapters[-1].chapter is not chapter:
            chapters.append(ParallelChapter(chapter, ()))
        units = [Unit(original.side(facing.original), translation.side(facing.translation))]
        ends = original.ending(facing.original), translation.ending(facing.translation)
        if any(ends):
            units.append(Unit(Side(questions=ends[0]), Side(questions=ends[1]), "questions"))
        chapters[-1] = replace(chapters[-1], units=(*chapters[-1].units, *units))
    # The book's other chapters where they are: before the two texts' first, or after it.
    texts = {pair.original.id, pair.translation.id}
    paired = [c.kind is Kind.ARTICLE and c.text in texts for c in view.chapters_html]
    first = paired.index(True)
    others = [(i, c) for i, c in enumerate(view.chapters_html) if not paired[i]]
    front = tuple(c for i, c in others if i < first)
    back = tuple(c for i, c in others if i > first)
    return ParallelBook(view, pair, tuple(chapters), front, back)


class _TextBlocks:
    """A text's rendered blocks, by the paragraph they go with: each numbered paragraph with
    the blocks before it since the one before (a heading); the last of a chapter with those
    after it too (the signature)."""

    def __init__(self, view: BookView, text: str) -> None:
        self.blocks: dict[int, list[Block]] = {}
        self.where: dict[int, ChapterView] = {}
        for chapter in view.chapters_html:
            if chapter.kind is not Kind.ARTICLE or chapter.text != text:
                continue
            waiting: list[Block] = []
            last = 0
            for block in chapter.blocks:
                waiting.append(block)
                if block.number:
                    self.blocks[block.number], self.where[block.number] = waiting, chapter
                    waiting, last = [], block.number
            if waiting and last:
                self.blocks[last] += waiting

    def chapter_of(self, number: int) -> ChapterView:
        return self.where[number]

    def side(self, numbers: tuple[int, ...]) -> Side:
        pieces: list[Piece] = []
        for number in numbers:
            chapter = self.where[number]
            if chapter.paragraphs[:1] == (number,):  # its chapter begins with it
                pieces.append(Piece(head=chapter))
            pieces += [Piece(block=block) for block in self.blocks[number]]
        return Side(tuple(pieces), numbers=numbers)

    def ending(self, numbers: tuple[int, ...]) -> tuple[ChapterView, ...]:
        """The chapters with questions whose last paragraph is among `numbers`."""
        return tuple(
            self.where[n]
            for n in numbers
            if self.where[n].paragraphs[-1:] == (n,) and self.where[n].questions_html
        )


@dataclass(frozen=True)
class ScreenBook:
    """The parallel book as a screen shows it (the EPUB's documents, the web's pages)."""

    view: BookView  # each chapter of the original holding its units and the notes they call
    book: Book  # the book with the chapters shown, for the navigation
    homes: dict[str, str]  # each id of the translation's chapters → the document it is in
    gone: frozenset[str]  # the documents of the translation's chapters, which are not shown

    def relink(self, documents: Sequence[EpubDocument], medium: Medium) -> list[EpubDocument]:
        """The documents with each link to a place in the translation's chapters leading to
        the document of the original's that shows it."""
        return [self._relinked(document, medium) for document in documents]

    def rehome(self, pages: Sequence[PageEntry], medium: Medium) -> list[PageEntry]:
        """The page list, each page that begins in the translation's chapters where it is."""
        return [PageEntry(page.label, self._href(page.href, medium)) for page in pages]

    def _href(self, href: str, medium: Medium) -> str:
        document, hash_, place = href.partition("#")
        gone = {document_name(name, medium) for name in self.gone}
        if not hash_ or document not in gone or place not in self.homes:
            return href
        return f"{document_name(self.homes[place], medium)}#{place}"

    def _relinked(self, document: EpubDocument, medium: Medium) -> EpubDocument:
        tree = etree.fromstring(document.xhtml.encode("utf-8"))
        changed = False
        for link in tree.iter(f"{{{XHTML}}}a"):
            href = link.get("href") or ""
            if self._href(href, medium) != href:
                link.set("href", self._href(href, medium))
                changed = True
        if not changed:
            return document
        xhtml = etree.tostring(
            tree, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>"
        ).decode("utf-8")
        return replace(document, xhtml=xhtml)


def screen_book(book: ParallelBook, edition: str) -> ScreenBook:
    """The parallel book as a screen shows it: each chapter of the original holding its
    units and the notes they call, the translation's chapters in them."""
    notes = {note.id: note for c in book.view.chapters_html for note in c.notes_html}
    chapters = [*book.front]
    homes: dict[str, str] = {}
    for chapter in book.chapters:
        body = render_template(
            book.view.book.root,
            "parallel_units.html.j2",
            book=book.view,
            parallel=book,
            chapter=chapter,
            edition=edition,
        )
        calls = [n for side in _sides(chapter) for n in side.notes]
        shown = replace(
            chapter.chapter,
            body_html=Markup(body),
            questions_html=[],
            notes_html=[notes[n] for n in dict.fromkeys(calls) if n in notes],
        )
        chapters.append(shown)
        homes.update(dict.fromkeys(_ids(shown), chapter.chapter.file_name))
    chapters += book.back
    view = replace(book.view, chapters_html=chapters)
    kept = {c.chapter.path for c in chapters}
    model = book.view.book
    gone = frozenset(c.file_name for c in model.chapters if c.path not in kept)
    model = replace(model, chapters=tuple(c for c in model.chapters if c.path in kept))
    return ScreenBook(view, model, homes, gone)


def _ids(chapter: ChapterView) -> list[str]:
    """The ids in a chapter's body and notes."""
    html = f"<div>{chapter.body_html}{''.join(note.html for note in chapter.notes_html)}</div>"
    root = etree.fromstring(html, etree.HTMLParser())
    return [element.get("id") for element in root.iter() if element.get("id")]


def _sides(chapter: ParallelChapter) -> list[Side]:
    """The chapter's sides, the original's first: its notes are numbered from 1 in each
    chapter of each text, and a screen lists them so."""
    return [unit.original for unit in chapter.units] + [unit.translation for unit in chapter.units]


def side_html(book: ParallelBook, unit: Unit, which: str, answer_lines: int) -> str:
    """One text's side of a unit in print HTML."""
    return render_template(
        book.view.book.root,
        "parallel_side.html.j2",
        book=book.view,
        parallel=book,
        unit=unit,
        which=which,
        answer_lines=answer_lines,
    )


def render_parallel_print(
    book: ParallelBook,
    spreads: Sequence[Sequence[object]],
    paper: str,
    answer_lines: int,
    css: str,
    date: str = "",
    whole: bool = True,
) -> str:
    """The parallel edition's print HTML: the print edition's with the original's chapters
    on facing pages, `spreads[i]` the pairs of pages of chapter i (layout/facing.py's
    Spread); `whole` False: those chapters alone, for measuring."""
    return render_template(
        book.view.book.root,
        "parallel_book.html.j2",
        book=book.view,
        parallel=book,
        spreads=spreads,
        paper=paper,
        answer_lines=answer_lines,
        css=css,
        date=date,
        glossary_pages=False,
        part=None,
        whole=whole,
    )
