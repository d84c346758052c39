"""The e-reader edition: an EPUB 3 with the print edition's page numbers, pop-up notes, a
glossary and a cover, packed reproducibly (package.py) from the shared layout's XHTML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from studyguide.editions import Edition, Job, Needs, register
from studyguide.model import Book, BookMeta
from studyguide.options import Options


@dataclass(frozen=True)
class Prepared:
    """The EPUB made ready, all but its page-break markers (which need the page map)."""

    documents: list[Any]  # render.documents.EpubDocument
    fonts: list[tuple[Any, bytes]]  # (render.typeface.Face, its subset)
    cover_png: bytes | None


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}.epub"


def prepare(job: Job) -> Prepared:
    """The documents, the font subsets and the cover: everything but the page numbers."""
    from studyguide.model import Medium
    from studyguide.render.documents import render_epub_documents
    from studyguide.render.epubpackage import cover_image, font_subsets
    from studyguide.render.views import render_book

    book, out = job.book, job.options.out
    job.progress("rendering the EPUB's documents")
    cover_png = cover_image(book, out, job.date.date()) if job.options.cover else None
    view = render_book(book, Medium.EPUB, job.date.date())
    documents = render_epub_documents(view, "images/cover.png" if cover_png else None)
    return Prepared(documents, font_subsets(book, out, documents), cover_png)


def check(book: Book, options: Options) -> None:
    """The book's own stylesheets name nothing the EPUB cannot carry (before any work)."""
    from studyguide.render.stylesheet_urls import check_stylesheet_urls

    check_stylesheet_urls(book.root, ("base.css", "epub.css"), "the EPUB")


def render(book: Book, options: Options) -> None:
    from studyguide.model import Medium
    from studyguide.render.documents import render_epub_documents, render_navigation
    from studyguide.render.views import render_book

    render_epub_documents(render_book(book, Medium.EPUB), "images/cover.png")
    render_navigation(book, [], cover=True)
    check(book, options)


def write(
    job: Job,
    prepared: Prepared,
    handle: IO[bytes],
    transform: Callable[[Any], Any] | None = None,
    name: str = "",
) -> None:
    """The EPUB packed from what `prepare` made, its page-break markers placed; `transform`
    changes each document before packing (the Kobo edition's spans)."""
    from studyguide.layout.markers import insert_markers
    from studyguide.render import epubpackage

    documents, entries = insert_markers(prepared.documents, job.page_map or (), job.book.root)
    if transform is not None:
        documents = [transform(document) for document in documents]
    data = epubpackage.build_epub_package(
        job.book, documents, prepared.fonts, entries, prepared.cover_png, job.date
    )
    epubpackage.check_packed(
        data, job.options.out / (name or file_name(job.book.meta, job.options))
    )
    handle.write(data)


EPUB = register(
    Edition(
        "epub",
        "EPUB",
        "write the EPUB",
        file_name,
        write,
        needs=Needs.PAGE_MAP,
        default=True,
        prepare=prepare,
        check=check,
        render=render,
    )
)
