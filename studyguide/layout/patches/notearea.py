"""The note area of the page being made, for the continued-notes patch (footnotes.py):
each page's notes laid out at its foot, a note carried over from the page before at its top
under a line that says so, and the last note split where the page is full."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import inf
from typing import Any

MIN_LINES = 1  # of a note on its call's page, when the rest goes over (print.css: orphans)
LABEL_ATTRIBUTE = "data-note-continued"  # on the root element: "{number} (continued)"
MARKER = "::footnote-marker"

# Digests of the functions edited here, as shipped in WeasyPrint 70.0.

# WeasyPrint's own functions that footnotes.py replaces, for what the patch leaves to them.
ORIGINAL: dict[str, Any] = {}


@dataclass
class PageNotes:
    """What the note area of the page being made holds beyond WeasyPrint's own list."""

    area_bottom: float = inf  # the foot of the page's content, where the notes end
    continued: Any = None  # the note carried over from the page before, at the top
    continued_at: Any = None  # where in it to go on (a WeasyPrint skip stack)
    split_top: float | None = None  # a split was asked for: the notes begin here
    # (the last note, where it goes on on the next page, its number)
    split: tuple[Any, Any, str] | None = None
    # The line a split made room for (make_room), and the notes that split sent over: if
    # the line is taken off the page again, the split is undone.
    room_for: tuple[Any, list[Any]] | None = None
    carried: dict[int, tuple[Any, Any, str]] = field(default_factory=dict)  # page → note
    continued_number: str = ""
    label: str = ""  # what a continued note is labelled: "{number} (continued)"
    in_notes: bool = False  # the note area itself is being laid out
    # The copy of the note area being laid out (its copies of the notes → the notes), and
    # the notes laid out at its natural height for the page being made (note_layout).
    natural: tuple[Any, dict[int, Any]] | None = None
    drawn: bool = False  # (the area being laid out is the page's own, not a measure)
    laid_notes: dict[tuple, tuple[float, tuple]] = field(default_factory=dict)


def page_notes(context: Any) -> PageNotes:
    state = context.__dict__.get("_studyguide_notes")
    if state is None:
        state = context.__dict__["_studyguide_notes"] = PageNotes()
    return state


# ------------------------------------------------------------------ the note area


def _skip_stack(state: PageNotes, notes: list[Any]) -> dict[int, Any] | None:
    if state.continued is not None and notes and notes[0] is state.continued:
        return {0: state.continued_at}
    return None


def _area_box(area: Any, skip: dict[int, Any] | None) -> Any:
    """A copy of the note area to lay out. With a note carried over at its top (a skip
    stack), WeasyPrint would take the area itself for a continued box and drop its top margin
    (the space above its rule): the copy keeps it."""
    from weasyprint.formatting_structure import build

    box = build.create_anonymous_boxes(area.deepcopy())
    if skip is not None:
        box.__class__ = _continued_area_class(type(box))
    return box


_AREA_CLASSES: dict[type, type] = {}


def _continued_area_class(base: type) -> type:
    if base not in _AREA_CLASSES:

        def remove_decoration(self: Any, start: bool, end: bool) -> None:
            base.remove_decoration(self, False, end)

        _AREA_CLASSES[base] = type(base.__name__, (base,), {"remove_decoration": remove_decoration})
    return _AREA_CLASSES[base]


def _number(note: Any) -> str:
    """The number a note is marked with ("6" for "6. ")."""
    from weasyprint.formatting_structure import boxes

    for box in note.descendants():
        if getattr(box, "element_tag", "").endswith(MARKER):
            text = "".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox))
            return text.strip().rstrip(".")
    return ""


def _label(context: Any, area: Any, note: Any) -> Any:
    """The line above a note carried over from the page before, laid out at the area's top."""
    from weasyprint.formatting_structure import boxes, build
    from weasyprint.layout.block import block_level_layout

    state = page_notes(context)
    text = state.label.replace("{number}", state.continued_number)
    block = boxes.BlockBox.anonymous_from(note, [boxes.TextBox.anonymous_from(note, text)])
    for box in (block, block.children[0]):
        box.style["font_style"] = "italic"
    block = build.create_anonymous_boxes(block)
    block.studyguide_label = True  # tagged Lbl, not as a note of its own (tagging.py)
    block.position_x, block.position_y = area.position_x, 0
    return block_level_layout(context, block, -inf, None, area.page, False, [], [])[0]


def _with_label(area: Any, label: Any | None) -> Any:
    """`area` with `label` above its first note: the area grows upward by the label's height."""
    if label is None:
        return area
    height = label.margin_height()
    area.position_y -= height
    area.height += height
    label.translate(
        area.content_box_x() - label.position_x, area.content_box_y() - label.position_y
    )
    area.children = [label, *area.children]
    return area


def _content_bottom(area: Any) -> float:
    last = area.children[-1]
    return last.position_y + last.margin_height() - last.margin_bottom


def _lines(box: Any) -> int:
    from weasyprint.formatting_structure import boxes

    return sum(1 for child in box.descendants() if isinstance(child, boxes.LineBox))


