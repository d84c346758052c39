"""The web edition's pages: the shared layout through web_page.html.j2, the print edition's
page-break markers placed as in the EPUB, then written as HTML5 (no EPUB attributes)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lxml import etree

from studyguide.editions.web.citations import search_records
from studyguide.editions.web.pagenumbers import merge_blank_pages, page_numbers
from studyguide.editions.web.search import Record
from studyguide.layout.markers import insert_markers
from studyguide.layout.pagemap import PageMap, PageStart
from studyguide.model import Book, Medium
from studyguide.render.documents import EpubDocument, check_xhtml, font_stylesheet, style_text
from studyguide.render.markup import render_template
from studyguide.render.views import (
    SOURCES_FILE,
    BookView,
    ChapterView,
    document_name,
    image_name,
)

STYLESHEET = "style.css"
INDEX = "index.html"
SEARCH = "search.html"
SCRIPTS = ("cite.js", "search.js")  # the citation line and the search page (scripts/)


@dataclass(frozen=True)
class Preview:
    """What the preview server (studyguide/preview) shows on every page besides the book."""

    version: int  # the page's build: the reload script waits for a newer one
    errors: tuple[str, ...] = ()  # mistakes in the sources, as the command line prints them
    pages_updating: bool = False  # the print page numbers are those of an earlier layout


@dataclass(frozen=True)
class Page:
    """One page of the site."""

    name: str  # index.html, colophon.html, chapter-04.html, glossary.html
    title: str
    part: str  # index, colophon, chapter, glossary
    chapter: ChapterView | None = None


@dataclass(frozen=True)
class Backlink:
    """A link from a glossary entry back to the text, shown as its print page where the page
    map gives every link of the entry one, else as its chapter's title."""

    href: str
    page: str
    chapter_title: str


@dataclass(frozen=True)
class Numbers:
    """The print page numbers the index and the glossary show, where the page map gives them."""

    pages: Mapping[str, str] = field(default_factory=dict)  # element id → page label
    backlinks: Mapping[str, list[Backlink]] = field(default_factory=dict)  # term slug → links


def site_pages(view: BookView) -> list[Page]:
    """The pages in reading order: the title page and contents, the colophon, one page a
    chapter, the glossary."""
    labels = view.labels
    pages = [
        Page(INDEX, view.meta.title, "index"),
        Page("colophon.html", labels.colophon, "colophon"),
    ]
    pages += [
        Page(document_name(c.file_name, Medium.WEB), c.title, "chapter", c)
        for c in view.chapters_html
    ]
    if view.glossary_html:
        pages.append(Page(document_name("glossary.xhtml", Medium.WEB), labels.glossary, "glossary"))
    if view.book.references:
        pages.append(Page(document_name(SOURCES_FILE, Medium.WEB), labels.sources, "references"))
    return pages


@dataclass(frozen=True)
class SiteBuild:
    files: dict[str, bytes]  # every page and file of the site but the search index
    records: list[Record]  # what the search index holds (search.py)


def render_site(
    view: BookView, page_map: PageMap | Sequence[PageStart], preview: Preview | None = None
) -> dict[str, bytes]:
    """Every file of the site but its search index: its name → its bytes."""
    return build_site(view, page_map, preview).files


