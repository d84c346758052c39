"""Page-break markers in the EPUB's XHTML, where the print edition's pages begin."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from studyguide.layout.pagemap import (
    PageStart,
    count_visible,
    insert_in_text,
    word_start_of_visible,
)
from studyguide.render.documents import EpubDocument, PageEntry
from studyguide.render.markup import APPARATUS, macros

XHTML_NS = "http://www.w3.org/1999/xhtml"
# Places of the print layout that the EPUB shows elsewhere: its contents page is the
# navigation document's table of contents, which carries that page's marker
# (render/templates/nav.xhtml.j2).
PRINT_ONLY_PLACES = {"contents": "nav.xhtml", "contents-title": "nav.xhtml"}
EPUB_NS = "http://www.idpf.org/2007/ops"


def _skipped(element: etree._Element) -> bool:
    return bool(set((element.get("class") or "").split()) & APPARATUS)


def _marker(label: str, root: Path | None) -> etree._Element:
    """The page_marker macro's element, in the XHTML and EPUB namespaces."""
    marker = macros(root).page_marker(label)
    return etree.fromstring(f'<w xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">{marker}</w>')[0]


def _place(anchor: etree._Element, offset: int, label: str, root: Path | None) -> bool:
    """Put a page-break marker before the visible character number `offset` of `anchor`."""
    remaining = offset

    def visit(element: etree._Element) -> bool:
        nonlocal remaining
        # text directly inside `element`, before its first child
        if element.text and _split_at(element, None, remaining, label, root):
            return True
        remaining -= count_visible(element.text or "")
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif not _skipped(child) and visit(child):
                return True
            if child.tail and _split_at(element, child, remaining, label, root):
                return True
            remaining -= count_visible(child.tail or "")
        return False

    return visit(anchor)


def _split_at(
    parent: etree._Element,
    after: etree._Element | None,
    remaining: int,
    label: str,
    root: Path | None,
) -> bool:
    """Insert the marker in parent's text (after=None) or in `after`'s tail, if it falls there."""
    text = parent.text if after is None else after.tail
    index = word_start_of_visible(text or "", remaining)
    if index is None:
        return False
    insert_in_text(parent, after, index, _marker(label, root))
    return True


def insert_markers(
    documents: Sequence[EpubDocument], pages: Sequence[PageStart], root: Path | None = None
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
    previous = 0
    for page in pages:
        # Pages with no text of their own (the blank backs of right-hand openers) begin
        # where the next page does: the page list still has every page.
        number = int(page.label) if page.label.isdigit() else 0
        labels = [str(n) for n in range(previous + 1, number)] + [page.label]
        previous = number or previous
        found = where.get(page.anchor)
        if found is None:
            if page.anchor in PRINT_ONLY_PLACES:  # the contents: the navigation document's
                document = PRINT_ONLY_PLACES[page.anchor]
                entries += [PageEntry(label, f"{document}#page-{label}") for label in labels]
            continue
        index, anchor = found
        for label in labels:
            if _place(anchor, page.offset, label, root):
                changed.add(index)
                entries.append(PageEntry(label, f"{documents[index].file_name}#page-{label}"))
    result = list(documents)
    for index in changed:
        xhtml = etree.tostring(
            trees[index], xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>"
        ).decode("utf-8")
        result[index] = EpubDocument(
            documents[index].file_name, documents[index].title, xhtml, documents[index].part
        )
    return result, entries
