"""The parallel edition in print: the guide's own chapters as in the print edition, each
chapter of the original on pairs of facing pages (layout/facing.py), its translation on the
right-hand page; A4, Letter or A5, always laid out for facing pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from studyguide.editions import Job
from studyguide.model import Book
from studyguide.options import Options


def _units(book: Book, options: Options, date: dt.datetime | None) -> tuple[Any, Any]:
    """The parallel print edition's units (layout/facing.py's), a group a chapter of the
    original, and what renders its print HTML from pairs of pages."""
    from studyguide.layout.book import DATE_FORMAT
    from studyguide.layout.facing import Unit
    from studyguide.model import Medium
    from studyguide.render.documents import ANSWER_LINES, print_stylesheet, style_text
    from studyguide.render.parallel import parallel_book, render_parallel_print, side_html

    parallel = parallel_book(book, Medium.PRINT, date.date() if date else None)
    lines = ANSWER_LINES if options.writing_space else 0
    groups = [
        [
            Unit(
                side_html(parallel, unit, "original", lines),
                side_html(parallel, unit, "translation", lines),
                unit.opens or index == 0,
            )
            for index, unit in enumerate(chapter.units)
        ]
        for chapter in parallel.chapters
    ]
    css = print_stylesheet(book, options.paper) + "\n" + style_text("parallel-print.css", book.root)
    stamp = date.strftime(DATE_FORMAT) if date else ""

    def render(spreads: list[list[Any]], whole: bool) -> str:
        return render_parallel_print(parallel, spreads, options.paper, lines, css, stamp, whole)

    return groups, render


def render(book: Book, options: Options) -> None:
    """The print HTML rendered (each unit on a pair of pages of its own), not laid out."""
    from studyguide.layout.facing import Spread

    groups, html = _units(book, options, None)
    html(
        [
            [Spread(f"m{g}-{u}", (unit.verso,), (unit.recto,)) for u, unit in enumerate(units)]
            for g, units in enumerate(groups)
        ],
        True,
    )


def prepare(job: Job) -> Any:
    """The parallel edition laid out on facing pages: the WeasyPrint document."""
    from studyguide.layout.engine import lay_out_html
    from studyguide.layout.facing import lay_out_facing

    groups, html = _units(job.book, job.options, job.date)
    job.progress(f"laying out the parallel edition ({job.options.paper.upper()}) on facing pages")
    laid = lay_out_facing(groups, html, job.book.root, lay_out_html)
    for side in laid.overflows:
        job.progress(f"the parallel edition's {side} runs over its page")
    return laid.document