def _lay_out_area(context: Any, positioned: Any = None) -> tuple[Any, bool]:
    """The page's note area laid out (at the foot of the page), and whether its last note is
    split; `PageNotes.split` says where it goes on."""
    state = page_notes(context)
    state.in_notes = True
    try:
        return _lay_out_notes(context, positioned)
    finally:
        state.in_notes = False


@contextmanager
def _notes_of(state: PageNotes, box: Any, notes: list[Any], drawn: bool) -> Iterator[None]:
    """While `box`, a copy of the note area holding `notes`, is laid out: its notes may be
    taken from those laid out before on the page (note_layout)."""
    if len(box.children) == len(notes):
        copies = zip(box.children, notes, strict=True)
        state.natural = (box, {id(copy): note for copy, note in copies})
        state.drawn = drawn
    try:
        yield
    finally:
        state.natural = None


def _lay_out_notes(context: Any, positioned: Any) -> tuple[Any, bool]:
    from weasyprint.layout.block import block_level_layout

    state = page_notes(context)
    area = context.current_footnote_area
    notes = area.children
    skip = _skip_stack(state, notes)
    state.split = None
    measured = positioned is None
    positioned = [] if positioned is None else positioned
    label = _label(context, area, notes[0]) if skip is not None and state.label else None
    above = label.margin_height() if label is not None else 0
    # (not as the first thing on a page, whose top margin WeasyPrint would drop: the note
    # area's margin is the space above its rule)
    box = _area_box(area, skip)
    with _notes_of(state, box, notes, drawn=not measured):
        natural = block_level_layout(
            context, box, -inf, skip, area.page, False, positioned, positioned
        )[0]
    extent = _content_bottom(natural) - natural.position_y + natural.margin_bottom + above
    top = state.area_bottom - extent
    limit = state.split_top if state.split_top is not None else -inf
    if natural.max_height != inf:
        limit = max(limit, state.area_bottom - natural.max_height - natural.margin_top)
    if top >= limit - 0.01:
        return _with_label(natural, label), False
    box = _area_box(area, skip)
    box.position_y = limit + above
    saved, context.page_bottom = context.page_bottom, state.area_bottom
    try:
        with _notes_of(state, box, notes, drawn=not measured):
            limited, resume_at, *_ = block_level_layout(
                context, box, 0, skip, area.page, False, positioned, positioned
            )
    finally:
        context.page_bottom = saved
    if limited is None or not resume_at:
        return _with_label(natural, label), False
    ((index, within),) = resume_at.items()
    if within is None or index >= len(limited.children):
        return _with_label(natural, label), False
    head = limited.children[index]
    if _lines(head) < MIN_LINES and not (index == 0 and skip):
        return _with_label(natural, label), False
    number = state.continued_number if index == 0 and skip else _number(head)
    state.split = (notes[index], within, number)
    return _with_label(limited, label), True


def update_footnote_area(self: Any) -> bool:
    """LayoutContext._update_footnote_area, with notes split at the foot of the page."""
    if self.in_column:
        return ORIGINAL["_update_footnote_area"](self)
    state = page_notes(self)
    area = self.current_footnote_area
    area.children = self.current_page_footnotes
    if not area.children:
        state.split = None
        area.height = 0
        self.page_bottom = state.area_bottom - area.margin_height()
        return False
    laid, split = _lay_out_area(self)
    area.height = laid.height
    self.page_bottom = state.area_bottom - laid.margin_height()
    if split and state.split is not None and state.split[0] is not area.children[-1]:
        # A note split before the last: the notes after it go over, after its rest (several
        # calls in the line that filled the page).
        index = next(i for i, note in enumerate(area.children) if note is state.split[0])
        for note in list(area.children[index + 1 :]):
            self.report_footnote(note)
    return False


def _text_bottom(root: Any) -> float:
    """The foot of what is set on the page under `root`: its lowest line or box without
    content of its own (a ruled writing line, an image)."""
    from weasyprint.formatting_structure import boxes

    return max(
        (
            box.position_y + box.margin_height() - box.margin_bottom
            for box in root.descendants()
            if isinstance(box, boxes.LineBox) or not getattr(box, "children", None)
        ),
        default=root.position_y,
    )


def _room_not_taken(context: Any, root: Any) -> None:
    """A split made to make room for a line (footnotes.make_room) undone where the line is not
    on the page as laid out: WeasyPrint took it off again (a heading that may not end a
    page went over with what follows it, its block aborted). The notes are then as they were
    before it, those it sent over back on the page; kept, the split cut a note that fitted
    and sent the notes after it away from their calls (which the makeup mended with a line
    broken short before a call)."""
    state = page_notes(context)
    if state.room_for is None:
        return
    line, sent = state.room_for
    if root is None or any(box is line for box in root.descendants()):
        return
    kept = (
        list(context.current_page_footnotes), list(context.reported_footnotes),
        state.room_for, state.split, state.split_top,
    )  # fmt: skip
    state.room_for = state.split = state.split_top = None
    for note in sent:
        if note in context.reported_footnotes:  # (not taken off with its call's line)
            context.reported_footnotes.remove(note)
            context.current_page_footnotes.append(note)
    context._update_footnote_area()
    if context.overflows_page(0, _text_bottom(root)):
        # the notes whole do not fit under the text that stays: split as they were
        context.current_page_footnotes[:], context.reported_footnotes[:] = kept[:2]
        state.room_for, state.split, state.split_top = kept[2:]
        context._update_footnote_area()


