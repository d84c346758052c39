"""The print layout: the shared layout as one HTML document → WeasyPrint → a laid-out document.

One layout serves the PDF (written from it) and the page map (read from it); a long book is
laid out in parts (parts.py) and merged (merge.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urlparse

from studyguide.editions.pdf import parts
from studyguide.editions.pdf.pages import anchor_pages, from_document
from studyguide.errors import BuildError, ErrorCollector
from studyguide.model import Book, Medium
from studyguide.options import PAPERS, Options, Progress, quiet
from studyguide.output import atomic_output
from studyguide.render.documents import PrintPart, print_stylesheet, render_print_html
from studyguide.render.views import render_book
from studyguide.sources.trust import read_source_bytes

if TYPE_CHECKING:
    from weasyprint import Document

    from studyguide.pagemap import PageStart
    from studyguide.render.views import BookView

PDF_VARIANT = "pdf/ua-1"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Images and fonts a print layout may read; anything bigger is a mistake or an attack.
MAX_RESOURCE_BYTES = 20_000_000


def check_paper(paper: str) -> None:
    if paper not in PAPERS:
        raise BuildError(
            None,
            f"unknown paper size '{paper}'",
            "use one of: " + ", ".join(PAPERS),
            "usage.paper",
        )


def print_html(book: Book, options: Options, date: dt.datetime | None = None) -> str:
    """The whole book as one HTML document with its stylesheet inline: what WeasyPrint lays out.

    With `options.glossary_pages`, the first link to a term in each chapter gives its
    glossary page.
    """
    return _renderer(book, options, date)[1](None)


def _renderer(
    book: Book, options: Options, date: dt.datetime | None
) -> tuple[BookView, Callable[[PrintPart | None], str]]:
    """The book's print view, and what renders it (or one part of it) as the print HTML."""
    check_paper(options.paper)
    view = render_book(book, Medium.PRINT, date.date() if date else None)
    css = print_stylesheet(book, options.paper, one_sided=not options.blank_pages)
    stamp = date.strftime(DATE_FORMAT) if date else ""

    def render(part: PrintPart | None) -> str:
        return render_print_html(
            view, options.paper, options.writing_space, css, stamp, options.glossary_pages, part
        )

    return view, render


def _make_fetcher(root: Path, max_bytes: int = MAX_RESOURCE_BYTES) -> Any:
    """A URL fetcher that reads only files inside the book's folder: nothing remote.

    `http:`, `https:` and every other scheme are refused without a connection being made;
    `file:` only inside the book's folder (after following links) and `data:` URLs only up
    to `max_bytes`. Each refusal is kept with its reason, for the error after the layout.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = root.resolve()

    class BookFetcher(URLFetcher):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.refused: dict[str, str] = {}  # url → why

        def refuse(self, url: str, why: str) -> NoReturn:
            self.refused.setdefault(url, why)
            raise ValueError(f"studyguide refused {url}: {why}")

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                if len(url) > max_bytes:
                    self.refuse(url[:40] + "…", f"data URL larger than {max_bytes:,} bytes")
                return super().fetch(url, headers)
            if scheme != "file":
                self.refuse(url, "not a file in the book's folder; nothing is fetched remotely")
            path = Path(unquote(urlparse(url).path))
            try:
                path = path.resolve()
            except (OSError, RuntimeError):
                self.refuse(url, "the path cannot be resolved")
            if not path.is_relative_to(allowed):
                self.refuse(url, f"outside the book's folder {allowed}")
            if not path.is_file():
                self.refuse(url, "no such file")
            try:  # as the sources are read: a regular file, never waited on, up to the limit
                data = read_source_bytes(allowed, path, max_bytes)
            except BuildError as error:
                too_big = error.code == "source.size"
                self.refuse(
                    url,
                    f"larger than the limit of {max_bytes:,} bytes" if too_big else error.message,
                )
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": kind})

    return BookFetcher(allowed_protocols=("file", "data"), fail_on_errors=False)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def layout(html: str, root: Path) -> Document:
    """Lay the print edition out once; the Document serves the PDF and the EPUB's page map."""
    from weasyprint import HTML

    from studyguide.editions.pdf import speedups, tagging, typesetting

    speedups.apply()
    typesetting.apply()
    tagging.apply()
    from studyguide.editions.pdf.notes import keep_notes_with_calls

    fetcher = _make_fetcher(root)
    document = keep_notes_with_calls(
        html,
        lambda text: HTML(
            string=text, base_url=root.resolve().as_uri() + "/", url_fetcher=fetcher
        ).render(),
    )
    errors = ErrorCollector()
    for url, why in sorted(fetcher.refused.items()):
        errors.add(
            BuildError(
                None,
                f"the print edition refers to a resource it may not read: {url} ({why})",
                f"use only files inside the book's folder, of at most {MAX_RESOURCE_BYTES:,} bytes",
                "pdf.resource",
            )
        )
    errors.raise_if_any()
    return document


def write_pdf(document: Document, handle: IO[bytes], identifier: str) -> None:
    """Write the laid-out document as a tagged PDF (PDF/UA-1)."""
    document.write_pdf(
        handle,
        pdf_variant=PDF_VARIANT,
        pdf_identifier=identifier.encode("utf-8"),
    )


@dataclass
class OnePiece:
    """A print edition laid out as one document."""

    document: Document

    def page_starts(self) -> list[PageStart]:
        return from_document(self.document)

    def write_to(self, handle: IO[bytes], identifier: str) -> None:
        write_pdf(self.document, handle, identifier)


@dataclass
class InParts:
    """A long print edition laid out in parts (studyguide/parts.py), each already written."""

    laid: parts.PartsLayout
    folder: tempfile.TemporaryDirectory

    def page_starts(self) -> list[PageStart]:
        return self.laid.page_starts

    def write_to(self, handle: IO[bytes], identifier: str) -> None:
        from studyguide.editions.pdf import merge

        pieces = [part.pdf for part in self.laid.parts]
        try:
            merge.merge(list(zip(pieces, self.laid.blank_before(), strict=True)), handle)
        finally:
            self.folder.cleanup()


def lay_out_book(
    book: Book, options: Options, date: dt.datetime | None = None, progress: Progress = quiet
) -> OnePiece | InParts:
    """The print edition laid out: in one piece, or in parts if it is long (see parts.py)."""
    view, render = _renderer(book, options, date)
    plan = parts.plan(view, options.part_size)
    if len(plan) == 1 and not options.glossary_pages:
        return OnePiece(layout(render(None), book.root))
    # With --glossary-pages even a short book takes the parts' way, in one part: WeasyPrint's
    # own target-counter() can print a stale page number once the "(p. N)" it has inserted
    # move a link to the next page ("Linked from pp. 10, 21" for a link on page 22).

    def lay_out_part(html: str, first_page: int, target: Path) -> tuple[list, dict, int]:
        document = layout(html, book.root)
        starts = from_document(document, first_page)
        anchors = anchor_pages(document, first_page)
        with atomic_output(target) as handle:
            write_pdf(document, handle, book.meta.identifier)
        return starts, anchors, len(document.pages)

    folder = tempfile.TemporaryDirectory(prefix="studyguide-parts-")
    try:
        laid = parts.lay_out(
            plan,
            render,
            lay_out_part,
            Path(folder.name),
            progress,
            options.glossary_pages,
            right_hand=options.blank_pages,
        )
    except BaseException:
        folder.cleanup()
        raise
    return InParts(laid, folder)
