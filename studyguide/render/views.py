"""The model rendered for one medium: each chapter's and glossary entry's XHTML fragments,
ready for the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from studyguide.labels import Labels, Name, Names, primary
from studyguide.model import Book, Chapter, Kind, Medium, Term, TermLink, Text
from studyguide.render.blocks import Block, render_blocks
from studyguide.render.html import ACRONYM, FigureView, Fragment, Targets, render
from studyguide.render.markup import macros
from studyguide.render.typeset import Typesetter


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
    semantics: str = "chapter"  # its epub:type, and its ARIA role with "doc-" before it
    language: str = ""  # the language of its text, where it is not the book's
    blocks: tuple[Block, ...] = ()  # body_html, block by block

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chapter, name)


@dataclass(frozen=True)
class Backlink:
    """A way back from a glossary entry to a place that links to it (the EPUB's)."""

    href: str
    text: str  # "¶ 12", or the chapter's title where the paragraph has no number
    label: str  # what a screen reader says: "Paragraph 12"


@dataclass(frozen=True)
class TermView:
    term: Term
    html: Markup
    links: list[TermLink]
    backlinks: list[Backlink] = field(default_factory=list)


@dataclass(frozen=True)
class BookView:
    """The book as the templates see it: the model, its fragments, and its words."""

    book: Book
    chapters_html: list[ChapterView]
    glossary_html: list[TermView] = field(default_factory=list)
    edition_date: dt.date | None = None  # the edition's date, or the build's
    figures_shown: list[FigureView] = field(default_factory=list)  # numbered, in order

    @property
    def list_of_figures(self) -> list[FigureView]:
        """The figures the front matter lists: a book's three or more, none below that."""
        shown = self.figures_shown
        return shown if len(shown) >= MIN_LISTED_FIGURES else []

    @property
    def labels(self) -> Labels:
        return self.book.labels

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)

    @property
    def edition_year(self) -> int:
        meta = self.book.meta.edition
        if meta.date:
            return meta.date.year
        return meta.year or (self.edition_date.year if self.edition_date else 0)

    def authors(self, text: Text) -> Names:
        """The text's authors, as a label places them ("de l’Assemblée nationale"); as
        plain text, "LOR-CI (Liga Obrera …)", "Kohl and Farthing"."""
        return self.labels.names(
            [
                Name(f"{p.name} ({p.full})" if p.full else p.name, p.article, p.gender)
                for p in text.authors
            ]
        )

    def translators(self, text: Text) -> Names:
        return self.labels.names([Name(name) for name in text.translators])

    def author_names(self) -> str:
        """The texts' authors by name only ("LOR-CI"), as the EPUB's creators are: what a
        document's metadata gives as its author."""
        people = {p.name: p for text in self.book.meta.texts for p in text.authors}
        return ", ".join(people)

    def holds(self, text: Text) -> bool:
        """Whether chapters hold the text (and so were checked against it word for word)."""
        return any(chapter.text == text.id for chapter in self.book.article_chapters)

    def omits(self, text: Text) -> bool:
        """Whether the text's chapters leave a part of it out ("[…]")."""
        return any(
            block.role == "omission"
            for chapter in self.book.article_chapters
            if chapter.text == text.id
            for block in chapter.text_blocks
        )

    def translated(self, text: Text) -> bool:
        """Whether the text is a translation (into its own language, or the book's)."""
        return bool(text.original_language)

    def language(self, text: Text) -> str:
        """The language of the text's chapters, where it is not the book's ("" if it is)."""
        language = text.language
        return language if language and primary(language) != primary(self.meta.language) else ""

    def translation_line(self, text: Text) -> str:
        """ "Translated from French by …", agreeing with the text ("Traduite de …")."""
        language = self.labels.language_name(text.original_language)
        if text.translators:
            return self.labels.format(
                "translated_by", text.gender, language=language, translator=self.translators(text)
            )
        return self.labels.format("translator_unknown", text.gender, language=language)

    def rights_line(self, text: Text) -> str:
        rights, labels = text.rights, self.labels
        holder = rights.holder or str(self.authors(text))
        if text.date and rights.status in ("permission", "all-rights-reserved"):
            holder = f"{text.date.year} {holder}"
        return {
            "public-domain": labels["rights_public_domain"],
            "licence": labels.format("rights_licence", licence=rights.licence),
            "permission": labels.format("rights_permission", holder=holder),
            "all-rights-reserved": labels.format("rights_reserved", holder=holder),
        }[rights.status]

    def source_date(self, date: str) -> str:
        """A source's date as precise as it is given: "2007", "March 2007", "14 March 2007"."""
        parts = [int(part) for part in date.split("-")] if date else []
        if len(parts) == 3:
            return self.labels.date(dt.date(*parts))
        if len(parts) == 2:
            return self.labels.month_year(parts[0], parts[1])
        return str(parts[0]) if parts else self.labels["no_date"]

    def annotations_line(self) -> str:
        edition = self.book.meta.edition
        if edition.licence:
            return self.labels.format(
                "annotations_licence",
                year=self.edition_year,
                editors=edition.editors,
                licence=edition.licence,
            )
        return self.labels.format(
            "annotations_rights", year=self.edition_year, editors=edition.editors
        )