def final_footnote_area(
    context: Any, footnote_area: Any, positioned: Any, number: int, root: Any
) -> Any:
    """The page's note area as drawn (under `root`, the page's laid-out text); a note split
    at its foot is carried to the next page, first among the notes that go over."""
    state = page_notes(context)
    context.current_footnote_area = footnote_area
    _room_not_taken(context, root)
    if not footnote_area.children:
        from weasyprint.formatting_structure import build
        from weasyprint.layout.block import block_level_layout

        laid = block_level_layout(
            context, build.create_anonymous_boxes(footnote_area.deepcopy()), -inf, None,
            footnote_area.page, True, positioned, positioned,
        )[0]  # fmt: skip
        laid.translate(dy=-laid.margin_height())
        return laid
    laid, split = _lay_out_area(context, positioned)
    if split:
        laid.translate(dy=state.area_bottom - (laid.position_y + laid.margin_height()))
        context.reported_footnotes.insert(0, state.split[0])
        state.carried[number + 1] = state.split
    else:
        laid.translate(dy=-laid.margin_height())
        state.carried.pop(number + 1, None)
    return laid


def begin_page(context: Any, number: int, root: Any) -> None:
    """The note area of a new page: where it ends, and the note carried over, if any."""
    state = page_notes(context)
    element = getattr(root, "element", None)
    state.label = (element.get(LABEL_ATTRIBUTE) or "") if element is not None else ""
    state.area_bottom = context.page_bottom
    state.split_top = None
    state.laid_notes = {}
    state.split = None
    state.room_for = None
    carried = state.carried.get(number)
    if carried and context.reported_footnotes and context.reported_footnotes[0] is carried[0]:
        state.continued, state.continued_at, state.continued_number = carried
    else:
        state.continued = state.continued_at = None
        state.continued_number = ""


def note_layout(original: Any) -> Any:
    """WeasyPrint's block_level_layout, remembering each note of the page being made as laid
    out at the area's natural height (without a page's foot), where the area is only
    measured: each time a line calls a note, the page's notes are measured again, and each
    was laid out anew (most of the time of the note area). A note's layout there depends on
    nothing but the note and the margins above it, so it is taken again, moved to its place;
    so too where the area is laid out against the page's foot (to split its last note), for
    each note that ends above the foot (one that fits is laid out as if there were none).
    """

    def block_level_layout(
        context: Any, box: Any, bottom_space: float, skip_stack: Any, containing_block: Any,
        page_is_empty: bool = True, absolute_boxes: Any = None, fixed_boxes: Any = None,
        adjoining_margins: Any = None, *rest: Any,
    ) -> Any:  # fmt: skip
        arguments = (
            context, box, bottom_space, skip_stack, containing_block, page_is_empty,
            absolute_boxes, fixed_boxes, adjoining_margins, *rest,
        )  # fmt: skip
        state = context.__dict__.get("_studyguide_notes")
        natural = state.natural if state is not None else None
        if (
            natural is None
            or containing_block is not natural[0]
            or skip_stack is not None
            or context.excluded_shapes
            or any(style is not None for style in rest[:2])  # (first-letter, first-line)
        ):
            return original(*arguments)
        note = natural[1].get(id(box))
        key = (note, page_is_empty, tuple(adjoining_margins or ()), box.position_x, rest)
        laid = state.laid_notes.get(key) if note is not None else None
        if laid is not None:
            top, (new_box, *others) = laid
            bottom = new_box.position_y + new_box.margin_height() + box.position_y - top
            # (against the page's foot, a note that ends above it is laid out as without
            # one; one that may not has to be laid out there)
            if bottom_space != -inf and context.overflows_page(bottom_space, bottom):
                return original(*arguments)
            if state.drawn:  # a copy for the page; the one kept stays where it was
                new_box = new_box.deepcopy()
            else:  # moved (a measure is dropped once read)
                state.laid_notes[key] = (box.position_y, (new_box, *others))
            new_box.translate(dy=box.position_y - top)
            return (new_box, others[0], others[1], list(others[2]), *others[3:])
        top, placed = box.position_y, len(absolute_boxes or ())
        result = original(*arguments)
        measure = note is not None and not state.drawn and bottom_space == -inf
        whole = result[0] is not None and result[1] is None
        if measure and whole and len(absolute_boxes or ()) == placed:  # (nothing positioned)
            new_box, resume_at, next_page, margins, *others = result
            state.laid_notes[key] = (top, (new_box, resume_at, next_page, list(margins), *others))
        return result

    return block_level_layout
