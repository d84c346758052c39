"""Facing pages: two texts set on pairs of pages, one on each left-hand page (the verso) and
the other on the right-hand page facing it (the recto), every pair beginning with the same
unit of both, so that what faces is what belongs together. Where one side of a pair is
shorter, it leaves room at its foot rather than run ahead of the other.

A unit is what must face: the HTML of each side (in the parallel edition, paragraphs of a text
and those of its translation that render them). The page makeup is done in three steps:

1. measure: each unit set on a pair of its own, in one layout, tells how much of a page each
   side takes, or over how many pages it runs;
2. pack: a pair holds as many units as fit on both its pages; a unit too long for one page is
   cut where its page ended (cutting.py) and goes on over the pairs after it, each side;
3. check: laid out, every side must keep to its page, its notes with it; a pair whose side
   ran over gives its last unit to the next pair, and the pages are laid out again.

The caller renders the document (`Render`) from the pairs: each side in an element with the
pair's id for that side, ending with an empty element whose id adds "-end".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from studyguide.layout import finishing
from studyguide.layout.cutting import cut_pieces
from studyguide.layout.geometry import Page, read_pages
from studyguide.layout.pages import from_document
from studyguide.render.markup import CLASSES

MAX_ROUNDS = 6
SLACK = 1.0  # points a side's estimate may reach past its page and still be tried


@dataclass(frozen=True)
class Unit:
    """What must face: the HTML of each side; `new_pair`: it begins a pair of pages."""

    verso: str
    recto: str
    new_pair: bool = False


@dataclass(frozen=True)
class Spread:
    """A pair of facing pages: the HTML pieces on each."""

    key: str
    verso: tuple[str, ...]
    recto: tuple[str, ...]
    opens: bool = False  # it begins with a unit that asked for a new pair (a chapter's)
    # Points of room each side leaves after its first piece: where that piece is the rest of
    # a long unit on one side, the other side leaves as much, and the next unit begins level.
    space: tuple[float, float] = (0.0, 0.0)

    @property
    def verso_id(self) -> str:
        return f"{self.key}-verso"

    @property
    def recto_id(self) -> str:
        return f"{self.key}-recto"


# (each group's pairs, the whole document or only the pairs) → the HTML to lay out
Render = Callable[[list[list[Spread]], bool], str]
LayOutHtml = Callable[[str, Path], Any]


@dataclass(frozen=True)
class _Slice:
    """A unit, or the part of a long unit that one pair of pages holds."""

    verso: str
    recto: str
    used: tuple[float, float]  # points of its page each side takes (notes and all)
    notes: tuple[bool, bool]  # whether each side has notes
    new_pair: bool
    opens: bool = False  # the first slice of a unit that asked for a new pair
    rest: bool = False  # a long unit's slice after its first

    @property
    def space(self) -> tuple[float, float]:
        """The room the shorter side of a rest leaves, so that what follows begins level."""
        if not self.rest:
            return (0.0, 0.0)
        verso, recto = self.used
        return (max(0.0, recto - verso), max(0.0, verso - recto))


@dataclass
class FacingLayout:
    """The facing pages laid out: the document, its pairs, and the sides that still ran
    over their page (ids; none where the makeup succeeded)."""

    document: Any
    spreads: list[list[Spread]]
    overflows: list[str] = field(default_factory=list)
    rounds: int = 0


def lay_out_facing(
    groups: list[list[Unit]], render: Render, root: Path, lay_out_html: LayOutHtml
) -> FacingLayout:
    """Lay the groups' units out on facing pages (each group begins a pair of pages)."""
    measured = lay_out_html(render(_alone(groups), False), root)
    slices, measures = _measure(groups, measured)
    forced: set[tuple[int, int]] = set()
    for rounds in range(1, MAX_ROUNDS + 1):
        spreads, owners = _pack(slices, forced, measures)
        document = lay_out_html(render(spreads, True), root)
        wrong = _ran_over(document, spreads)
        movable = {owners[key] for key in wrong if owners[key] is not None}
        if not movable or rounds == MAX_ROUNDS:
            _finish(document)
            return FacingLayout(document, spreads, wrong, rounds)
        forced.update(m for m in movable if m is not None)
    raise AssertionError("unreachable")  # the last round returns


def _alone(groups: list[list[Unit]]) -> list[list[Spread]]:
    """Every unit on a pair of pages of its own: the measuring layout."""
    return [
        [
            Spread(f"m{g}-{u}", (unit.verso,), (unit.recto,), unit.new_pair)
            for u, unit in enumerate(units)
        ]
        for g, units in enumerate(groups)
    ]


def _pages_of(document: Any) -> dict[str, int]:
    """The index of the page each id begins on."""
    where: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            where.setdefault(name, index)
    return where


@dataclass(frozen=True)
class _Measures:
    """What the measuring layout tells of a page: its height, the room above its notes."""

    capacity: float
    note_space: float