SOURCES_FILE = "sources.xhtml"  # the EPUB's "Sources for the notes"
MIN_LISTED_FIGURES = 3  # a list of figures in the front matter from this many on
FIGURES_DIR = "figures"  # where the EPUB and the web edition keep the book's images


def image_name(path: str, medium: Medium) -> str:
    """An image as an edition names it: the print layout reads it from the book's folder
    (images/map.svg); the EPUB and the web edition carry it as figures/map.svg (images/
    of the EPUB holds its cover)."""
    if medium is Medium.PRINT:
        return path
    return f"{FIGURES_DIR}/{path.split('/', 1)[1]}"


def listed_figures(book: Book, medium: Medium) -> list[FigureView]:
    """The figures a list of figures shows: the numbered ones, where there are three or more."""
    shown = [view for view in figure_views(book, medium).values() if not view.figure.decorative]
    return shown if len(shown) >= MIN_LISTED_FIGURES else []


def figure_views(book: Book, medium: Medium) -> dict[str, FigureView]:
    """Each figure as `medium` shows it: its image's name, where a link to it goes, its
    number's words ("Figure 1")."""
    files = {chapter.path: chapter.file_name for chapter in book.chapters}
    views = {}
    for figure in book.figures:
        image = book.images[figure.image]
        document = files.get(figure.source.path, "glossary.xhtml")
        where = "" if medium is Medium.PRINT else document_name(document, medium)
        views[figure.key] = FigureView(
            figure,
            image_name(figure.image, medium),
            f"{where}#{figure.id}",
            book.labels.format("figure", number=figure.number),
            round(image.width),
            round(image.height),
            image.vector,
        )
    return views


def targets(book: Book, medium: Medium) -> Targets:
    """Where links go: inside one document in print, across the documents (EPUB) or pages
    (web) on a screen."""
    labels = {reference.key: reference.label for reference in book.references}
    if medium is Medium.PRINT:
        names = [name for term in book.glossary for name in (term.term, *term.aliases)]
        return Targets(
            medium,
            lambda slug: f"#term-{slug}",
            lambda text, n: f"#{book.paragraph_id(text, n)}",
            book.paragraph_id,
            lambda key: (f"#ref-{key}", labels[key]),
            macros(book.root),
            Typesetter.for_book(book.meta.language, names),
            marks=marks(book),
            labels=book.labels,
            figures=figure_views(book, medium),
        )
    where = {place: document_name(name, medium) for place, name in book.paragraph_files().items()}
    glossary = document_name("glossary.xhtml", medium)
    sources = document_name(SOURCES_FILE, medium)
    return Targets(
        medium,
        lambda slug: f"{glossary}#term-{slug}",
        lambda text, n: f"{where.get((text, n), '')}#{book.paragraph_id(text, n)}",
        book.paragraph_id,
        lambda key: (f"{sources}#ref-{key}", labels[key]),
        macros(book.root),
        abbreviations=abbreviations(book),
        marks=marks(book),
        labels=book.labels,
        figures=figure_views(book, medium),
    )


def marks(book: Book) -> dict[str, str]:
    """What each text's ¶ numbers carry where the book has several texts ("A12", "B12")."""
    return {text.id: text.mark for text in book.meta.texts if text.mark}


def abbreviations(book: Book) -> dict[str, str]:
    """The glossary's acronyms ("COB") and what they stand for: the first alias of several
    words ("Central Obrera Boliviana")."""
    found = {}
    for term in book.glossary:
        if ACRONYM.fullmatch(term.term):
            spelled = [alias for alias in term.aliases if " " in alias]
            if spelled:
                found[term.term] = spelled[0]
    return found


def document_name(name: str, medium: Medium) -> str:
    """An EPUB document's name (`chapter-04.xhtml`) as `medium` names it: the web edition's
    pages are `chapter-04.html`."""
    return name.removesuffix(".xhtml") + ".html" if medium is Medium.WEB else name


