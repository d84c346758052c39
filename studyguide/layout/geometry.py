"""The laid-out print pages as a production editor reads them: each page's lines of text,
its ruled writing lines, its note area, its running heads, in points, read from
WeasyPrint's boxes. The page makeup (makeup.py) and the proof (proof.py) judge these."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from studyguide.render.markup import CLASSES

PT = 0.75  # points per CSS pixel, WeasyPrint's unit
ADDED_HYPHENS = ("\u2010", "-")  # what WeasyPrint draws where it breaks at a soft hyphen
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "dt"})  # a glossary term heads its entry
HEADING_CLASSES = frozenset({"part-label", "chapter-head", "book-title", "book-subtitle"})
ANSWER_LINE = "answer-line"
FIGURE_CLASS = "figure"  # a figure (render/templates/_markup.html.j2): a picture and its caption
SECTIONS = ("chapter", "glossary", "references")  # what a chapter is, for "its last page"


@dataclass(frozen=True)
class Line:
    """One line of a page, in points from the page's top left."""

    top: float
    bottom: float
    left: float
    right: float  # where its last glyph ends
    limit: float  # where the measure ends (the containing block's right edge)
    text: str
    # "text", "heading", "question", "answer" (a ruled line), "note", "head", "folio",
    # "figure" (a figure's picture: one Line as tall as it), "caption" (a figure's caption)
    kind: str
    anchor: str = ""  # the nearest element with an id around it
    section: str = ""  # the id of the chapter (or glossary, sources) it belongs to
    hyphenated: bool = False  # it ends with a hyphen the layout added
    word_start: float = 0.0  # a hyphenated line: where the broken word begins
    bare_end: float = 0.0  # a hyphenated line: where it would end without the broken word
    word_head: str = ""  # a hyphenated line: the part of the word on this line
    word_width: float = 0.0  # a hyphenated line: how wide the whole word would be

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Page:
    number: int  # the page's number in the book
    blank: bool
    lines: list[Line] = field(default_factory=list)  # the text's flow, in order
    notes: list[Line] = field(default_factory=list)  # the note area's lines
    note_top: float | None = None  # where the note area (its rule) begins
    note_space: float = 0.0  # the space the note area keeps above its rule
    bottom: float = 0.0  # the foot of the page's content area
    top: float = 0.0  # the head of the page's content area
    right: float = 0.0  # the right edge of the page's content area
    heads: list[Line] = field(default_factory=list)  # running heads, one Line a line
    anchors: frozenset[str] = frozenset()
    anchor_tops: dict[str, float] = field(default_factory=dict)  # each anchor's top, in points
    sections: tuple[str, ...] = ()  # the chapters (or glossary, sources) on the page

    @property
    def content(self) -> list[Line]:
        """What fills the page's text area: lines of text and ruled writing lines."""
        return self.lines

    @property
    def content_bottom(self) -> float | None:
        return max((line.bottom for line in self.lines), default=None)

    @property
    def band(self) -> float:
        """The empty band above the notes (or the foot of the page), in points."""
        bottom = self.content_bottom
        if bottom is None:
            return 0.0
        floor = self.note_top if self.note_top is not None else self.bottom
        return max(0.0, floor - bottom)


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "pseudo_type", None):
        return set()
    return set((element.get("class") or "").split())


@dataclass(frozen=True)
class _Around:
    """What a box stands in: the nearest id, its section, and what kind of line it makes."""

    anchor: str = ""
    section: str = ""
    kind: str = "text"
    skipped: bool = False  # apparatus beside the text (a ¶ number)


def _around(box: Any, outer: _Around) -> _Around:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "pseudo_type", None):
        return outer
    classes = _classes(box)
    tag = getattr(box, "element_tag", "")
    anchor, section, kind, skipped = outer.anchor, outer.section, outer.kind, outer.skipped
    own = element.get("id")
    if own and tag not in ("html", "body"):
        anchor = own
        if tag in ("section", "nav") and (classes & set(SECTIONS) or tag == "nav"):
            section = own
    if tag in HEADING_TAGS or classes & HEADING_CLASSES:
        kind = "heading"
    elif tag == "figcaption":
        kind = "caption"
    elif tag == "li" and kind != "heading" and outer.kind == "questions":
        kind = "question"
    elif "questions" in classes:
        kind = "questions"
    if CLASSES.pnum in classes:
        skipped = True
    return _Around(anchor, section, kind, skipped)