def _measure(groups: list[list[Unit]], document: Any) -> tuple[list[list[_Slice]], _Measures]:
    """Each unit as the pairs of pages it needs: one slice, or one a page where a side
    runs over several (cut where each of its pages began)."""
    where = _pages_of(document)
    geometry = read_pages(document)
    starts = {int(start.label) - 1: start for start in from_document(document)}
    out: list[list[_Slice]] = []
    for g, units in enumerate(groups):
        slices: list[_Slice] = []
        for u, unit in enumerate(units):
            sides = [
                _pieces(html, f"m{g}-{u}-{side}", where, geometry, starts)
                for html, side in ((unit.verso, "verso"), (unit.recto, "recto"))
            ]
            count = max(len(sides[0]), len(sides[1]))
            blank = ("", 0.0, False)
            for i in range(count):
                verso, recto = (side[i] if i < len(side) else blank for side in sides)
                slices.append(
                    _Slice(
                        verso[0],
                        recto[0],
                        (verso[1], recto[1]),
                        (verso[2], recto[2]),
                        unit.new_pair or count > 1,  # a long unit: a pair a page of it
                        unit.new_pair and i == 0,
                        i > 0,
                    )
                )
        out.append(slices)
    first = geometry[0]
    spaces = [page.note_space for page in geometry if page.note_top is not None]
    return out, _Measures(first.bottom - first.top, max(spaces, default=0.0))


def _pieces(
    html: str, side: str, where: dict[str, int], geometry: list[Page], starts: dict[int, Any]
) -> list[tuple[str, float, bool]]:
    """A side as laid out alone: its HTML a page, each with the room it takes on its page
    and whether it has notes there."""
    first = where.get(side)
    if first is None:
        return [(html, 0.0, False)]
    last = where.get(f"{side}-end", first)
    pages = [first, *(i for i in range(first + 1, last + 1) if i in starts)]
    places = [
        ("" if starts[i].anchor == side else starts[i].anchor, starts[i].offset) for i in pages[1:]
    ]
    out = []
    for text, index in zip(cut_pieces(html, places), pages, strict=False):
        page = geometry[index]
        used = page.bottom - page.top - page.band if page.lines else 0.0
        out.append((text, used, page.note_top is not None))
    return out


def _pack(
    groups: list[list[_Slice]], forced: set[tuple[int, int]], measures: _Measures
) -> tuple[list[list[Spread]], dict[str, tuple[int, int] | None]]:
    """The slices on pairs of pages, as many on a pair as fit on both its pages; and for
    each side's id, the slice that goes to the next pair if that side runs over (None
    where the pair holds only one)."""
    spreads: list[list[Spread]] = []
    owners: dict[str, tuple[int, int] | None] = {}
    for g, slices in enumerate(groups):
        pairs: list[list[int]] = []
        for s, piece in enumerate(slices):
            if pairs and not piece.new_pair and (g, s) not in forced:
                trial = [slices[i] for i in (*pairs[-1], s)]
                if all(_fits(trial, side, measures) for side in (0, 1)):
                    pairs[-1].append(s)
                    continue
            pairs.append([s])
        made = []
        for p, members in enumerate(pairs):
            spread = Spread(
                f"g{g}-{p}",
                tuple(slices[i].verso for i in members),
                tuple(slices[i].recto for i in members),
                slices[members[0]].opens,
                slices[members[0]].space if len(members) > 1 else (0.0, 0.0),
            )
            last = (g, members[-1]) if len(members) > 1 else None
            owners[spread.verso_id] = owners[spread.recto_id] = last
            made.append(spread)
        spreads.append(made)
    return spreads, owners


def _fits(slices: list[_Slice], side: int, measures: _Measures) -> bool:
    """Whether the slices' sides fit on one page, by their measures alone: the room above
    the notes is taken once for all of them."""
    noted = sum(1 for piece in slices if piece.notes[side])
    shared = max(0, noted - 1) * measures.note_space
    used = sum(piece.used[side] for piece in slices) + slices[0].space[side]
    return used - shared <= measures.capacity + SLACK


def _ran_over(document: Any, spreads: list[list[Spread]]) -> list[str]:
    """The ids of the sides that did not keep to their page (or whose notes did not)."""
    where = _pages_of(document)
    wrong = []
    for spread in (s for group in spreads for s in group):
        verso = where.get(spread.verso_id, -1)
        for side, pieces, page in (
            (spread.verso_id, spread.verso, verso),
            (spread.recto_id, spread.recto, verso + 1),
        ):
            kept = where.get(side) == page and where.get(f"{side}-end") == page
            notes = [n for piece in pieces for n in _note_ids(piece)]
            if not kept or any(where.get(note) != page for note in notes):
                wrong.append(side)
    return wrong


def _note_ids(html: str) -> list[str]:
    if CLASSES.footnote not in html:
        return []
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    return [
        element.get("id")
        for element in root.iter()
        if isinstance(element.tag, str)
        and CLASSES.footnote in (element.get("class") or "").split()
        and element.get("id")
    ]


def _finish(document: Any) -> None:
    """What moves no line: the paragraph numbers in each page's outer margin, the questions'
    rule taken away where they begin a page; the pages' links and anchors gathered anew."""
    finishing.pnums_outward(document, two_sided=True)
    finishing.unrule_questions_at_top(document)
    document.pages[:] = [type(page)(page._page_box) for page in document.pages]
