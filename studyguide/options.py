"""How a build was asked for: one frozen object that travels down from the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAPERS = ("a4", "letter", "a5")
# About 230 A4 pages of the study guide (280 of its article chapters alone). In the benchmark's
# 100x book (2,665 pages, 12 parts) the build peaked at 1.6 GB, in the merge; one layout: 3.2 GB.
DEFAULT_PART_SIZE = 600_000

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
    part_size: int = DEFAULT_PART_SIZE  # a longer print edition is laid out in parts
    blank_pages: bool = True  # chapters open on a right-hand page (False: on the next page)

    @property
    def paper_suffix(self) -> str:
        """What a print file's name adds for its paper: nothing for A4, "-letter" otherwise."""
        return "" if self.paper == "a4" else f"-{self.paper}"
