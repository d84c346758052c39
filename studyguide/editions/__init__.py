"""The editions a book is built into, in one registry: the command line's flags, the
scheduler (studyguide/build.py) and the Makefile's targets are all read from it.

An edition is one module that registers an `Edition`: its name, the file (or folder) it
writes, what it needs of the print layout, and how it writes. Adding one is that module, one line in
`_MODULES` below, and its tests. An edition made of several files (the parallel edition: a PDF,
an EPUB, a Kobo EPUB and web pages) registers each as an `Edition` of one `group`: the group's
name is a flag (and a make target) that asks for all of them. Importing this package loads no
third-party library (the Makefile reads the registry before the virtualenv exists); edition
modules import what they need inside their functions.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from studyguide.model import Book, BookMeta
from studyguide.options import Options, Progress


class Needs(StrEnum):
    """What an edition needs of the print layout, which a build makes at most once."""

    NOTHING = "nothing"  # lays itself out, or needs no layout
    PAGE_MAP = "page-map"  # where each print page begins (the EPUB's page numbers)
    LAYOUT = "layout"  # the laid-out print edition itself (the PDF is that layout, written)


@dataclass(frozen=True)
class Job:
    """What an edition is given to write: the book, how the build was asked for, and what
    the scheduler made for it."""

    book: Book
    options: Options
    date: dt.datetime  # the editions' date (sources/dates.py)
    progress: Progress
    page_map: Any = None  # layout.pagemap.PageMap, for Needs.PAGE_MAP
    layout: Any = None  # the laid-out print edition, for Needs.LAYOUT (studyguide/layout/book.py)


@dataclass(frozen=True)
class Edition:
    name: str  # also its command-line flag, --NAME, and its make target
    label: str  # what messages call it: "the EPUB"
    summary: str  # one line for --help
    file_name: Callable[[BookMeta, Options], str]
    # (job, what prepare made, the open file: an IO[bytes]; for a folder edition, the Path
    # of an empty folder to fill)
    write: Callable[[Job, Any, Any], None]
    needs: Needs = Needs.NOTHING
    default: bool = False  # written by a plain `studyguide build`
    # Work that needs no layout, done while the book is laid out (in a second process).
    prepare: Callable[[Job], Any] | None = field(default=None)
    folder: bool = False  # writes a folder of files (the web edition), put in place whole
    # Whether this edition can be made of the book at all: raises our error if not. Run
    # before any work, so a build never lays a book out to fail afterwards.
    check: Callable[[Book, Options], None] | None = field(default=None)
    # Its documents rendered from the templates, nothing laid out or written: how `check`
    # finds a mistake in a book's own templates and styles before a build.
    render: Callable[[Book, Options], None] | None = field(default=None)
    # Files of the book it reads besides the members' sources (the facilitator's files):
    # they key its build, never the members' editions' layout or date.
    reads: Callable[[Path], list[Path]] | None = field(default=None)
    # Editions written with this one (the booklet's orientation test).
    brings: tuple[str, ...] = ()
    group: str = ""  # the group of editions it belongs to, asked for together (--GROUP)

    def target(self, meta: BookMeta, options: Options) -> Path:
        return options.out / self.file_name(meta, options)


EDITIONS: dict[str, Edition] = {}
GROUPS: dict[str, str] = {}  # a group's name → what --help says of it
# The modules that register the project's own editions, in the order --help lists them.
_MODULES = (
    "studyguide.editions.pdf",
    "studyguide.editions.epub",
    "studyguide.editions.epub.kepub",
    "studyguide.editions.handout",
    "studyguide.editions.web",
    "studyguide.editions.facilitator",
    "studyguide.editions.booklet",
    "studyguide.editions.booklettest",
    "studyguide.editions.parallel",
)


def register(edition: Edition) -> Edition:
    if edition.name in EDITIONS and EDITIONS[edition.name] != edition:
        raise ValueError(f"an edition named {edition.name!r} is registered already")
    EDITIONS[edition.name] = edition
    return edition


def register_group(name: str, summary: str) -> None:
    """A flag, --NAME, for every edition whose `group` is `name`."""
    if GROUPS.get(name, summary) != summary:
        raise ValueError(f"a group named {name!r} is registered already")
    GROUPS[name] = summary


def groups() -> dict[str, list[str]]:
    """Each group of editions and the names of its editions, in the registry's order."""
    editions = registry()
    return {
        group: [name for name, edition in editions.items() if edition.group == group]
        for group in GROUPS
    }


def registry() -> dict[str, Edition]:
    """Every edition, the project's own first."""
    for module in _MODULES:
        importlib.import_module(module)
    return EDITIONS


def with_brought(names: list[str]) -> list[str]:
    """The editions named, and those they bring with them, in the registry's order."""
    editions = registry()
    wanted = set(names) | {b for name in names if name in editions for b in editions[name].brings}
    return [name for name in editions if name in wanted]


def extra_sources(root: Path, names: list[str]) -> list[Path]:
    """The files the editions named read besides the members' sources."""
    editions = registry()
    return [
        p for n in names if n in editions and editions[n].reads for p in editions[n].reads(root)
    ]


def defaults() -> list[Edition]:
    return [edition for edition in registry().values() if edition.default]
