"""How a build was asked for: one frozen object that travels down from the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAPERS = ("a4", "letter", "a5")
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

    @property
    def paper_suffix(self) -> str:
        """What a print file's name adds for its paper: nothing for A4, "-letter" otherwise."""
        return "" if self.paper == "a4" else f"-{self.paper}"
