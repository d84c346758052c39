"""What WeasyPrint (70) leaves undone in a book's lines, added to its line breaking and drawing.

- At most `MAX_HYPHENATED_IN_A_ROW` hyphenated lines in a row, and a soft hyphen used only
  when the line would otherwise end more than `HYPHENATION_ZONE` of its width short (CSS's
  `hyphenate-limit-lines` and `hyphenate-limit-zone`, which WeasyPrint does not apply to
  soft hyphens). Where a word may break at all is decided before layout
  (studyguide/render/typeset.py).
- Balanced headings (CSS's `text-wrap: balance`): a heading of several lines is set in the
  narrowest width that keeps its number of lines, so its lines are of even length and the
  last is never a single word.
- A hyphen added at a line break is drawn inside a marked-content span whose ActualText is
  a soft hyphen (U+00AD, as ISO 32000 asks of Tagged PDF): copied and extracted text gives
  the word whole.
- A text that ends with a space before an inline element (a citation, a glossary link) and
  would fit whole without that space is kept whole: WeasyPrint counted the trailing space
  in its width, took it for too long and broke it after its first word ("analyst dates a
  success-/ful", a third of a line).

Each patch checks that the function it wraps is the version it was written for (pyproject.toml
pins WeasyPrint), and leaves another version alone with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from studyguide.layout.patches import wrap_checked

MAX_HYPHENATED_IN_A_ROW = 2
HYPHENATION_ZONE = 0.12  # of the line's width
SOFT_HYPHEN = "\u00ad"
# Stands in for a soft hyphen where a line may not break inside a word: as long in UTF-8
# (two bytes, so every byte offset stays right), invisible, and no break opportunity.
_NO_BREAK = "\u034f"  # COMBINING GRAPHEME JOINER
BALANCED_TAGS = frozenset({"h1", "h2", "h3"})
BALANCED_CLASSES = frozenset({"book-subtitle"})
BALANCE_STEPS = 16
LINE_END_HYPHENS = ("-", "\u2010")

# Digests of the functions wrapped here, as shipped in WeasyPrint 70.0.
_EXPECTED = {
    "split_first_line": "39ad1016863ca34d",
    "iter_line_boxes": "04aec48abfcad809",
    "draw_first_line": "1bb8eae6d88e71b1",
}


class _State:
    hyphenate = True
    measure: float | None = None  # the width of the line being broken (its block's)


_STATE = _State()


# ------------------------------------------------------------------ hyphenation


def _hyphenated(result: tuple[Any, ...], style: Any) -> bool:
    return result[2] is not None and result[0].text.endswith(style["hyphenate_character"])


def _unmasked(result: tuple[Any, ...]) -> tuple[Any, ...]:
    layout = result[0]
    layout.text = layout.text.replace(_NO_BREAK, SOFT_HYPHEN)
    return result


def _fits_but_for_its_space(
    original: Any, text: str, style: Any, context: Any, max_width: Any, args: Any, kwargs: Any
) -> tuple[Any, ...] | None:
    """The text laid out whole, if it fits in `max_width` once its trailing spaces are left
    out (the caller allows a box its trailing space beyond the line's end)."""
    from weasyprint.text.line_break import create_layout, line_size

    stripped = text.rstrip(" ")
    if not stripped or style["white_space"] not in ("normal", "nowrap", "pre-line"):
        return None
    layout = create_layout(stripped, style, context, None, 0)
    line, _ = layout.get_first_line()
    width = line_size(line, style)[0]
    if width > max_width:
        return None
    layout = create_layout(text, style, context, None, 0)
    line, _ = layout.get_first_line()
    room = line_size(line, style)[0] + 0.01
    whole = original(text, style, context, room, *args, **kwargs)
    return whole if whole[2] is None else None


def _shortfall(plain: tuple[Any, ...], max_width: float) -> float:
    """How much of `max_width` the text, not hyphenated, would leave empty on its line.

    Its first line wider than `max_width` is a part that cannot break before the line's end
    (words tied by no-break spaces, "workers’ collective control"): none of the text stays
    on the line, which ends before it with all of `max_width` left empty, not with a part
    that "overflows" it (a negative shortfall refused the hyphen for a line a quarter
    short)."""
    width = plain[3]
    return max_width if width > max_width else max_width - width


def limited_split(original: Any) -> Any:
    def split_first_line(
        text: str, style: Any, context: Any, max_width: Any, *args: Any, **kwargs: Any
    ) -> tuple[Any, ...]:
        result = original(text, style, context, max_width, *args, **kwargs)
        if max_width and result[2] is not None and text.endswith(" "):
            whole = _fits_but_for_its_space(original, text, style, context, max_width, args, kwargs)
            if whole is not None:
                return whole
        if SOFT_HYPHEN not in text or not max_width or not _hyphenated(result, style):
            return result
        plain = _unmasked(
            original(
                text.replace(SOFT_HYPHEN, _NO_BREAK), style, context, max_width, *args, **kwargs
            )
        )
        # The zone is a share of the line's whole measure: a text after a link or a citation
        # has only the rest of the line for its width, and a share of that let a hyphen in
        # where the line was nearly full ("repro-" before a glossary link).
        measure = _STATE.measure or max_width
        if not _STATE.hyphenate or _shortfall(plain, max_width) <= HYPHENATION_ZONE * measure:
            return plain
        return result

    split_first_line._studyguide = True  # type: ignore[attr-defined]
    return split_first_line


def _last_text(box: Any) -> str:
    children = getattr(box, "children", None)
    if children:
        for child in reversed(children):
            text = _last_text(child)
            if text.strip():
                return text
        return ""
    return getattr(box, "text", "") or ""


def ends_hyphenated(line: Any) -> bool:
    return _last_text(line).rstrip(" ").endswith(LINE_END_HYPHENS)


def _limit_hyphens(lines: Iterator[Any]) -> Iterator[Any]:
    """The lines, with hyphenation switched off for a line after two hyphenated ones."""
    in_a_row = 0
    while True:
        previous = _STATE.hyphenate
        _STATE.hyphenate = in_a_row < MAX_HYPHENATED_IN_A_ROW
        try:
            item = next(lines, None)
        finally:
            _STATE.hyphenate = previous
        if item is None:
            return
        in_a_row = in_a_row + 1 if ends_hyphenated(item[0]) else 0
        yield item


# ------------------------------------------------------------------ balanced headings


def _balanced(box: Any) -> bool:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "pseudo_type", None):
        return False
    classes = set((element.get("class") or "").split())
    return getattr(box, "element_tag", "") in BALANCED_TAGS or bool(classes & BALANCED_CLASSES)


