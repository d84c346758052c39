"""Where each page of the laid-out print edition begins (see pagemap.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from studyguide.layout.pagemap import PageStart, count_visible
from studyguide.render.markup import APPARATUS

if TYPE_CHECKING:
    from weasyprint import Document


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
    if getattr(box, "pseudo_type", None) or _classes(box) & APPARATUS:
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
                consumed[anchor] = consumed.get(anchor, 0) + count_visible(box.text)
        if first is not None:
            starts.append(PageStart(str(number), first[0], first[1], " ".join(preview)[:80]))
    return starts


def anchor_pages(document: Document, first_page: int = 0) -> dict[str, int]:
    """The page of each anchor (an element over several pages: its first), numbered from
    `first_page`."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=first_page):
        for name in page.anchors:
            pages.setdefault(name, number)
    return pages


def _note_text_boxes(note: Any) -> Iterator[Any]:
    """A note's text boxes, without its marker ("6. ")."""
    from weasyprint.formatting_structure import boxes

    if getattr(note, "pseudo_type", None):
        return
    if isinstance(note, boxes.TextBox):
        yield note
        return
    for child in getattr(note, "children", []) or []:
        yield from _note_text_boxes(child)


def note_continuations(document: Document, first_page: int = 1) -> list[PageStart]:
    """Where each note carried over to the next page goes on: a PageStart in the note (its
    id, and the visible characters of it printed on the pages before)."""
    from weasyprint.formatting_structure import boxes

    consumed: dict[str, int] = {}
    found: list[PageStart] = []
    for number, page in enumerate(document.pages, start=first_page):
        for area in page._page_box.children:
            if not isinstance(area, boxes.FootnoteAreaBox):
                continue
            for index, note in enumerate(area.children):
                if getattr(note, "studyguide_label", False):
                    continue
                element = getattr(note, "element", None)
                note_id = element.get("id") if element is not None else None
                if not note_id:
                    continue
                text = "".join(box.text for box in _note_text_boxes(note))
                after_label = index > 0 and getattr(
                    area.children[index - 1], "studyguide_label", False
                )
                if after_label and note_id in consumed:
                    found.append(
                        PageStart(str(number), note_id, consumed[note_id], text.strip()[:80])
                    )
                consumed[note_id] = consumed.get(note_id, 0) + count_visible(text)
    return found
