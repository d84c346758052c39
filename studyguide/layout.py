"""The shared layout: the model rendered through one set of Jinja2 templates, per edition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup

from studyguide.markdown import RenderContext, render
from studyguide.model import Book, Chapter, Edition, Kind, Term, TermLink


@dataclass
class NoteView:
    id: str
    html: Markup


@dataclass
class ChapterView:
    """A chapter as the templates see it: the model plus its rendered fragments."""

    chapter: Chapter
    body_html: Markup
    notes_html: list[NoteView]
    questions_html: list[Markup]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chapter, name)


@dataclass
class TermView:
    term: Term
    html: Markup
    links: list[TermLink]


@dataclass
class BookView:
    book: Book
    chapters_html: list[ChapterView]
    glossary_html: list[TermView] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)


def _longdate(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


@cache
def _css_string(value: str) -> Markup:
    """A CSS string literal, safe inside a <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&' or not char.isprintable() else char
        for char in value
    )
    return Markup(f'"{escaped}"')


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("studyguide", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["longdate"] = _longdate
    env.filters["css_string"] = _css_string
    return env


def paragraph_files(book: Book) -> dict[int, str]:
    """Which EPUB file holds each numbered paragraph of the article."""
    files: dict[int, str] = {}
    for chapter in book.chapters:
        for token in chapter.body:
            if "pnum" in token.meta:
                files[token.meta["pnum"]] = chapter.file_name
    return files


def _context(book: Book, edition: Edition) -> RenderContext:
    if edition is Edition.PRINT:
        return RenderContext(edition, lambda slug: f"#term-{slug}", lambda n: f"#p-{n}")
    where = paragraph_files(book)
    return RenderContext(
        edition,
        lambda slug: f"glossary.xhtml#term-{slug}",
        lambda n: f"{where.get(n, '')}#p-{n}",
    )


def _fragment(md: MarkdownIt, tokens: list, ctx: RenderContext, **changes: Any) -> Markup:
    for name, value in changes.items():
        setattr(ctx, name, value)
    try:
        return Markup(render(md, tokens, ctx))
    finally:
        ctx.paragraphs_inline = False
        ctx.lead_html = ""
        ctx.block_ids = False


def render_chapter(md: MarkdownIt, book: Book, chapter: Chapter, edition: Edition) -> ChapterView:
    ctx = _context(book, edition)
    ctx.notes = {note.label: note for note in chapter.notes}
    notes_html: list[NoteView] = []
    for note in chapter.notes:
        if edition is Edition.PRINT:
            ctx.note_html[note.label] = _fragment(md, note.tokens, ctx, paragraphs_inline=True)
        else:
            back = (
                f'<a class="backlink" role="doc-backlink" href="#{note.ref_id}">{note.number}.</a> '
            )
            notes_html.append(NoteView(note.id, _fragment(md, note.tokens, ctx, lead_html=back)))
    ctx.id_prefix = f"c{chapter.number}-"
    body = _fragment(md, chapter.body, ctx, block_ids=True)
    questions = [_fragment(md, q.tokens, ctx, paragraphs_inline=True) for q in chapter.questions]
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


def render_book(md: MarkdownIt, book: Book, edition: Edition) -> BookView:
    ctx = _context(book, edition)
    glossary = [
        TermView(term, _fragment(md, term.definition, ctx), first_link_per_chapter(book, term))
        for term in book.glossary
    ]
    chapters = [render_chapter(md, book, chapter, edition) for chapter in book.chapters]
    return BookView(book, chapters, glossary)


@dataclass
class EpubDocument:
    """One XHTML file of the EPUB."""

    file_name: str
    title: str
    xhtml: str
    part: str  # titlepage, chapter, glossary, cover


def render_epub_documents(view: BookView, cover_image: str | None) -> list[EpubDocument]:
    template = environment().get_template("epub_document.xhtml.j2")

    def document(
        file_name: str, title: str, part: str, body_type: str = "", chapter: Any = None
    ) -> EpubDocument:
        xhtml = template.render(
            book=view,
            cover_image=cover_image or "",
            chapter=chapter,
            title=title,
            part=part,
            body_type=body_type,
        )
        return EpubDocument(file_name, title, xhtml, part)

    documents: list[EpubDocument] = []
    if cover_image:
        documents.append(document("cover.xhtml", "Cover", "cover"))
    documents.append(document("titlepage.xhtml", view.meta.title, "titlepage", "frontmatter"))
    matter = {Kind.FRONT: "frontmatter", Kind.ARTICLE: "bodymatter", Kind.BACK: "backmatter"}
    for chapter in view.chapters_html:
        documents.append(
            document(chapter.file_name, chapter.title, "chapter", matter[chapter.kind], chapter)
        )
    if view.glossary_html:
        documents.append(document("glossary.xhtml", "Glossary", "glossary", "backmatter"))
    return documents


@dataclass
class NavEntry:
    title: str
    href: str


@dataclass
class PageEntry:
    label: str
    href: str


def toc_entries(book: Book) -> list[NavEntry]:
    entries = [
        NavEntry((f"{c.part_number}. " if c.part_number else "") + c.title, c.file_name)
        for c in book.chapters
    ]
    if book.glossary:
        entries.append(NavEntry("Glossary", "glossary.xhtml"))
    return entries


def render_navigation(book: Book, pages: list[PageEntry], cover: bool) -> tuple[str, str]:
    """The EPUB 3 navigation document and the EPUB 2 NCX, with the same entries."""
    toc = toc_entries(book)
    body = next((c.file_name for c in book.chapters if c.kind is Kind.ARTICLE), toc[0].href)
    values = {
        "book": book,
        "toc": toc,
        "pages": pages,
        "cover": cover,
        "glossary": bool(book.glossary),
        "bodymatter": body,
        "max_page": max((int(p.label) for p in pages if p.label.isdigit()), default=0),
    }
    env = environment()
    return (
        env.get_template("nav.xhtml.j2").render(**values),
        env.get_template("toc.ncx.j2").render(**values),
    )


@dataclass
class PrintPart:
    """Chapters of a long print edition that are laid out on their own (studyguide/parts.py)."""

    chapters: list[ChapterView]
    front: bool  # with the title page and the contents
    glossary: bool  # with the glossary
    first_page: int = 1
    articles_before: int = 0  # article chapters in the parts before: the outline numbers them


def render_print_html(
    view: BookView,
    paper: str,
    writing_space: bool,
    css: str,
    date: str = "",
    glossary_pages: bool = False,
    part: PrintPart | None = None,
) -> str:
    return (
        environment()
        .get_template("print_book.html.j2")
        .render(
            book=view,
            paper=paper,
            writing_space=writing_space,
            css=css,
            date=date,
            glossary_pages=glossary_pages,
            part=part,
        )
    )