def _fits(original: Any, args: tuple[Any, ...], block: Any, width: float) -> int | None:
    """The number of lines at `width`, or None if a line would overflow it or break after a
    hyphen ("co-/operative" in a title)."""
    context, linebox, position_y, bottom_space, _skip, _block, *rest = args
    narrow = block.copy()
    narrow.width = width
    count = 0
    for line, resume in original(
        context, linebox, position_y, bottom_space, None, narrow, [], [], *rest[2:]
    ):
        right = max((c.position_x + c.width for c in line.children), default=0)
        if right - narrow.content_box_x() > width + 0.01:
            return None
        if resume is not None and ends_hyphenated(line):
            return None
        count += 1
    return count


def balanced_width(original: Any, args: tuple[Any, ...]) -> Any:
    """The heading's block, narrowed to the least width that keeps its number of lines.

    Whether a width does is not monotonic (a narrower one may avoid a break after a
    hyphen that a wider one makes), so widths are first tried in `BALANCE_STEPS` steps down
    to half, then the last step is refined."""
    block = args[5]
    lines = _fits(original, args, block, block.width)
    if lines is None or lines < 2:
        return block
    step = block.width / 2 / BALANCE_STEPS
    high = block.width
    for index in range(1, BALANCE_STEPS + 1):
        if _fits(original, args, block, block.width - index * step) == lines:
            high = block.width - index * step
    low = high - step
    while high - low > 0.5:
        middle = (low + high) / 2
        if _fits(original, args, block, middle) == lines:
            high = middle
        else:
            low = middle
    narrow = block.copy()
    narrow.width = high
    if block.style["text_align_all"] == "center":
        narrow.position_x += (block.width - high) / 2
    return narrow


def _measured(lines: Iterator[Any], measure: float) -> Iterator[Any]:
    """The lines, each broken knowing its block's measure (for the hyphenation zone)."""
    while True:
        previous = _STATE.measure
        _STATE.measure = measure
        try:
            item = next(lines, None)
        finally:
            _STATE.measure = previous
        if item is None:
            return
        yield item


def line_breaking(original: Any) -> Any:
    def iter_line_boxes(*args: Any) -> Iterator[Any]:
        if args[4] is None and _balanced(args[5]):
            args = (*args[:5], balanced_width(original, args), *args[6:])
        width = args[5].width if isinstance(args[5].width, int | float) else None
        yield from _limit_hyphens(_measured(original(*args), width))

    iter_line_boxes._studyguide = True  # type: ignore[attr-defined]
    return iter_line_boxes


# ------------------------------------------------------------------ copied text


# The last glyph of a TJ array as WeasyPrint writes it ("<00410042>" or "<00410042>-12"),
# four hex digits a glyph.
_LAST_GLYPH = re.compile(r"([0-9a-f]{4})>(-?[\d.]+)?$")


class _HyphenAsSoft:
    """A stream whose last text drawn has its last glyph (the added hyphen) marked with the
    ActualText of a soft hyphen."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._pending: str | None = None

    def show_text(self, text: str) -> None:
        if self._pending is not None:
            self._stream.show_text(self._pending)
        self._pending = text

    def flush(self) -> None:
        text = self._pending
        if text is None:
            return
        last = _LAST_GLYPH.search(text)
        if last is None:
            self._stream.show_text(text)
            return
        head = text[: last.start(1)]
        head = head[:-1] if head.endswith("<") else head + ">"
        if head:
            self._stream.show_text(head)
        self._stream.begin_marked_content("Span", "<< /ActualText <FEFF00AD> >>")
        self._stream.show_text(f"<{last.group(1)}>{last.group(2) or ''}")
        self._stream.end_marked_content()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def soft_hyphens(original: Any) -> Any:
    def draw_first_line(stream: Any, textbox: Any, *args: Any) -> Any:
        text = textbox.pango_layout.text
        if (
            not text.endswith(textbox.style["hyphenate_character"])
            or textbox.style["font_size"] < 1e-6
        ):
            return original(stream, textbox, *args)
        marked = _HyphenAsSoft(stream)
        emojis = original(marked, textbox, *args)
        marked.flush()
        return emojis

    draw_first_line._studyguide = True  # type: ignore[attr-defined]
    return draw_first_line


def apply() -> list[str]:
    """Wrap WeasyPrint's line breaking and text drawing; the names of the patches applied."""
    from weasyprint.draw import text as draw_text
    from weasyprint.layout import block, inline

    patches = (
        (inline, "split_first_line", limited_split),
        (block, "iter_line_boxes", line_breaking),
        (draw_text, "draw_first_line", soft_hyphens),
    )
    return [
        name
        for module, name, wrap in patches
        if wrap_checked(module, name, wrap, _EXPECTED[name], "typesetting")
    ]
