"""The print edition's page breaks, read from WeasyPrint's layout, placed in the EPUB's text.

A page begins at a place in an element of the shared layout: the nearest element with an
id (a paragraph `p-12`, a block `c3-b4`, a question, a glossary entry) and the number of
visible characters of that element's text that came before on earlier pages. Whitespace
is not counted (the two editions wrap and collapse it differently), nor the hyphens that
hyphenation adds, so the same count finds the same place in the EPUB's XHTML.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from studyguide import __version__, cache
from studyguide.layout import EpubDocument, PageEntry

if TYPE_CHECKING:
    from weasyprint import Document

    from studyguide.build import Options
    from studyguide.model import Book

# Shown in one edition only, so never counted: paragraph numbers, note calls, page references.
SKIPPED_CLASSES = {"pnum", "noteref", "footnote", "print-only", "pagebreak", "answer-space"}
NOT_COUNTED = {"\u2010", "\u00ad"}  # added by hyphenation
XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"


@dataclass(frozen=True)
class PageStart:
    label: str  # the printed page number
    anchor: str  # id of the element the page begins in
    offset: int  # visible characters of that element before the page begins
    preview: str  # the first words of the page, for people and tests


def _count(text: str) -> int:
    return sum(1 for c in text if not c.isspace() and c not in NOT_COUNTED)


# ------------------------------------------------------------ reading the layout


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "pseudo_type", None):
        return set()
    return set((element.get("class") or "").split())


def _text_boxes(
    box: Any, anchors: tuple[str, ...], skipped: bool
) -> Iterator[tuple[Any, tuple[str, ...], bool]]:
    """Text boxes in layout order with the ids of their anchored ancestors, innermost last."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox):
        return
    element = getattr(box, "element", None)
    if element is not None and not getattr(box, "pseudo_type", None):
        own_id = element.get("id")
        tag = getattr(box, "element_tag", "")
        if own_id and tag not in ("html", "body") and (not anchors or anchors[-1] != own_id):
            anchors = (*anchors, own_id)  # (a box split over lines repeats its element)
    if getattr(box, "pseudo_type", None) or _classes(box) & SKIPPED_CLASSES:
        skipped = True
    if isinstance(box, boxes.TextBox):
        yield box, anchors, skipped
        return
    for child in getattr(box, "children", []) or []:
        yield from _text_boxes(child, anchors, skipped)


def from_document(document: Document, first_page: int = 1) -> list[PageStart]:
    """Where each page of the laid-out print edition begins; its first page is `first_page`."""
    consumed: dict[str, int] = {}
    starts: list[PageStart] = []
    for number, page in enumerate(document.pages, start=first_page):
        first: tuple[str, int] | None = None
        preview: list[str] = []
        for box, anchors, skipped in _text_boxes(page._page_box, (), False):
            if skipped or not anchors or not box.text.strip():
                continue
            if first is None:
                first = (anchors[-1], consumed.get(anchors[-1], 0))
            if len(" ".join(preview)) < 60:
                preview.append(box.text.strip())
            # Every enclosing element counts the text: a later page may begin in any of them.
            for anchor in anchors:
                consumed[anchor] = consumed.get(anchor, 0) + _count(box.text)
        if first is not None:
            starts.append(PageStart(str(number), first[0], first[1], " ".join(preview)[:80]))
    return starts


# ------------------------------------------------------------ the cache


def cache_key(book: Book, options: Options) -> str:
    """A digest of everything the layout depends on: sources, templates, styles, options."""
    from studyguide.build import source_paths

    layout_options = (
        options.paper,
        options.writing_space,
        options.glossary_pages,
        options.part_size,
    )
    parts: list[bytes | str] = [__version__, repr(layout_options)]
    for path in source_paths(book.root):
        parts += [path.relative_to(book.root).as_posix(), path.read_bytes()]
    package = resources.files("studyguide")
    for folder in ("templates", "styles"):
        for item in sorted((package / folder).iterdir(), key=lambda i: i.name):
            parts += [item.name, item.read_bytes()]
    for module in ("pagemap.py", "markdown.py", "layout.py", "pdf.py", "parts.py"):
        parts.append((package / module).read_bytes())
    return cache.digest(parts)


