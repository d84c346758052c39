"""Where a figure goes in print when it does not fit where it stands: the page makeup's
mends for figures (makeup.py calls them).

A figure is never split (print.css: `break-inside: avoid`), so one that does not fit in the
room left at the foot of its page goes whole to the next page, and leaves a hole. As a
typesetter floats it to the next page's top, the makeup moves it after the text that
follows it, as much as fills the room; where nothing of its chapter follows it, before as
much of the page's last text as makes room for it there; where neither can be done (a
figure that ends a glossary entry under another figure), it is set smaller to fit the room,
down to MIN_SCALE of its height, no less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studyguide.layout.geometry import Line, Page, body_line_height
from studyguide.layout.proof import Fault

MIN_SCALE = 0.6  # a figure is set no smaller than this to fit the room left on its page


@dataclass
class FigureMends:
    """What the makeup changed of the figures of a part, by their ids."""

    after: dict[str, str] = field(default_factory=dict)  # figure → the block it follows
    before: dict[str, str] = field(default_factory=dict)  # figure → the block it precedes
    heights: dict[str, float] = field(default_factory=dict)  # figure → its picture's height, pt

    def key(self) -> tuple[Any, ...]:
        """What was changed; empty (false) where nothing was."""
        found = tuple(tuple(sorted(d.items())) for d in (self.after, self.before, self.heights))
        return found if any(found) else ()

    def css(self) -> str:
        return "\n".join(
            f"#{figure} img, #{figure}.decorative {{ max-height: {height:.1f}pt; }}"
            for figure, height in sorted(self.heights.items())
        )

    def apply(self, tree: Any) -> None:
        """Move each figure after (or before) the block the makeup chose (an lxml tree)."""
        for figure, block in self.after.items():
            _move(tree, figure, block, after=True)
        for figure, block in self.before.items():
            _move(tree, figure, block, after=False)

    def mend_hole(self, fault: Fault, pages: list[Page]) -> bool:
        return _mend_hole(fault, pages, self)


def _page(pages: list[Page], number: int) -> Page | None:
    return next((page for page in pages if page.number == number), None)


def _move(tree: Any, figure: str, block: str, after: bool) -> None:
    """The figure moved to just after (or before) the block, or the block's ancestor that
    stands beside the figure."""
    figures, blocks = tree.xpath(f'//*[@id="{figure}"]'), tree.xpath(f'//*[@id="{block}"]')
    if not figures or not blocks:
        return
    moved, beside = figures[0], blocks[0]
    if moved in beside.iterancestors() or beside in moved.iterancestors():
        # the block holds the figure (a glossary entry): to the end of the figure's own
        # container, after the text that follows it there
        beside = moved.getparent()[-1] if after else moved.getparent()[0]
    while beside is not None and beside.getparent() is not moved.getparent():
        beside = beside.getparent()
    if beside is None or beside is moved:
        return
    if after:
        beside.addnext(moved)
    else:
        beside.addprevious(moved)


def _mend_hole(fault: Fault, pages: list[Page], mends: FigureMends) -> bool:
    """A hole left by a figure that did not fit in the room at the foot of its page and
    went to the next: the figure moved after the text that follows it, as much of it as
    fills the room (the block that will then run over the page turn), so that the text
    fills the page and the figure stands near the next one's top; where nothing of its
    chapter follows it, moved before as much of the page's last text as makes room for it
    there."""
    page, after = _page(pages, fault.page), _page(pages, fault.page + 1)
    if page is None or after is None or not after.lines or not page.lines:
        return False
    first = after.lines[0]
    figure = first.anchor
    if first.kind != "figure" or not figure:
        return False
    if figure in mends.before:
        return False
    own = [line for line in after.lines if line.anchor == figure]
    following = [line for line in after.lines[len(own) :] if _movable(line, first)]
    room = page.band
    if following and following[0] is after.lines[len(own)] and figure not in mends.after:
        start = following[0].top
        for index, line in enumerate(following):
            last = (
                index + 1 == len(following)
                or following[index + 1] is not after.lines[len(own) + index + 1]
            )
            if (line.bottom - start >= room or last) and line.anchor:
                mends.after[figure] = line.anchor
                return True
        return False
    # Nothing of its chapter after it: before the page's last text, as much as it needs.
    need = own[-1].bottom - first.top + 2 * body_line_height(pages)
    bottom = page.lines[-1].bottom
    for index in range(len(page.lines) - 1, -1, -1):
        line = page.lines[index]
        if not _movable(line, first) or line.kind in ("figure", "caption"):
            break
        starts = index == 0 or page.lines[index - 1].anchor != line.anchor
        if starts and room + bottom - line.top >= need and line.anchor:
            mends.after.pop(figure, None)
            mends.before[figure] = line.anchor
            return True
    return _shrink(figure, own, room, mends)


def _shrink(figure: str, own: list[Line], room: float, mends: FigureMends) -> bool:
    """The figure set smaller, to fit the room left on the page before, if that keeps at
    least MIN_SCALE of its height."""
    picture, caption = own[0], own[-1].bottom - own[0].bottom
    height = room - caption - 24  # (the figure's margins, in points)
    if figure in mends.heights or height < MIN_SCALE * picture.height:
        return False
    mends.heights[figure] = height
    return True


def _movable(line: Line, figure: Line) -> bool:
    """A line of the text a figure may be moved past: its chapter's running text."""
    return line.section == figure.section and line.kind in ("text", "figure", "caption")
