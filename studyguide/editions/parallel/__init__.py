"""The parallel edition: a text and its translation paragraph beside paragraph, in print (facing
pages: pdf.py), as an EPUB and a Kobo EPUB (epub.py) and as web pages (web.py); asked for
together with --parallel, each with its own flag too.

The pairing of the paragraphs is the sources' (sources/alignment.py), checked before any work;
the two texts grouped by it are the render stage's (render/parallel.py); the facing pages are
the layout stage's (layout/facing.py). Every file it writes is named `<slug>-parallel…`, beside
the book's other editions, which it leaves as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from studyguide.editions import Edition, Job, Needs, register, register_group
from studyguide.model import Book, BookMeta
from studyguide.options import Options

GROUP = "parallel"
register_group(
    GROUP,
    "write the parallel edition: the original and its translation, paragraph beside paragraph",
)


def check(book: Book, options: Options) -> None:
    """The book has a translation of another of its texts, and their paragraphs pair up."""
    from studyguide.sources.alignment import text_pair

    text_pair(book)


def check_epub(book: Book, options: Options) -> None:
    """As `check`; and the book's own stylesheets name nothing the EPUB cannot carry."""
    from studyguide.render.stylesheet_urls import check_stylesheet_urls

    check(book, options)
    styles = ("base.css", "epub.css", "parallel-epub.css")
    check_stylesheet_urls(book.root, styles, "the parallel EPUB")


def check_web(book: Book, options: Options) -> None:
    """As `check`; and the book's own stylesheets name nothing the web pages cannot carry."""
    from studyguide.render.stylesheet_urls import check_stylesheet_urls

    check(book, options)
    styles = ("base.css", "web.css", "parallel-web.css")
    check_stylesheet_urls(book.root, styles, "the parallel web edition")


def render(book: Book, options: Options) -> None:
    """Every document of the parallel edition rendered from the templates, nothing laid out
    or written (`studyguide check` finds a mistake in a book's own templates so); nothing
    for a book that has no parallel edition (no translation whose paragraphs pair with its
    original's: `check` says so when the edition is asked for)."""
    from studyguide.editions.parallel import epub, pdf, web
    from studyguide.errors import BuildError
    from studyguide.sources.alignment import text_pair

    try:
        text_pair(book)
    except BuildError:
        return
    pdf.render(book, options)
    epub.render(book)
    web.render(book)


def pdf_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-parallel{options.paper_suffix}.pdf"


def epub_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-parallel.epub"


def kepub_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-parallel.kepub.epub"


def web_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-parallel-web"


def _prepare_pdf(job: Job) -> Any:
    from studyguide.editions.parallel.pdf import prepare

    return prepare(job)


def _write_pdf(job: Job, document: Any, handle: IO[bytes]) -> None:
    from studyguide.layout.engine import write_pdf

    write_pdf(document, handle, f"{job.book.meta.identifier}#parallel")


def _prepare_epub(job: Job) -> Any:
    from studyguide.editions.parallel.epub import prepare

    return prepare(job)


def _write_epub(job: Job, prepared: Any, handle: IO[bytes]) -> None:
    from studyguide.editions.parallel.epub import write

    write(job, prepared, handle, False, epub_name(job.book.meta, job.options))


def _write_kepub(job: Job, prepared: Any, handle: IO[bytes]) -> None:
    from studyguide.editions.parallel.epub import write

    write(job, prepared, handle, True, kepub_name(job.book.meta, job.options))


def _prepare_web(job: Job) -> Any:
    from studyguide.editions.parallel.web import prepare

    return prepare(job)


def _write_web(job: Job, prepared: Any, folder: Path) -> None:
    from studyguide.editions.parallel.web import write

    write(job, prepared, folder)


PDF = register(
    Edition(
        "parallel-pdf",
        "parallel PDF",
        "write the parallel edition's PDF: the original on each left-hand page, its "
        "translation facing it",
        pdf_name,
        _write_pdf,
        prepare=_prepare_pdf,
        check=check,
        render=render,
        group=GROUP,
    )
)
EPUB = register(
    Edition(
        "parallel-epub",
        "parallel EPUB",
        "write the parallel edition's EPUB: each paragraph followed by its translation",
        epub_name,
        _write_epub,
        needs=Needs.PAGE_MAP,
        prepare=_prepare_epub,
        check=check_epub,
        render=render,
        group=GROUP,
    )
)
KEPUB = register(
    Edition(
        "parallel-kepub",
        "parallel Kobo EPUB",
        "write the parallel edition's EPUB for Kobo readers (.kepub.epub)",
        kepub_name,
        _write_kepub,
        needs=Needs.PAGE_MAP,
        prepare=_prepare_epub,
        check=check_epub,
        render=render,
        group=GROUP,
    )
)
WEB = register(
    Edition(
        "parallel-web",
        "parallel web edition",
        "write the parallel edition's web pages: the two texts side by side",
        web_name,
        _write_web,
        needs=Needs.PAGE_MAP,
        prepare=_prepare_web,
        check=check_web,
        render=render,
        folder=True,
        group=GROUP,
    )
)