def _text_of(box: Any) -> str:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return box.text
    return "".join(_text_of(child) for child in getattr(box, "children", []) or [])


def _text_boxes(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
        return
    if _classes(box) & {CLASSES.pnum}:
        return
    for child in getattr(box, "children", []) or []:
        yield from _text_boxes(child)


def _right(line: Any) -> float:
    boxes_ = list(_text_boxes(line))
    if not boxes_:
        return line.position_x
    return max(b.position_x + b.width for b in boxes_)


@cache
def _measurer() -> Any:
    from weasyprint.text.line_break import create_layout, line_size

    def width(text: str, style: Any) -> float:
        if not text:
            return 0.0
        layout = create_layout(text, style, None, None, 0)
        line, _ = layout.get_first_line()
        return line_size(line, style)[0]

    return width


def _broken_word(line: Any) -> tuple[float, float, str]:
    """Where the word broken at the end of a hyphenated line begins and where the line's
    last glyph would be without it (in pixels), and its part on this line (no hyphen)."""
    texts = [b for b in _text_boxes(line) if b.text]
    if not texts:
        return line.position_x, line.position_x, ""
    last = texts[-1]
    text = last.text.rstrip()
    for hyphen in ADDED_HYPHENS:
        text = text.removesuffix(hyphen)
    cut = text.rfind(" ") + 1
    head = text[cut:]
    if cut == 0:  # the word began in a box before ("of <a>civil</a>-"): from that box's end
        before = [b for b in texts[:-1] if b.text.strip()]
        end = before[-1].position_x + before[-1].width if before else last.position_x
        return last.position_x, end, head
    start = last.position_x + _measurer()(last.text[:cut], last.style)
    bare = last.position_x + _measurer()(last.text[:cut].rstrip(), last.style)
    return start, bare, head


def _lines(box: Any, around: _Around, block: Any = None) -> Iterator[tuple[Any, _Around, Any]]:
    """The line boxes (and ruled writing lines) under `box`, each with what it stands in and
    the block whose measure it fills."""
    from weasyprint.formatting_structure import boxes

    here = _around(box, around)
    if here.skipped:
        return
    if isinstance(box, boxes.LineBox):
        yield box, here, block
        return
    if ANSWER_LINE in _classes(box):
        yield box, _Around(here.anchor, here.section, "answer"), block
        return
    if isinstance(box, boxes.ReplacedBox) or {FIGURE_CLASS, "decorative"} <= _classes(box):
        yield box, _Around(here.anchor, here.section, "figure"), block  # a picture, whole
        return
    if isinstance(box, boxes.BlockContainerBox):
        block = box
    for child in getattr(box, "children", []) or []:
        yield from _lines(child, here, block)


def _limit(block: Any, line: Any) -> float:
    """Where the measure of `line` ends: its block's content box's right edge."""
    if block is not None and isinstance(block.width, int | float):
        return block.content_box_x() + block.width
    return line.position_x + (line.width if isinstance(line.width, int | float) else 0)


def _line(box: Any, around: _Around, kind: str, block: Any = None) -> Line | None:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox):
        text = _text_of(box)
        if not text.strip():
            return None
        kind = "question" if kind == "text" and around.kind == "question" else kind
        kind = "heading" if around.kind == "heading" else kind
        kind = "caption" if kind == "text" and around.kind == "caption" else kind
        right = _right(box)
        hyphenated = text.rstrip(" ").endswith(ADDED_HYPHENS) and _ends_with_added_hyphen(box)
        start, bare, head = _broken_word(box) if hyphenated else (0.0, 0.0, "")
        top, height = box.position_y, box.height
    else:  # a ruled writing line (a block with a border at its foot), or a picture
        text, right, hyphenated = "", box.position_x + box.width, False
        start, bare, head = 0.0, 0.0, ""
        top, height = box.position_y, box.margin_height()
    limit = _limit(block, box)
    return Line(
        top * PT,
        (top + height) * PT,
        box.position_x * PT,
        right * PT,
        limit * PT,
        text.strip(),
        around.kind if around.kind in ("answer", "figure") else kind,
        around.anchor,
        around.section,
        hyphenated,
        start * PT,
        bare * PT,
        head,
    )


def _ends_with_added_hyphen(line: Any) -> bool:
    """Whether the line's last text is a word broken by the layout (a soft hyphen's), not a
    compound's own hyphen: WeasyPrint draws its `hyphenate-character` there."""
    texts = [b for b in _text_boxes(line) if b.text.strip()]
    if not texts:
        return False
    last = texts[-1]
    return last.text.rstrip(" ").endswith(last.style["hyphenate_character"])


