"""Where a figure goes in print when it does not fit where it stands: the page makeup's
mends for figures (makeup.py calls them).

A figure is never split (print.css: `break-inside: avoid`), so one that does not fit in the
room left at the foot of its page goes whole to the next page, and leaves a hole. As a
typesetter floats it to the next page's top, the makeup moves it after the text that
follows it, as much as fills the room; where nothing of its chapter follows it, before as
much of the page's last text as makes room for it there.
"""

from __future__ import annotations

from typing import Any

from studyguide.layout.geometry import Line, Page, body_line_height
from studyguide.layout.proof import Fault


def _page(pages: list[Page], number: int) -> Page | None:
    return next((page for page in pages if page.number == number), None)


def move_figures(tree: Any, after: dict[str, str], before: dict[str, str]) -> None:
    """Move each figure after (or before) the block the makeup chose (an lxml tree)."""
    for figure, block in after.items():
        _move(tree, figure, block, after=True)
    for figure, block in before.items():
        _move(tree, figure, block, after=False)


def _move(tree: Any, figure: str, block: str, after: bool) -> None:
    """The figure moved to just after (or before) the block, or the block's ancestor that
    stands beside the figure."""
    figures, blocks = tree.xpath(f'//*[@id="{figure}"]'), tree.xpath(f'//*[@id="{block}"]')
    if not figures or not blocks:
        return
    moved, beside = figures[0], blocks[0]
    while beside is not None and beside.getparent() is not moved.getparent():
        beside = beside.getparent()
    if beside is None or beside is moved:
        return
    if after:
        beside.addnext(moved)
    else:
        beside.addprevious(moved)


def mend_hole(
    fault: Fault,
    pages: list[Page],
    figures_after: dict[str, str],
    figures_before: dict[str, str],
) -> bool:
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
    if figure in figures_before:
        return False
    own = [line for line in after.lines if line.anchor == figure]
    following = [line for line in after.lines[len(own) :] if _movable(line, first)]
    room = page.band
    if following and following[0] is after.lines[len(own)] and figure not in figures_after:
        start = following[0].top
        for index, line in enumerate(following):
            last = (
                index + 1 == len(following)
                or following[index + 1] is not after.lines[len(own) + index + 1]
            )
            if (line.bottom - start >= room or last) and line.anchor:
                figures_after[figure] = line.anchor
                return True
        return False
    # Nothing of its chapter after it: before the page's last text, as much as it needs.
    need = own[-1].bottom - first.top + 2 * body_line_height(pages)
    bottom = page.lines[-1].bottom
    for index in range(len(page.lines) - 1, -1, -1):
        line = page.lines[index]
        if not _movable(line, first) or line.kind in ("figure", "caption"):
            return False
        starts = index == 0 or page.lines[index - 1].anchor != line.anchor
        if starts and room + bottom - line.top >= need and line.anchor:
            figures_after.pop(figure, None)
            figures_before[figure] = line.anchor
            return True
    return False


def _movable(line: Line, figure: Line) -> bool:
    """A line of the text a figure may be moved past: its chapter's running text."""
    return line.section == figure.section and line.kind in ("text", "figure", "caption")
