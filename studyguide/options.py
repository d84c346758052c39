"""How a build was asked for: one frozen object that travels down from the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAPERS = ("a4", "letter", "a5")
# Papers a print layout can be made for: --paper's, and the booklet's half-letter pages.
LAYOUT_PAPERS = (*PAPERS, "half-letter")
FLIPS = ("short", "long")  # how a duplex printer turns a booklet's sheets
# Chapters shorter than this (characters of print HTML) are laid out together, in one part;
# a longer chapter is a part of its own. Every chapter of the study guide is one part.
DEFAULT_PART_SIZE = 5_000

Progress = Callable[[str], None]


def quiet(message: str) -> None:
    """A Progress that says nothing."""


@dataclass(frozen=True)
class Options:
    out: Path
    paper: str = "a4"
    writing_space: bool = True  # ruled lines for answers under each question
    cover: bool = True
    glossary_pages: bool = False  # print: "(p. N)" after the first link to a term per chapter
    part_size: int = DEFAULT_PART_SIZE  # short chapters are laid out together up to this
    blank_pages: bool = True  # chapters open on a right-hand page (False: on the next page)
    meeting: dt.date | None = None  # the handout's date: the meeting's (none without it)
    flip: str = "short"  # the booklet: the edge the printer turns its sheets on
    creep: float = 0.0  # the booklet: mm the innermost sheet's pages move toward the fold
    signature: int = 0  # the booklet: pages a signature (0: one signature for the whole)

    @property
    def creep_points(self) -> float:
        return self.creep * 72 / 25.4

    @property
    def paper_suffix(self) -> str:
        """What a print file's name adds for its paper: nothing for A4, "-letter" otherwise."""
        return "" if self.paper == "a4" else f"-{self.paper}"