def cache_path(book: Book, options: Options) -> Path:
    return cache.entry(options.out, "pagemap", cache_key(book, options), ".json")


def save(pages: Sequence[PageStart], path: Path) -> None:
    cache.write(path, json.dumps([asdict(p) for p in pages], indent=1).encode("utf-8"))


def load(path: Path) -> list[PageStart] | None:
    data = cache.read(path)
    if data is None:
        return None
    try:
        return [PageStart(**entry) for entry in json.loads(data)]
    except (ValueError, TypeError):
        return None


# ------------------------------------------------------------ placing the markers


def _skipped(element: etree._Element) -> bool:
    return bool(set((element.get("class") or "").split()) & SKIPPED_CLASSES)


def _marker(label: str) -> etree._Element:
    marker = etree.Element(f"{{{XHTML_NS}}}span")
    marker.set("id", f"page-{label}")
    marker.set("class", "pagebreak")
    marker.set(f"{{{EPUB_NS}}}type", "pagebreak")
    marker.set("role", "doc-pagebreak")
    marker.set("aria-label", label)
    return marker


def _place(anchor: etree._Element, offset: int, label: str) -> bool:
    """Put a page-break marker before the visible character number `offset` of `anchor`."""
    remaining = offset

    def visit(element: etree._Element) -> bool:
        nonlocal remaining
        # text directly inside `element`, before its first child
        if element.text and _split_at(element, None, remaining, label):
            return True
        remaining -= _count(element.text or "")
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif not _skipped(child) and visit(child):
                return True
            if child.tail and _split_at(element, child, remaining, label):
                return True
            remaining -= _count(child.tail or "")
        return False

    return visit(anchor)


def _split_at(
    parent: etree._Element, after: etree._Element | None, remaining: int, label: str
) -> bool:
    """Insert the marker in parent's text (after=None) or in `after`'s tail, if it falls there."""
    text = parent.text if after is None else after.tail
    if not text or remaining >= _count(text):
        return False
    seen = 0
    for index, char in enumerate(text):
        if char.isspace() or char in NOT_COUNTED:
            continue
        if seen == remaining:
            # A page that begins inside a hyphenated word gets its marker before the word.
            while index > 0 and not text[index - 1].isspace():
                index -= 1
            marker = _marker(label)
            marker.tail = text[index:]
            if after is None:
                parent.text = text[:index]
                parent.insert(0, marker)
            else:
                after.tail = text[:index]
                after.addnext(marker)
            return True
        seen += 1
    return False


def insert_markers(
    documents: Sequence[EpubDocument], pages: Sequence[PageStart]
) -> tuple[list[EpubDocument], list[PageEntry]]:
    """The documents with a page-break marker where each print page begins, and the page list."""
    trees = [etree.fromstring(d.xhtml.encode("utf-8")) for d in documents]
    where: dict[str, tuple[int, etree._Element]] = {}
    for index, tree in enumerate(trees):
        for element in tree.iter():
            if isinstance(element.tag, str) and element.get("id"):
                where.setdefault(element.get("id"), (index, element))
    entries: list[PageEntry] = []
    changed: set[int] = set()
    for page in pages:
        found = where.get(page.anchor)
        if found is None:
            continue  # a page of the print edition only (its contents page)
        index, anchor = found
        if _place(anchor, page.offset, page.label):
            changed.add(index)
            entries.append(PageEntry(page.label, f"{documents[index].file_name}#page-{page.label}"))
    result = list(documents)
    for index in changed:
        xhtml = etree.tostring(
            trees[index], xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>"
        ).decode("utf-8")
        result[index] = EpubDocument(
            documents[index].file_name, documents[index].title, xhtml, documents[index].part
        )
    return result, entries