def build_site(
    view: BookView, page_map: Sequence[PageStart], preview: Preview | None = None
) -> SiteBuild:
    """The site's files and its search records. `view` is rendered for Medium.WEB."""
    pages = site_pages(view)
    trees: dict[str, etree._Element] = {}
    # The text first, then the pages that give its print page numbers: the contents and
    # the glossary's links back to the text.
    text = [page for page in pages if page.part not in ("index", "glossary")]
    trees.update(_with_markers(view, text, pages, preview, Numbers(), page_map))
    continued = page_map.in_notes if isinstance(page_map, PageMap) else ()
    numbers = _numbers(view, pages, [trees[page.name] for page in text], continued)
    rest = [page for page in pages if page.part in ("index", "glossary")]
    trees.update(_with_markers(view, rest, pages, preview, numbers, page_map))
    ordered = [(page, trees[page.name]) for page in pages]
    records = search_records(view, ordered)
    search = Page(SEARCH, view.labels["search"], "search")
    search_tree = etree.fromstring(_render_page(view, search, pages, preview, numbers).xhtml)
    files = {page.name: html5(tree) for page, tree in [*ordered, (search, search_tree)]}
    files[STYLESHEET] = stylesheet(view.book).encode("utf-8")
    for name in SCRIPTS:
        files[name] = resources.files("studyguide.editions.web").joinpath(name).read_bytes()
    for image in view.book.images.values():  # the figures' pictures: figures/…
        files[image_name(image.path, Medium.WEB)] = image.data
    return SiteBuild(files, records)


def _with_markers(
    view: BookView,
    these: list[Page],
    pages: list[Page],
    preview: Preview | None,
    numbers: Numbers,
    page_map: Sequence[PageStart],
) -> dict[str, etree._Element]:
    """Pages rendered, with a page-break marker where each print page begins in them."""
    documents = [_render_page(view, page, pages, preview, numbers) for page in these]
    documents, _ = insert_markers(documents, page_map, view.book.root)
    trees = {d.file_name: etree.fromstring(d.xhtml.encode("utf-8")) for d in documents}
    for tree in trees.values():
        merge_blank_pages(tree)
    return trees


def write_site(files: Mapping[str, bytes], folder: Path) -> None:
    """The site's files into `folder` (an empty one: the build puts it in place whole)."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, 0o644)


def stylesheet(book: Book) -> str:
    """base.css and web.css (the book's own, if it has them), and the typeface's family."""
    sheets = [style_text(name, book.root) for name in ("base.css", "web.css")]
    return "\n".join([*sheets, font_stylesheet(book)])


def _numbers(
    view: BookView,
    pages: list[Page],
    trees: list[etree._Element],
    continued: Sequence[PageStart] = (),
) -> Numbers:
    """Where each chapter begins in print, and each glossary entry's links back to the text."""
    page_of_file = {page.chapter.path: page.name for page in pages if page.chapter}
    wanted = {f"{c.id}-title" for c in view.chapters_html}
    wanted |= {link.id for entry in view.glossary_html for link in entry.links}
    found = page_numbers(trees, wanted, continued)
    titles = {c.path: c.title for c in view.chapters_html}
    backlinks = {}
    for entry in view.glossary_html:
        known = all(link.id in found for link in entry.links)
        backlinks[entry.term.slug] = [
            Backlink(
                f"{page_of_file[link.source.path]}#{link.id}",
                found[link.id] if known else "",
                titles[link.source.path],
            )
            for link in entry.links
        ]
    return Numbers(found, backlinks)


def _render_page(
    view: BookView, page: Page, pages: list[Page], preview: Preview | None, numbers: Numbers
) -> EpubDocument:
    """The page as XHTML (the form the page-break markers are placed in)."""
    index = pages.index(page) if page in pages else -1
    xhtml = render_template(
        view.book.root,
        "web_page.html.j2",
        book=view,
        page=page,
        pages=pages,
        previous=pages[index - 1] if index > 0 else None,
        next=pages[index + 1] if 0 <= index < len(pages) - 1 else None,
        preview=preview,
        numbers=numbers,
        stylesheet=STYLESHEET,
    )
    check_xhtml(view.book.root, "web_page.html.j2", page.name, xhtml)
    return EpubDocument(page.name, page.title, xhtml, page.part)


def html5(tree: etree._Element) -> bytes:
    """An XHTML page as HTML5: the EPUB's attributes (epub:type) and namespaces dropped."""
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        element.tag = etree.QName(element).localname
        for name in [name for name in element.attrib if name.startswith("{")]:
            del element.attrib[name]
    etree.cleanup_namespaces(tree)
    return etree.tostring(tree, method="html", encoding="utf-8", doctype="<!DOCTYPE html>") + b"\n"
