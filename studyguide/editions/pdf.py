"""The print edition: the book laid out once by WeasyPrint (layout.py), written as a tagged
PDF (PDF/UA-1), for a study group to print, write on and discuss page by page."""

from __future__ import annotations

from typing import IO, Any

from studyguide.editions import Edition, Job, Needs, register
from studyguide.model import Book, BookMeta
from studyguide.options import Options


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}{options.paper_suffix}.pdf"


def render(book: Book, options: Options) -> None:
    from studyguide.layout.book import print_html

    print_html(book, options)


def write(job: Job, prepared: Any, handle: IO[bytes]) -> None:
    job.layout.write_to(handle, job.book.meta.identifier)


PDF = register(
    Edition(
        "pdf",
        "PDF",
        "write the print PDF",
        file_name,
        write,
        needs=Needs.LAYOUT,
        default=True,
        render=render,
    )
)
