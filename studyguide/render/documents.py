"""The documents of the shared layout: the EPUB's XHTML files and navigation, the print HTML."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from studyguide.labels import Labels
from studyguide.model import Book, Kind
from studyguide.render.markup import environment
from studyguide.render.views import SOURCES_FILE, BookView, ChapterView, book_labels


def style_text(name: str) -> str:
    """One stylesheet of studyguide/render/styles."""
    return (resources.files("studyguide.render") / "styles" / name).read_text(encoding="utf-8")


def print_stylesheet(paper: str) -> str:
    """base.css, print.css and the paper size's sheet, in that order."""
    return "\n".join(style_text(name) for name in ("base.css", "print.css", f"paper-{paper}.css"))


@dataclass(frozen=True)
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

    labels = view.labels
    documents: list[EpubDocument] = []
    if cover_image:
        documents.append(document("cover.xhtml", labels.cover, "cover"))
    documents.append(document("titlepage.xhtml", view.meta.title, "titlepage", "frontmatter"))
    documents.append(document("colophon.xhtml", labels.colophon, "colophon", "frontmatter"))
    matter = {Kind.FRONT: "frontmatter", Kind.ARTICLE: "bodymatter", Kind.BACK: "backmatter"}
    for chapter in view.chapters_html:
        documents.append(
            document(chapter.file_name, chapter.title, "chapter", matter[chapter.kind], chapter)
        )
    if view.glossary_html:
        documents.append(document("glossary.xhtml", labels.glossary, "glossary", "backmatter"))
    if view.references:
        documents.append(document(SOURCES_FILE, labels.sources, "references", "backmatter"))
    return documents


@dataclass(frozen=True)
class NavEntry:
    title: str
    href: str


@dataclass(frozen=True)
class PageEntry:
    label: str
    href: str


def toc_entries(book: Book, labels: Labels) -> list[NavEntry]:
    entries = [NavEntry(labels.colophon, "colophon.xhtml")]
    entries += [
        NavEntry((f"{c.part_number}. " if c.part_number else "") + c.title, c.file_name)
        for c in book.chapters
    ]
    if book.glossary:
        entries.append(NavEntry(labels.glossary, "glossary.xhtml"))
    if book.references:
        entries.append(NavEntry(labels.sources, SOURCES_FILE))
    return entries


def render_navigation(book: Book, pages: list[PageEntry], cover: bool) -> tuple[str, str]:
    """The EPUB 3 navigation document and the EPUB 2 NCX, with the same entries."""
    labels = book_labels(book)
    toc = toc_entries(book, labels)
    body = next((c.file_name for c in book.chapters if c.kind is Kind.ARTICLE), toc[0].href)
    values = {
        "book": book,
        "toc": toc,
        "pages": pages,
        "cover": cover,
        "glossary": bool(book.glossary),
        "bodymatter": body,
        "max_page": max((int(p.label) for p in pages if p.label.isdigit()), default=0),
        "labels": labels,
    }
    env = environment()
    return (
        env.get_template("nav.xhtml.j2").render(**values),
        env.get_template("toc.ncx.j2").render(**values),
    )


@dataclass
class PrintPart:
    """Chapters of a long print edition laid out on their own (studyguide/editions/pdf/parts.py)."""

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
