"""The web edition: the book as a static folder of HTML pages, one a chapter, with the print
edition's page numbers, for a group that shares a link rather than a file.

Every page is readable without JavaScript; studyguide/layout/website.py renders them, with
the print edition's page numbers in them (webpages.py finds the print pages the contents and
the glossary's links back to the text show; webcitations.py gives each paragraph its
citation line and the search its records), and studyguide/render/search.py indexes them with
Pagefind. The preview server (studyguide/preview) shows the same pages while the book is
being written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from studyguide.editions import Edition, Job, Needs, register
from studyguide.model import Book, BookMeta
from studyguide.options import Options

if TYPE_CHECKING:
    from studyguide.render.views import BookView


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-web"


def prepare(job: Job) -> BookView:
    """The book rendered for the web: everything but the page numbers."""
    from studyguide.model import Medium
    from studyguide.render.views import render_book

    job.progress("rendering the web edition's pages")
    return render_book(job.book, Medium.WEB, job.date.date())


def check(book: Book, options: Options) -> None:
    """The book's own stylesheets name nothing the web edition cannot carry."""
    from studyguide.render.stylesheet_urls import check_stylesheet_urls

    check_stylesheet_urls(book.root, ("base.css", "web.css"), "the web edition")


def render(book: Book, options: Options) -> None:
    from studyguide.layout.website import render_site
    from studyguide.model import Medium
    from studyguide.render.views import render_book

    render_site(render_book(book, Medium.WEB), ())
    check(book, options)


def write(job: Job, view: BookView, folder: Path) -> None:
    from studyguide.layout.website import build_site, write_site
    from studyguide.render.search import index_files

    site = build_site(view, job.page_map or ())
    job.progress(f"indexing {len(site.records)} passages for the web edition's search")
    files = {**site.files, **index_files(site.records, job.book.meta.language)}
    write_site(files, folder)


WEB = register(
    Edition(
        "web",
        "web edition",
        "write the web edition: a folder of HTML pages, one a chapter, to put online",
        file_name,
        write,
        needs=Needs.PAGE_MAP,
        prepare=prepare,
        folder=True,
        check=check,
        render=render,
    )
)
