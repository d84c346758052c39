"""The build command's arguments: one flag an edition and one a group of editions (from the
registry), the layout and booklet options, and the Options they make (checked there, once)."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import replace
from pathlib import Path

from studyguide.editions import GROUPS, groups, registry
from studyguide.options import FLIPS, MAX_CREEP, PAPERS, Options


def build_options(paper: argparse.ArgumentParser) -> None:
    """Options the print layout and the handout share."""
    paper.add_argument("--paper", choices=PAPERS, default="a4", help="paper size of the PDF")
    paper.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    paper.add_argument(
        "--no-writing-space",
        dest="writing_space",
        action="store_false",
        help="no ruled lines for answers after the discussion questions",
    )
    paper.add_argument(
        "--date",
        dest="meeting",
        type=meeting_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the meeting's date, printed on the handout (without it, the handout has none)",
    )


def build_command(build: argparse.ArgumentParser) -> None:
    """The build command's options: one flag an edition (from the registry), then the rest."""
    editions = build.add_argument_group(
        "editions",
        "Without an edition flag, build writes the default editions ("
        + ", ".join(f"--{e.name}" for e in registry().values() if e.default)
        + "); with flags, exactly those; --all writes every edition the book can have.",
    )
    for name, edition in registry().items():
        default = " (written by default)" if edition.default else ""
        editions.add_argument(
            f"--{name}", dest=dest(name), action="store_true", help=edition.summary + default
        )
    for group, members in groups().items():
        editions.add_argument(
            f"--{group}",
            dest=dest(group, "group"),
            action="store_true",
            help=f"{GROUPS[group]}: " + ", ".join(f"--{name}" for name in members),
        )
    editions.add_argument(
        "--all",
        dest="all_editions",
        action="store_true",
        help="every edition (the handout only if the book has discussion questions)",
    )
    build.add_argument("--no-cover", dest="cover", action="store_false", help="no cover image")
    warm = "hand the build to the book's warm process (as make does), or start one: see README"
    build.add_argument("--warm", action="store_true", help=warm)
    build.add_argument(
        "--no-blank-pages",
        dest="blank_pages",
        action="store_false",
        help="in the PDF, open each chapter on the next page rather than the next right-hand "
        "one, with the same margins on every page: for photocopying single-sided",
    )
    build.add_argument(
        "--glossary-pages",
        action="store_true",
        help="in the PDF, give the glossary page after the first link to a term in each chapter",
    )
    build.add_argument(
        "--part-size",
        type=positive,
        default=None,
        metavar="CHARS",
        help="lay a print edition whose HTML is longer than CHARS characters out in parts of "
        "whole chapters: shorter chapters are grouped up to this (default: 5000)",
    )
    booklet_options(build)
    build.add_argument(
        "--debug-html",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the HTML handed to WeasyPrint to FILE",
    )


def dest(name: str, kind: str = "edition") -> str:
    """Where argparse keeps an edition's (or a group's) flag: its name may hold a hyphen."""
    return f"{kind}_{name.replace('-', '_')}"


def booklet_options(build: argparse.ArgumentParser) -> None:
    """The booklet's options: how the printer turns the sheets, creep, signatures."""
    booklet = build.add_argument_group("the booklet (--booklet)")
    booklet.add_argument(
        "--flip", choices=FLIPS, default="short",
        help="the edge your printer turns the sheets on when it prints both sides "
        "(default: short; print the orientation test first to see)",
    )  # fmt: skip
    booklet.add_argument(
        "--creep", type=creep, default=0.0, metavar="MM",
        help="move the pages of the inner sheets toward the fold, the innermost by MM "
        "millimetres: how far it sticks out beyond the outermost once folded (default: 0)",
    )  # fmt: skip
    booklet.add_argument(
        "--signature", type=signature, default=0, metavar="N",
        help="fold the booklet in signatures of N pages (a multiple of 4), nested in "
        "separate stacks, for a book too thick to fold as one (default: one signature)",
    )  # fmt: skip


def meeting_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.date.fromisoformat("x")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD (2026-12-10), got '{text}'"
        ) from None


def creep(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_CREEP:
        raise argparse.ArgumentTypeError(
            f"expected millimetres from 0 to {MAX_CREEP:g} (a fold's creep is a few), got '{text}'"
        )
    return value


def signature(text: str) -> int:
    value = positive(text)
    if value % 4:
        raise argparse.ArgumentTypeError(
            f"a signature's pages are a multiple of 4 (a sheet holds 4), got '{text}'"
        )
    return value


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got '{text}'")
    return value


def options(args: argparse.Namespace, out: Path) -> Options:
    options = Options(
        out=out,
        paper=args.paper,
        writing_space=args.writing_space,
        cover=getattr(args, "cover", True),
        glossary_pages=getattr(args, "glossary_pages", False),
        blank_pages=getattr(args, "blank_pages", True),
        meeting=getattr(args, "meeting", None),
        flip=getattr(args, "flip", "short"),
        creep=getattr(args, "creep", 0.0),
        signature=getattr(args, "signature", 0),
    )
    if getattr(args, "part_size", None):
        options = replace(options, part_size=args.part_size)
    return options
