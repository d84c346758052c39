"""The print proof on the command line: `studyguide proof [--paper …] [--no-blank-pages]`.

It lays the book out as `build` does and prints, page by page, what the proof finds
(proof.py): holes above the notes, hyphens at a page turn or on a line that had room, runt
pages, running heads on two lines, lines into the margin, notes away from their call's
page; then a line of totals. It exits 1 when it finds anything, 0 when the pages are clean.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from studyguide.options import PAPERS


def add(commands: argparse._SubParsersAction) -> None:
    proof = commands.add_parser(
        "proof",
        help="lay the print edition out and list what a production editor would flag, "
        "page by page (exit 1 if anything)",
    )
    proof.add_argument("--paper", choices=PAPERS, default="a4", help="paper size of the PDF")
    proof.add_argument(
        "--no-blank-pages",
        dest="blank_pages",
        action="store_false",
        help="proof the edition for single-sided photocopying (build --no-blank-pages)",
    )
    proof.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the output folder whose build cache to use (default: build/)",
    )
    proof.add_argument(
        "--no-writing-space",
        dest="writing_space",
        action="store_false",
        help="proof the edition without ruled lines for answers",
    )
    proof.set_defaults(run=run_proof)


def run_proof(args: argparse.Namespace) -> int:
    from studyguide.layout.book import lay_out_book
    from studyguide.options import Options
    from studyguide.render.typeface import check_book
    from studyguide.sources.book import load_book
    from studyguide.sources.dates import build_date

    root: Path = args.root
    book = load_book(root)
    check_book(book)
    options = Options(
        out=args.out or root / "build",
        paper=args.paper,
        writing_space=args.writing_space,
        blank_pages=args.blank_pages,
    )
    edition = args.paper.upper() + ("" if args.blank_pages else ", single-sided")
    _progress(f"laying out the print edition ({edition}) for its proof")
    laid = lay_out_book(book, options, build_date(root), _progress)
    try:
        pages = laid.pages
        faults = laid.faults
    finally:
        laid.discard()
    for fault in faults:
        print(fault)
    print(summary(faults, pages[-1].number if pages else 0, edition))
    return 1 if faults else 0


def summary(faults: list, pages: int, edition: str) -> str:
    """One line: how many faults on how many pages, by kind."""
    if not faults:
        return f"proof: no faults on {pages} pages ({edition})"
    kinds = Counter(fault.code for fault in faults)
    on = len({fault.page for fault in faults})
    each = ", ".join(f"{code} {count}" for code, count in sorted(kinds.items()))
    return (
        f"proof: {len(faults)} fault{'s' if len(faults) > 1 else ''} on {on} "
        f"page{'s' if on > 1 else ''} of {pages} ({edition}): {each}"
    )


def _progress(message: str) -> None:
    print(f"studyguide: {message}", file=sys.stderr, flush=True)
