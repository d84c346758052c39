"""How a build was asked for: one frozen object that travels down from the command line
(or from the preview, to its print layout's process), checked once, when it is made."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError

PAPERS = ("a4", "letter", "a5")
# Papers a print layout can be made for: --paper's, and the booklet's half-letter pages.
LAYOUT_PAPERS = (*PAPERS, "half-letter")
FLIPS = ("short", "long")  # how a duplex printer turns a booklet's sheets
# Chapters shorter than this (characters of print HTML) are laid out together, in one part;
# a longer chapter is a part of its own. Every chapter of the study guide is one part.
DEFAULT_PART_SIZE = 5_000
MAX_CREEP = 20.0  # mm: a fold's creep is a few

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

    def __post_init__(self) -> None:
        if self.paper not in LAYOUT_PAPERS:
            _refuse(
                "usage.paper",
                f"unknown paper size '{self.paper}'",
                "use one of: " + ", ".join(PAPERS),
            )
        if self.part_size <= 0:
            _refuse("usage.option", f"a part size of {self.part_size}", "give a number above 0")
        if self.flip not in FLIPS:
            _refuse(
                "usage.option", f"unknown flip '{self.flip}'", "use one of: " + ", ".join(FLIPS)
            )
        if not 0 <= self.creep <= MAX_CREEP:
            _refuse("usage.option", f"a creep of {self.creep} mm", f"give 0 to {MAX_CREEP:g} mm")
        if self.signature < 0 or self.signature % 4:
            _refuse(
                "usage.option", f"a signature of {self.signature} pages", "give a multiple of 4"
            )

    def to_json(self) -> str:
        """Every option, as JSON: how the preview hands them to its print layout's process."""
        values = dataclasses.asdict(self)
        values["out"] = str(self.out)
        values["meeting"] = self.meeting.isoformat() if self.meeting else None
        return json.dumps(values, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Options:
        values = json.loads(text)
        values["out"] = Path(values["out"])
        if values.get("meeting"):
            values["meeting"] = dt.date.fromisoformat(values["meeting"])
        return cls(**values)

    @property
    def creep_points(self) -> float:
        return self.creep * 72 / 25.4

    @property
    def paper_suffix(self) -> str:
        """What a print file's name adds for its paper: nothing for A4, "-letter" otherwise."""
        return "" if self.paper == "a4" else f"-{self.paper}"


def _refuse(code: str, message: str, hint: str) -> None:
    raise BuildError(None, message, hint, code)
