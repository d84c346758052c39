"""What is done to laid-out pages that moves no line to another page: a page's spare room
in the discussion questions given as ruled lines for writing, the questions' rule taken
away at the top of a page, every full page's text brought down to its foot (vertical
justification, TeX's flush bottom), and the paragraph numbers set in the outer margin.

Each works on WeasyPrint's boxes of one page after the layout, so nothing needs laying out
again; the pages' links and anchors are gathered anew afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from studyguide.layout.geometry import ANSWER_LINE, PT, Page, body_line_height, read_page
from studyguide.layout.proof import MAX_BAND_LINES, last_pages
from studyguide.render.markup import CLASSES

PNUM_GAP_MM = 3.0  # between a paragraph number and its paragraph, as print.css sets it
MM = 96 / 25.4  # CSS pixels per millimetre
MAX_STRETCH = 1.0  # lines of text a space before a heading or a question may grow by
MAX_STRETCH_TEXT = 0.5  # … and one between two paragraphs


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "pseudo_type", None):
        return set()
    return set((element.get("class") or "").split())


def _walk(box: Any, parents: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    yield box, parents
    for child in getattr(box, "children", []) or []:
        yield from _walk(getattr(child, "_box", child), (*parents, box))


def _flow(page: Any) -> Any:
    return page._page_box.children[0]


def _answer_lines(page: Any) -> list[tuple[Any, tuple[Any, ...]]]:
    return [(box, parents) for box, parents in _walk(_flow(page)) if ANSWER_LINE in _classes(box)]


def _rule_below(template: Any, top: float, left: float, width: float) -> Any:
    """A copy of a ruled line, its top at `top` (pixels), spanning `left` to `left + width`."""
    line = template.deepcopy()
    line.translate(left - line.position_x, top - line.position_y)
    line.width = width - line.padding_left - line.padding_right
    return line


def _fill(page: Any, geometry: Page, template: Any, body: float) -> bool:
    """Ruled lines in the page's empty band, under its last question or its last text."""
    band = geometry.band / PT
    rule = template.margin_height()
    count = int((band + 0.5) // rule)
    if count < 1 or geometry.band / body <= MAX_BAND_LINES:
        return False
    last = geometry.lines[-1]
    top = (geometry.content_bottom or 0) / PT
    answers = _answer_lines(page)
    if last.kind == "answer" and answers:
        below, parents = answers[-1]
        holder = parents[-1]
        left, width = below.position_x, below.margin_width()
        top = below.position_y + below.margin_height()
    else:  # under the text: lines for notes on it, across the measure
        flow = _flow(page)
        holder = flow.children[-1] if flow.children else flow
        box = page._page_box
        left, width = box.content_box_x(), box.width
        top += rule / 2
        floor = geometry.note_top - geometry.note_space if geometry.note_top else geometry.bottom
        count = int((floor / PT - top + 0.5) // rule)
    made = [_rule_below(template, top + i * rule, left, width) for i in range(count)]
    holder.children = [*holder.children, *made]
    return bool(made)


def _questions_next(after: Page | None) -> bool:
    if after is None or not after.lines:
        return False
    first = after.lines[0]
    return first.kind == "question" or first.anchor.endswith("-questions-title")


def fill_bands(document: Any, pages: list[Page]) -> None:
    """Where a page's text or questions stop short because the next question did not fit,
    the band is given to writing: ruled lines under the last question, or under the text."""
    templates = [box for page in document.pages for box, _ in _answer_lines(page)]
    if not templates:
        return
    body = body_line_height(pages)
    for index, (page, geometry) in enumerate(zip(document.pages, pages, strict=True)):
        after = pages[index + 1] if index + 1 < len(pages) else None
        if geometry.lines and _questions_next(after):
            _fill(page, geometry, templates[0], body)


def unrule_questions_at_top(document: Any) -> None:
    """The questions' rule is not drawn where they begin a page, under its running head."""
    for page in document.pages:
        flow = _flow(page)
        for box, _ in _walk(flow):
            if "questions" in _classes(box) and getattr(box, "border_top_width", 0):
                page_top = page._page_box.content_box_y()
                if box.position_y + box.margin_top <= page_top + 1:
                    box.border_top_width = 0
                elif box.position_y <= page_top + 1:
                    # WeasyPrint keeps the top margin of a block inside a section at the top
                    # of a page: the heading moves up to the page's top, rule and space gone
                    lift = box.margin_top + box.border_top_width + box.padding_top
                    for child in box.children:
                        child.translate(0, -lift)
                    box.margin_top = box.border_top_width = box.padding_top = 0


def _stretch_points(lines: list[Any], body: float) -> list[tuple[float, float, float]]:
    """Where the page may stretch, in pixels, with a weight and the most it may grow by (in
    lines of text): between two blocks, more where there is space already (before a
    heading, between questions) than between paragraphs."""
    points = []
    for above, below in pairwise(lines):
        gap = below.top - above.bottom
        if below.kind == "answer" and above.kind == "answer":
            continue  # a question's ruled lines stay evenly spaced
        if above.kind == "heading":
            continue  # a heading stays with what follows it (and an opener keeps its height)
        if above.kind in ("figure", "caption") and below.anchor == above.anchor:
            continue  # a figure's picture stays with its caption
        if below.anchor != above.anchor or below.kind != above.kind or gap > 0.5:
            weight = 1 + max(0.0, gap) / body + (1 if below.kind == "heading" else 0)
            most = MAX_STRETCH_TEXT if above.kind == below.kind == "text" else MAX_STRETCH
            points.append(((above.bottom + below.top) / 2 / PT, weight, most))
    return points


def _shift(box: Any, cuts: list[tuple[float, float]]) -> None:
    """Move `box` down by the stretch of the cuts above it; a block a cut runs through grows
    by the stretch inside it, and its children move each by their own.

    A cut lies on the edge between two touching lines, whatever the rounding: a box that
    begins there is below it, one that ends there above it (not run through). A line moves
    whole, never grows: the inline boxes of a paragraph's last line end where its line box
    does, on the cut below the paragraph, and one that grew drew its bottom border (a
    glossary link's dotted underline) that much lower than its word, in the space between
    the paragraphs."""
    from weasyprint.formatting_structure.boxes import LineBox

    top = box.position_y
    bottom = top + box.margin_height()
    before = sum(extra for at, extra in cuts if at <= top + 0.5)
    inside = sum(extra for at, extra in cuts if top + 0.5 < at < bottom - 0.5)
    if not inside or isinstance(box, LineBox) or not getattr(box, "children", None):
        if before:
            box.translate(0, before)
        return
    box.position_y += before
    if isinstance(box.height, int | float):
        box.height += inside
    for child in box.children:
        _shift(getattr(child, "_box", child), cuts)


def flush_bottom(page: Any, geometry: Page, body: float) -> None:
    """The page's text brought down to the notes (or the foot), the band shared out between
    its blocks, each space growing by at most `MAX_STRETCH` lines."""
    band = geometry.band - geometry.note_space
    points = _stretch_points(geometry.lines, body)
    if band < 0.5 or not points:
        return
    share = band / sum(weight for _, weight, _ in points)
    cuts = [(at, min(most * body, share * weight) / PT) for at, weight, most in points]
    _shift(_flow(page), cuts)


def pnums_outward(document: Any, two_sided: bool) -> None:
    """Paragraph numbers in the outer margin: print.css sets them in the left one; on a
    right-hand page (and every page of a one-sided edition) they go to the right, beside the
    line's end, left-aligned."""
    for page in document.pages:
        box = page._page_box
        if two_sided and box.page_type.side != "right":
            continue
        right = box.content_box_x() + box.width + PNUM_GAP_MM * MM
        for found, _ in _walk(_flow(page)):
            if CLASSES.pnum not in _classes(found):
                continue
            texts = [b for b, _ in _walk(found) if getattr(b, "text", None)]
            if texts:
                left = min(t.position_x for t in texts)
                found.translate(right - left, 0)


def finish(document: Any, first_page: int, two_sided: bool) -> list[Page]:
    """The finishing of a laid-out part; its pages' geometry, read again."""

    def read() -> list[Page]:
        return [read_page(page, n) for n, page in enumerate(document.pages, first_page)]

    unrule_questions_at_top(document)
    pages = read()
    fill_bands(document, pages)
    pages = read()
    body = body_line_height(pages)
    ends = last_pages(pages)
    for page, geometry in zip(document.pages, pages, strict=True):
        if geometry.number not in ends and geometry.sections and not geometry.blank:
            flush_bottom(page, geometry, body)
    pnums_outward(document, two_sided)
    # Links, anchors and bookmarks are read from the boxes when a page is made.
    document.pages[:] = [type(page)(page._page_box) for page in document.pages]
    return read()
