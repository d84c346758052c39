"""Notes that continue at the foot of the next page, as a typesetter sets them (WeasyPrint 70
never splits a footnote).

WeasyPrint keeps a note whole: when a line's note does not fit under it (`footnote-policy:
line`), the line goes to the next page with its note, and a long note leaves a page empty
from that line down to the notes (a "hole"); a note longer than a page is cut off. Here,
as TeX splits its footnote inserts:

- a line whose note does not fit stays on its page, and the note begins under the page's
  text, filling the page; the rest of it is carried to the top of the next page's notes,
  before that page's own, under a line that says so (its words are the root element's
  `data-note-continued`, in the book's language: "6 (continued)");
- a note is split where at least a line of it stays on the call's page (the note's
  `orphans`, 1 in print.css) and at least two go over (its `widows`); where not even that
  fits, the line goes over with its note, as before;
- where a line calls several notes and an earlier one is split, the later ones go over
  whole, after its rest (as TeX does);
- where a paragraph's last line (or one its `orphans` keep) does not fit above the notes,
  the page's last note is split to make room, rather than lines carried over with a hole;
  if WeasyPrint then takes that line off the page after all (a heading, which may not end
  a page, goes over with what follows it), the split is undone when the page is made: the
  note ends on its call's page and the notes after it stay there too (kept, the split sent
  them away from their calls, and the makeup broke a line short before a call to follow);
- a line that goes over (because it or its note does not fit) goes alone where the lines
  before it call notes: a widow rather than those lines and their notes carried over too,
  emptying the foot of the page;
- the notes of a page never take more of it than the note area's `max-height` (print.css),
  so that every page keeps some lines of text; a note longer than that continues over as
  many pages as it needs;
- WeasyPrint's move of a page's last note to the next page so that a line fits under a
  `widows` or `orphans` rule (Kozea/WeasyPrint#1564, which parted notes from their calls)
  is not made: the line's paragraph breaks where `orphans` and `widows` allow instead.

The three functions changed are WeasyPrint's own, edited at the source (each edit must
match once) and checked against the version they were written for (patches/__init__.py).
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

from studyguide.layout.patches import log, source_digest
from studyguide.layout.patches.notearea import (
    ORIGINAL,
    begin_page,
    final_footnote_area,
    note_layout,
    page_notes,
    update_footnote_area,
)

_EXPECTED = {
    "_linebox_layout": "e07bbe000974787e",
    "make_page": "656f183328e8b1b5",
    "_update_footnote_area": "2e317e4b066fb80c",
    "unlayout_footnote": "c7c223cf4a0fda54",
    "report_footnote": "f05bad3895c6824c",
    "block_level_layout": "c1301dde9284e245",
}

__all__ = ["begin_page", "final_footnote_area"]  # called from WeasyPrint's edited source


# ------------------------------------------------------------------ a line's note


def split_here(
    context: Any, footnote: Any, line_bottom: float, bottom_space: float, reserve: float = 0.0
) -> bool:
    """Whether `footnote`, called in the line ending at `line_bottom`, is split under it (the
    line stays; the page is full once `reserve` more is set, the lines its paragraph's
    `orphans` keep with it); if not, WeasyPrint moves the line to the next page."""
    state = page_notes(context)
    if (
        context.in_column
        or state.in_notes
        or context.reported_footnotes
        or state.split is not None
        or not context.current_page_footnotes
        or context.current_page_footnotes[-1] is not footnote
        or footnote.style["footnote_policy"] != "line"
    ):
        return False
    state.split_top = line_bottom + reserve
    context._update_footnote_area()
    if state.split is not None and not context.overflows_page(bottom_space, line_bottom + reserve):
        return True
    state.split_top = None
    context._update_footnote_area()
    return False


def make_room(context: Any, line: Any, line_bottom: float, bottom_space: float) -> bool:
    """Whether the page's last note is split so that `line`, ending at `line_bottom`, fits
    above the notes (the page is then full). Not for a line that calls notes of its own:
    they could not begin on the page once another note is split."""
    state = page_notes(context)
    if any(getattr(box, "footnote", None) is not None for box in line.descendants()):
        return False
    if (
        context.in_column
        or state.in_notes
        or context.reported_footnotes
        or state.split is not None
        or not context.current_page_footnotes
        or context.current_page_footnotes[-1].style["footnote_policy"] != "line"
    ):
        return False
    staying = list(context.current_page_footnotes)
    state.split_top = line_bottom
    context._update_footnote_area()
    if state.split is not None and not context.overflows_page(bottom_space, line_bottom):
        sent = [note for note in staying if note not in context.current_page_footnotes]
        state.room_for = (line, sent)
        return True
    state.split_top = None
    context._update_footnote_area()
    return False


def went_over(context: Any, footnote: Any) -> bool:
    """Whether `footnote` went over whole after a note split before it (its line stays)."""
    state = page_notes(context)
    return (
        state.split is not None
        and footnote not in context.current_page_footnotes
        and any(note is footnote for note in context.reported_footnotes)
    )


def holds_a_call(context: Any, lines: list[Any]) -> bool:
    """Whether a note's call is among `lines`, which `widows` would carry over with the line
    that does not fit: its note would go too, and empty the foot of the page."""
    return any(
        getattr(box, "footnote", None) is not None for line in lines for box in line.descendants()
    )


def unlayout_footnote(self: Any, footnote: Any) -> None:
    _forget_split(self, footnote)
    ORIGINAL["unlayout_footnote"](self, footnote)


def report_footnote(self: Any, footnote: Any) -> None:
    _forget_split(self, footnote)
    ORIGINAL["report_footnote"](self, footnote)


def _forget_split(context: Any, footnote: Any) -> None:
    state = page_notes(context)
    if state.split is not None and state.split[0] is footnote:
        state.split = None
        state.split_top = None
        state.room_for = None


# ------------------------------------------------------------------ WeasyPrint's source, edited

_LINEBOX_EDITS = (
    # A line that does not fit because of the notes, where breaking before it would carry
    # lines over (its paragraph's last line, for `widows`; one `orphans` needs): the page's
    # last note is split to make room for it.
    (
        "            context.overflows_page(bottom_space, new_position_y + offset_y))\n"
        "        if overflow:\n",
        "            context.overflows_page(bottom_space, new_position_y + offset_y))\n"
        "        if overflow and (\n"
        "                (resume_at is None and box.style['widows'] > 1) or\n"
        "                len(new_children) < box.style['orphans']) and \\\n"
        "                _studyguide_notes.make_room(\n"
        "                    context, line, new_position_y + offset_y, bottom_space):\n"
        "            overflow = False\n"
        "        if overflow:\n",
    ),
    # #1564: no note is moved to the next page to make room for a line (it parted notes
    # from their calls); the paragraph breaks where orphans and widows allow.
    (
        "report = not context.in_column and can_break_now and not could_break_before",
        "report = False",
    ),
    # A line whose note goes over with it goes alone: a widow is left rather than the lines
    # before it dragged along, which would empty the foot of the page.
    (
        "                        if footnote.style['footnote_policy'] == 'line':\n"
        "                            if needed := box.style['widows'] - 1:\n",
        "                        if footnote.style['footnote_policy'] == 'line':\n"
        "                            if needed := 0:\n",
    ),
    # A widow is left rather than a line with a note's call carried over (its note with it).
    (
        "            needed = max(0, needed)\n",
        "            needed = max(0, needed)\n"
        "            if needed and _studyguide_notes.holds_a_call(\n"
        "                    context, new_children[-needed:]):\n"
        "                needed = 0\n",
    ),
    (
        "                if overflow:\n                    context.report_footnote(footnote)\n",
        "                if overflow and _studyguide_notes.went_over(context, footnote):\n"
        "                    continue\n"
        "                if overflow and _studyguide_notes.split_here(\n"
        "                        context, footnote, new_position_y + offset_y, bottom_space,\n"
        "                        0 if resume_at is None else max(\n"
        "                            0, box.style['orphans'] - len(new_children) - 1\n"
        "                        ) * line.height):\n"
        "                    continue\n"
        "                if overflow:\n"
        "                    context.report_footnote(footnote)\n",
    ),
)

_MAKE_PAGE_EDITS = (
    (
        "    context.current_footnote_area = footnote_area\n",
        "    context.current_footnote_area = footnote_area\n"
        "    _studyguide_notes.begin_page(context, page_number, root_box)\n",
    ),
    (
        "    footnote_area = build.create_anonymous_boxes(footnote_area.deepcopy())\n"
        "    footnote_area = block_level_layout(\n"
        "        context, footnote_area, bottom_space=-inf, skip_stack=None,\n"
        "        containing_block=footnote_area.page, page_is_empty=True,\n"
        "        absolute_boxes=positioned_boxes, fixed_boxes=positioned_boxes)[0]\n"
        "    footnote_area.translate(dy=-footnote_area.margin_height())\n",
        "    footnote_area = _studyguide_notes.final_footnote_area(\n"
        "        context, footnote_area, positioned_boxes, page_number, root_box)\n",
    ),
)


def _edited(function: Any, edits: tuple[tuple[str, str], ...]) -> Any:
    """`function` compiled again from its source with `edits`, in its own module."""
    import sys

    source = textwrap.dedent(inspect.getsource(function))
    for old, new in edits:
        if source.count(old) != 1:
            raise RuntimeError(f"{function.__name__}: an edit does not match once")
        source = source.replace(old, new)
    module = sys.modules[function.__module__]
    namespace = module.__dict__
    namespace["_studyguide_notes"] = sys.modules[__name__]
    code = compile(source, f"<studyguide: {function.__module__}.{function.__name__}>", "exec")
    scope: dict[str, Any] = {}
    exec(code, namespace, scope)  # our own edit of WeasyPrint's pinned source
    edited = scope[function.__name__]
    edited._studyguide = True
    return edited


def apply() -> list[str]:
    """Edit WeasyPrint's line and page layout for continued notes; the names edited."""
    import weasyprint
    from weasyprint.layout import LayoutContext, block, page

    targets = (
        (block, "_linebox_layout", lambda f: _edited(f, _LINEBOX_EDITS)),
        (page, "make_page", lambda f: _edited(f, _MAKE_PAGE_EDITS)),
        (LayoutContext, "_update_footnote_area", lambda f: update_footnote_area),
        (LayoutContext, "unlayout_footnote", lambda f: unlayout_footnote),
        (LayoutContext, "report_footnote", lambda f: report_footnote),
        (block, "block_level_layout", note_layout),
    )
    current = {name: getattr(owner, name) for owner, name, _ in targets}
    if all(getattr(function, "_studyguide", False) for function in current.values()):
        return list(current)
    if any(source_digest(current[name]) != _EXPECTED[name] for name in current):
        log.warning(
            "studyguide: WeasyPrint %s is not the version the continued-notes patch was "
            "written for; it is skipped (long notes are not split): install from "
            "requirements.lock",
            weasyprint.__version__,
        )
        return []
    for owner, name, make in targets:
        ORIGINAL[name] = current[name]
        replacement = make(current[name])
        replacement._studyguide = True
        setattr(owner, name, replacement)
    return list(current)
