"""The parallel edition's web pages: the web edition, with each chapter of the original and
its translation side by side on a wide screen, one after the other on a phone, and a switch
to show one of the two only; its search finds the paragraphs of both texts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studyguide.editions import Job
from studyguide.model import Book


def prepare(job: Job) -> Any:
    from studyguide.model import Medium
    from studyguide.render.parallel import parallel_book, screen_book

    job.progress("rendering the parallel edition's web pages")
    return screen_book(parallel_book(job.book, Medium.WEB, job.date.date()), "web")


def render(book: Book) -> None:
    """The parallel web pages rendered from the templates (not written)."""
    from studyguide.layout.website import render_site
    from studyguide.model import Medium
    from studyguide.render.parallel import parallel_book, screen_book

    render_site(screen_book(parallel_book(book, Medium.WEB), "web").view, ())


def write(job: Job, screen: Any, folder: Path) -> None:
    from studyguide.layout.website import build_site, write_site
    from studyguide.model import Medium
    from studyguide.render.search import index_files

    site = build_site(
        screen.view,
        job.page_map or (),
        styles=("parallel-web.css",),
        relink=lambda documents: screen.relink(documents, Medium.WEB),
    )
    job.progress(f"indexing {len(site.records)} passages for the parallel web pages' search")
    write_site({**site.files, **index_files(site.records, job.book.meta.language)}, folder)
