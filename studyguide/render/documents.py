"""The documents of the shared layout: the EPUB's XHTML files and navigation, the print HTML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from studyguide.errors import BuildError, SourceRef
from studyguide.labels import Labels, primary
from studyguide.model import Book, Chapter, Kind, Medium
from studyguide.render.markup import STYLES_DIR, TEMPLATES_DIR, render_template
from studyguide.render.views import (
    SOURCES_FILE,
    BookView,
    ChapterView,
    chapter_semantics,
    listed_figures,
)


def style_text(name: str, root: Path | None = None) -> str:
    """One stylesheet: the book's own styles/NAME if it has one (a regular file inside the
    book), else the package's."""
    if root is not None:
        folder = (root / STYLES_DIR).resolve()
        path = (folder / name).resolve()
        if path.is_relative_to(folder) and path.is_file():
            from studyguide.sources.files import read_text

            return read_text(root, path)
    return (resources.files("studyguide.render") / "styles" / name).read_text(encoding="utf-8")


def check_xhtml(root: Path | None, template: str, name: str, xhtml: str) -> None:
    """A document rendered from a template must be well-formed XML before it goes into the
    EPUB or the web edition (ebooklib would drop it without a word): a book's own template
    that writes anything else is our error, naming the template."""
    try:
        etree.fromstring(xhtml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        own = root / TEMPLATES_DIR / template if root is not None else None
        where = own if own is not None and own.is_file() else Path(template)
        line = exc.lineno or 0
        raise BuildError(
            SourceRef(where),
            f"the template wrote {name}, which is not well-formed XHTML: "
            f"{exc.msg.split(', line')[0]} (line {line} of {name})",
            "close every element the template opens, and write & < > in text as "
            "&amp; &lt; &gt;; or remove the template to use the package's own",
            "template.xhtml",
        ) from None


def font_stylesheet(book: Book, faces: Sequence[Any] = (), print_: bool = False) -> str:
    return render_template(
        book.root, "fonts.css.j2", family=book.meta.typeface, faces=faces, print=print_
    )


def print_stylesheet(book: Book, paper: str, one_sided: bool = False) -> str:
    """base.css, print.css and the paper size's sheet, in that order (for one-sided printing,
    with no blank pages, its rules and the paper's one-sided margins after them), and the
    typeface."""
    names = ["base.css", "print.css", f"paper-{paper}.css"]
    if one_sided:
        names += ["one-sided.css", f"paper-{paper}-one-sided.css"]
    sheets = [style_text(name, book.root) for name in names]
    return "\n".join([*sheets, font_stylesheet(book, print_=True)])


@dataclass(frozen=True)
class EpubDocument:
    """One XHTML file of the EPUB."""

    file_name: str
    title: str
    xhtml: str
    part: str  # titlepage, chapter, glossary, cover


def render_epub_documents(view: BookView, cover_image: str | None) -> list[EpubDocument]:
    def document(
        file_name: str, title: str, part: str, body_type: str = "", chapter: Any = None
    ) -> EpubDocument:
        xhtml = render_template(
            view.book.root,
            "epub_document.xhtml.j2",
            book=view,
            cover_image=cover_image or "",
            chapter=chapter,
            title=title,
            part=part,
            body_type=body_type,
        )
        check_xhtml(view.book.root, "epub_document.xhtml.j2", file_name, xhtml)
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
    language: str = ""  # a chapter of a text in another language than the book's


@dataclass(frozen=True)
class PageEntry:
    label: str
    href: str


def toc_entries(book: Book, labels: Labels) -> list[NavEntry]:
    entries = [NavEntry(labels.colophon, "colophon.xhtml")]

    def language(chapter: Chapter) -> str:
        found = book.meta.language_of(chapter.text) if chapter.text else ""
        return found if found and primary(found) != primary(book.meta.language) else ""

    entries += [
        NavEntry(f"{c.part_number}. " * bool(c.part_number) + c.title, c.file_name, language(c))
        for c in book.chapters
    ]
    if book.glossary:
        entries.append(NavEntry(labels.glossary, "glossary.xhtml"))
    if book.references:
        entries.append(NavEntry(labels.sources, SOURCES_FILE))
    return entries


def render_navigation(book: Book, pages: list[PageEntry], cover: bool) -> tuple[str, str]:
    """The EPUB 3 navigation document and the EPUB 2 NCX, with the same entries."""
    labels = book.labels
    toc = toc_entries(book, labels)
    body = next((c.file_name for c in book.chapters if c.kind is Kind.ARTICLE), toc[0].href)
    kinds = dict(zip(chapter_semantics(book), (c.file_name for c in book.chapters), strict=False))
    landmarks = [(kind, kinds[kind]) for kind in ("introduction", "bibliography") if kind in kinds]
    values = {
        "nav_pages": [p.label for p in pages if p.href.startswith("nav.xhtml#")],
        "landmarks": landmarks,
        "book": book,
        "toc": toc,
        "pages": pages,
        "cover": cover,
        "glossary": bool(book.glossary),
        "bodymatter": body,
        "max_page": max((int(p.label) for p in pages if p.label.isdigit()), default=0),
        "labels": labels,
        "figures": listed_figures(book, Medium.EPUB),
    }
    nav = render_template(book.root, "nav.xhtml.j2", **values)
    check_xhtml(book.root, "nav.xhtml.j2", "nav.xhtml", nav)
    ncx = render_template(book.root, "toc.ncx.j2", **values)
    check_xhtml(book.root, "toc.ncx.j2", "toc.ncx", ncx)
    return nav, ncx


@dataclass
class PrintPart:
    """Chapters of a long print edition laid out on their own (studyguide/layout/parts.py)."""

    chapters: list[ChapterView]
    front: bool  # with the title page and the contents
    glossary: bool  # with the glossary
    first_page: int = 1
    articles_before: int = 0  # article chapters in the parts before: the outline numbers them
    references: bool = False  # with the sources for the notes


# Ruled lines for a handwritten answer under each discussion question, in print.
ANSWER_LINES = 4


def render_print_html(
    view: BookView,
    paper: str,
    writing_space: bool,
    css: str,
    date: str = "",
    glossary_pages: bool = False,
    part: PrintPart | None = None,
) -> str:
    return render_template(
        view.book.root,
        "print_book.html.j2",
        book=view,
        paper=paper,
        answer_lines=ANSWER_LINES if writing_space else 0,
        css=css,
        date=date,
        glossary_pages=glossary_pages,
        part=part,
    )