def read_page(page: Any, number: int) -> Page:
    """One laid-out page of a WeasyPrint Document, as its lines, notes and heads."""
    from weasyprint.formatting_structure import boxes

    box = page._page_box
    result = Page(number, bool(box.page_type.blank))
    result.top = box.content_box_y() * PT
    result.bottom = (box.content_box_y() + box.height) * PT
    result.right = (box.content_box_x() + box.width) * PT
    result.anchors = frozenset(page.anchors)
    result.anchor_tops = {name: box[1] * PT for name, box in page.anchors.items()}
    sections: list[str] = []
    for child in box.children:
        if isinstance(child, boxes.FootnoteAreaBox):
            if child.children:
                result.note_top = (child.position_y + child.margin_top) * PT
                result.note_space = child.margin_top * PT
                for line, around, block in _lines(child, _Around()):
                    made = _line(line, around, "note", block)
                    if made:
                        result.notes.append(made)
        elif isinstance(child, boxes.MarginBox):
            kind = "folio" if child.at_keyword.startswith("@bottom") else "head"
            for line, around, block in _lines(child, _Around()):
                made = _line(line, around, kind, block)
                if made:
                    result.heads.append(made)
        elif not isinstance(child, boxes.PageBox):
            raw = []
            for line, around, block in _lines(child, _Around()):
                made = _line(line, around, "text", block)
                if made:
                    result.lines.append(made)
                    raw.append(line)
                    if made.section and made.section not in sections:
                        sections.append(made.section)
            # In reading order down the page (the box tree's order may differ: a list item's
            # marker, a block after a float)
            order = sorted(
                range(len(raw)), key=lambda i: (result.lines[i].top, result.lines[i].left)
            )
            result.lines = _with_word_widths(
                [result.lines[i] for i in order], [raw[i] for i in order]
            )
    result.sections = tuple(sections)
    return result


def _with_word_widths(lines: list[Line], raw: list[Any]) -> list[Line]:
    """Each hyphenated line with the width its broken word would have had whole: its part
    here and the first word of the next line, set in the style of the line's last text."""
    from dataclasses import replace

    out = list(lines)
    for index, line in enumerate(lines[:-1]):
        after = lines[index + 1]
        if not line.hyphenated or after.anchor != line.anchor or after.kind == "answer":
            continue
        texts = [b for b in _text_boxes(raw[index]) if b.text.strip()]
        tail = after.text.split(" ", 1)[0]  # with what holds to it: "ing," of "continuing,"
        whole = (line.word_head + tail).replace("\u00ad", "")
        out[index] = replace(line, word_width=_measurer()(whole, texts[-1].style) * PT)
    return out


def read_pages(document: Any, first_page: int = 1) -> list[Page]:
    return [read_page(page, number) for number, page in enumerate(document.pages, first_page)]


def body_line_height(pages: list[Page]) -> float:
    """The text's line height, in points: the most common height of a line of text."""
    heights: dict[float, int] = {}
    for page in pages:
        for line in page.lines:
            if line.kind == "text":
                key = round(line.height, 1)
                heights[key] = heights.get(key, 0) + 1
    return max(heights, key=lambda h: (heights[h], h)) if heights else 12.0


def entries_of_contents(document: Any) -> Iterator[tuple[str, list[float], int, float]]:
    """Each contents entry set in several lines: its id, the width of each word of its title
    with the space after it, its number of lines, and its measure (in pixels)."""
    from weasyprint.formatting_structure import boxes

    for page in document.pages:
        for box in page._page_box.descendants():
            if not isinstance(box, boxes.BlockBox) or "toc-item" not in _classes(box):
                continue
            lines = [b for b in box.children if isinstance(b, boxes.LineBox)]  # not the number's
            texts = [
                t
                for t in box.descendants()
                if isinstance(t, boxes.TextBox)
                and not getattr(t, "pseudo_type", None)
                and "toc-part" not in _classes(t)
                and not getattr(t, "element_tag", "").endswith("::after")
            ]
            if len(lines) < 2 or not texts or not box.element.get("id"):
                continue
            words = " ".join(t.text for t in texts).split()
            widths = [_measurer()(word + " ", texts[0].style) for word in words]
            yield box.element.get("id"), widths, len(lines), box.width