def render_chapter(
    chapter: Chapter,
    links: Targets,
    first_text: str,
    placed: dict[str, int] | None = None,
    language: str = "",
) -> ChapterView:
    """The chapter's fragments; `language`, that of its text where it is not the book's."""
    notes = {note.label: note for note in chapter.notes}
    text = chapter.text or first_text  # where its `#p-N` links point
    notes_html: list[NoteView] = []
    note_html: dict[str, str] = {}
    for note in chapter.notes:
        if links.medium is Medium.PRINT:
            note_html[note.label] = render(
                note.nodes, Fragment(links, text, paragraphs_inline=True)
            )
        else:
            back = str(links.macros.backlink(note))
            html = render(note.nodes, Fragment(links, text, lead_html=back))
            notes_html.append(NoteView(note.id, html))
    body_fragment = Fragment(
        links, text, notes, note_html, block_ids=f"c{chapter.number}-", placed=placed
    )
    if language and links.typesetter is not None:
        body_fragment.typesetter = replace(links.typesetter, language=language)
        body_fragment.note_language = links.typesetter.language
    blocks = render_blocks(chapter.body, body_fragment, notes)
    body = Markup("".join(block.html for block in blocks))
    # A question may call a note: in print the note is set where it is called, so the
    # questions need the notes' HTML as the body does.
    questions = [
        render(q.nodes, Fragment(links, text, notes, note_html, paragraphs_inline=True))
        for q in chapter.questions
    ]
    return ChapterView(chapter, body, notes_html, questions, language=language, blocks=blocks)


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


def render_book(book: Book, medium: Medium, built: dt.date | None = None) -> BookView:
    """The book rendered for `medium`; `built`, the build's date, dates an edition whose
    book.toml gives none."""
    links = targets(book, medium)
    first = book.meta.texts[0].id if book.meta.texts else ""
    labels = book.labels
    placed: dict[str, int] = {}

    def language(chapter: Chapter) -> str:
        found = book.meta.language_of(chapter.text) if chapter.kind is Kind.ARTICLE else ""
        return found if found and primary(found) != primary(book.meta.language) else ""

    chapters = [
        replace(render_chapter(chapter, links, first, placed, language(chapter)), semantics=kind)
        for chapter, kind in zip(book.chapters, chapter_semantics(book), strict=True)
    ]
    glossary = []
    for term in book.glossary:
        firsts = first_link_per_chapter(book, term)
        back = backlinks(book, firsts, placed, labels) if medium is Medium.EPUB else []
        html = render(term.definition, Fragment(links, first))
        glossary.append(TermView(term, html, firsts, back))
    shown = [view for view in links.figures.values() if not view.figure.decorative]
    return BookView(book, chapters, glossary, book.meta.edition.date or built, shown)


def chapter_semantics(book: Book) -> list[str]:
    """What each chapter is, as EPUB's structural semantics name it: the first front chapter
    is the introduction and the other front ones appendices (the chronology); a back chapter
    is the bibliography if it is the further reading (by its title, or a bibliography block
    in it), else an appendix; the text's own are chapters."""
    further_reading = book.labels["further_reading"].casefold()
    out = []
    front = 0
    for chapter in book.chapters:
        if chapter.kind is Kind.ARTICLE:
            out.append("chapter")
        elif chapter.kind is Kind.FRONT:
            front += 1
            out.append("introduction" if front == 1 else "appendix")
        elif chapter.title.casefold() == further_reading or any(
            node.type == "container_bibliography_open" for node in chapter.body
        ):
            out.append("bibliography")
        else:
            out.append("appendix")
    return out


def backlinks(
    book: Book, links: list[TermLink], placed: dict[str, int], labels: Labels
) -> list[Backlink]:
    """Where a glossary entry is linked from, as links back: the numbered paragraph; the
    part, for a link in its notes or questions; or the chapter, outside the text."""
    chapters = {chapter.path: chapter for chapter in book.chapters}
    out = []
    for link in links:
        chapter = chapters.get(link.source.path)
        if chapter is None:
            continue
        number = placed.get(link.id, 0)
        href = f"{chapter.file_name}#{link.id}"
        if number:
            shown = f"{book.meta.text(chapter.text).mark if chapter.text else ''}{number}"
            text = labels.format("paragraph_number", number=shown)
            out.append(Backlink(href, text, labels.format("paragraph_label", number=shown)))
        elif chapter.part_number:  # in a note or a question of a part: "Part 3"
            text = labels.format("part", number=chapter.part_number)
            out.append(Backlink(href, text, text))
        else:
            out.append(Backlink(href, chapter.title, chapter.title))
    return out
