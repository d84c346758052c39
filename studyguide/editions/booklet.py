"""The booklet: the A5 edition imposed two pages a side on A4 sheets (half-letter pages on
Letter sheets with --paper letter) in saddle-stitch order, for a group that prints on both
sides, folds and staples (layout/imposition.py). It is a file for printing, not for reading:
the PDF/UA edition is the PDF."""

from __future__ import annotations

from dataclasses import replace
from typing import IO, Any

from studyguide.editions import Edition, Job, register
from studyguide.model import BookMeta
from studyguide.options import Options

# The booklet's page size for each --paper: the sheet is twice its width.
PAGES = {"a4": "a5", "a5": "a5", "letter": "half-letter"}


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-booklet{'-letter' if options.paper == 'letter' else ''}.pdf"


def metadata(job: Job) -> tuple[str, str]:
    """The imposed file's title and subject: what it is for, and how to print it."""
    labels = job.book.labels
    edge = labels["flip_short"] if job.options.flip == "short" else labels["flip_long"]
    title = labels.format("booklet_title", title=job.book.meta.title)
    return title, labels.format("booklet_subject", edge=edge)


def write(job: Job, prepared: Any, handle: IO[bytes]) -> None:
    import io

    from studyguide.layout.book import lay_out_book
    from studyguide.layout.imposition import SHEETS, impose

    options = replace(job.options, paper=PAGES[job.options.paper], blank_pages=True)
    job.progress(f"laying out the booklet's pages ({options.paper.upper()}) with WeasyPrint")
    laid = lay_out_book(job.book, options, job.date, job.progress, geometry=False)
    pages = io.BytesIO()
    laid.write_to(pages, job.book.meta.identifier)
    title, subject = metadata(job)
    options = job.options
    sheet = SHEETS["letter" if options.paper == "letter" else "a4"]
    imposed = impose(
        pages.getvalue(),
        sheet,
        options.flip,
        options.creep_points,
        options.signature,
        title,
        subject,
    )
    handle.write(imposed)


BOOKLET = register(
    Edition(
        "booklet",
        "booklet",
        "write the booklet: the A5 edition two pages a side on A4 (Letter: half-letter pages), "
        "to print on both sides, fold and staple; with its orientation test",
        file_name,
        write,
        brings=("booklet-test",),
    )
)
