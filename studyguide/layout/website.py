"""The web edition's pages: the shared layout through web_page.html.j2, the print edition's
page-break markers placed as in the EPUB (markers.py), then written as HTML5 (no EPUB
attributes). Every edition that is a web site renders it here: the web edition, the parallel
edition's web pages, the preview."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lxml import etree

from studyguide.layout.markers import insert_markers
from studyguide.layout.pagemap import PageMap, PageStart
from studyguide.layout.webcitations import search_records
from studyguide.layout.webpages import merge_blank_pages, page_numbers
from studyguide.model import Book, Medium
from studyguide.render.documents import EpubDocument, check_xhtml, font_stylesheet, style_text
from studyguide.render.markup import render_template
from studyguide.render.search import Record
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
SCRIPTS = ("cite.js", "search.js")  # the citation line and the search page (render/scripts/)
# What an edition does to the pages once their markers are placed (the parallel edition
# leads links into its translation where the translation is shown).
Relink = Callable[[list[EpubDocument]], list[EpubDocument]]


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
    records: list[Record]  # what the search index holds (render/search.py)


def render_site(
    view: BookView,
    page_map: PageMap | Sequence[PageStart],
    preview: Preview | None = None,
    styles: Sequence[str] = (),
    relink: Relink | None = None,
) -> dict[str, bytes]:
    """Every file of the site but its search index: its name → its bytes."""
    return build_site(view, page_map, preview, styles, relink).files


def build_site(
    view: BookView,
    page_map: PageMap | Sequence[PageStart],
    preview: Preview | None = None,
    styles: Sequence[str] = (),
    relink: Relink | None = None,
) -> SiteBuild:
    """The site's files and its search records. `view` is rendered for Medium.WEB;
    `styles` are stylesheets added after the web edition's own (by name, as `style_text`
    finds them); `relink` changes the pages once their markers are placed."""
    pages = site_pages(view)
    trees: dict[str, etree._Element] = {}
    # The text first, then the pages that give its print page numbers: the contents and
    # the glossary's links back to the text.
    text = [page for page in pages if page.part not in ("index", "glossary")]
    placed = _Placed(view, pages, preview, page_map, relink)
    trees.update(placed.pages(text, Numbers()))
    continued = page_map.in_notes if isinstance(page_map, PageMap) else ()
    numbers = _numbers(view, pages, {page.name: trees[page.name] for page in text}, continued)
    rest = [page for page in pages if page.part in ("index", "glossary")]
    trees.update(placed.pages(rest, numbers))
    ordered = [(page, trees[page.name]) for page in pages]
    records = search_records(view, ordered)
    search = Page(SEARCH, view.labels["search"], "search")
    search_tree = etree.fromstring(_render_page(view, search, pages, preview, numbers).xhtml)
    files = {page.name: html5(tree) for page, tree in [*ordered, (search, search_tree)]}
    files[STYLESHEET] = stylesheet(view.book, styles).encode("utf-8")
    for name in SCRIPTS:
        files[name] = resources.files("studyguide.render").joinpath("scripts", name).read_bytes()
    for image in view.book.images.values():  # the figures' pictures: figures/…
        files[image_name(image.path, Medium.WEB)] = image.data
    return SiteBuild(files, records)


@dataclass(frozen=True)
class _Placed:
    """Pages rendered with a page-break marker where each print page begins in them."""

    view: BookView
    all_pages: list[Page]
    preview: Preview | None
    page_map: PageMap | Sequence[PageStart]
    relink: Relink | None

    def pages(self, these: list[Page], numbers: Numbers) -> dict[str, etree._Element]:
        view = self.view
        documents = [
            _render_page(view, page, self.all_pages, self.preview, numbers) for page in these
        ]
        documents, _ = insert_markers(documents, self.page_map, view.book.root)
        return _trees(self.relink(documents) if self.relink else documents)


def _trees(documents: list[EpubDocument]) -> dict[str, etree._Element]:
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


def stylesheet(book: Book, styles: Sequence[str] = ()) -> str:
    """base.css and web.css (the book's own, if it has them), `styles`, and the typeface's
    family."""
    sheets = [style_text(name, book.root) for name in ("base.css", "web.css", *styles)]
    return "\n".join([*sheets, font_stylesheet(book)])


def _numbers(
    view: BookView,
    pages: list[Page],
    trees: dict[str, etree._Element],
    continued: Sequence[PageStart] = (),
) -> Numbers:
    """Where each chapter begins in print, and each glossary entry's links back to the text
    (on the page that holds the link: its chapter's, or the one its text is shown in)."""
    held = {
        element.get("id"): name
        for name, tree in trees.items()
        for element in tree.iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    titles = {page.name: page.title for page in pages}
    wanted = {f"{c.id}-title" for c in view.chapters_html}
    wanted |= {link.id for entry in view.glossary_html for link in entry.links}
    found = page_numbers(list(trees.values()), wanted, continued)
    backlinks = {}
    for entry in view.glossary_html:
        known = all(link.id in found for link in entry.links)
        backlinks[entry.term.slug] = [
            Backlink(
                f"{held.get(link.id, '')}#{link.id}",
                found[link.id] if known else "",
                titles.get(held.get(link.id, ""), ""),
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
