"""The parallel edition as an EPUB (and its Kobo variant): each paragraph of the original
followed by its translation, each in its own language, the guide's own chapters as in the
EPUB; reflowable, with no table, and the print edition's page list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import IO, Any

from studyguide.editions import Job
from studyguide.model import Book


@dataclass(frozen=True)
class Prepared:
    """The parallel EPUB made ready, all but its page-break markers."""

    screen: Any  # render.parallel.ScreenBook
    documents: list[Any]  # render.documents.EpubDocument
    fonts: list[tuple[Any, bytes]]
    cover_png: bytes | None


def identifier(identifier: str) -> str:
    """The parallel edition's own identifier, made from the book's: another publication."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identifier + '#parallel')}"


def prepare(job: Job) -> Prepared:
    from studyguide.model import Medium
    from studyguide.render.documents import render_epub_documents
    from studyguide.render.epubpackage import cover_image, font_subsets
    from studyguide.render.parallel import parallel_book, screen_book

    book, out = job.book, job.options.out
    job.progress("rendering the parallel EPUB's documents")
    screen = screen_book(parallel_book(book, Medium.EPUB, job.date.date()), "epub")
    cover_png = cover_image(book, out, job.date.date()) if job.options.cover else None
    documents = render_epub_documents(screen.view, "images/cover.png" if cover_png else None)
    return Prepared(screen, documents, font_subsets(book, out, documents), cover_png)


def render(book: Book) -> None:
    """The parallel EPUB's documents and navigation rendered from the templates (not
    written)."""
    from studyguide.model import Medium
    from studyguide.render.documents import render_epub_documents, render_navigation
    from studyguide.render.parallel import parallel_book, screen_book

    screen = screen_book(parallel_book(book, Medium.EPUB), "epub")
    render_epub_documents(screen.view, "images/cover.png")
    render_navigation(screen.book, [], cover=True)


def write(job: Job, prepared: Prepared, handle: IO[bytes], kobo: bool, name: str) -> None:
    """The EPUB (named `name`; with Kobo's spans if `kobo`) packed, its page-break markers
    placed where the print edition's pages begin, each link and page into the translation
    leading to where it is shown."""
    from studyguide.layout.markers import insert_markers
    from studyguide.model import Medium
    from studyguide.render import epubpackage
    from studyguide.render.kobo import kobo_document

    screen = prepared.screen
    documents, pages = insert_markers(prepared.documents, job.page_map or (), job.book.root)
    documents = screen.relink(documents, Medium.EPUB)
    pages = screen.rehome(pages, Medium.EPUB)
    if kobo:
        documents = [replace(d, xhtml=kobo_document(d.xhtml)) for d in documents]
    meta = screen.book.meta
    book = replace(screen.book, meta=replace(meta, identifier=identifier(meta.identifier)))
    data = epubpackage.build_epub_package(
        book,
        documents,
        prepared.fonts,
        pages,
        prepared.cover_png,
        job.date,
        styles=("parallel-epub.css",),
        page_source=f"{meta.identifier}#print-edition",
    )
    epubpackage.check_packed(data, job.options.out / name)
    handle.write(data)
