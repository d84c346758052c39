"""The book's print layout: its print HTML → WeasyPrint (engine.py) → a laid-out document.

One layout serves the PDF (written from it) and the page map (read from it); a long book is
laid out in parts (parts.py) and merged (merge.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from studyguide.errors import BuildError
from studyguide.layout import parts
from studyguide.layout.engine import lay_out_html, write_pdf
from studyguide.layout.pages import anchor_pages, from_document
from studyguide.model import Book, Medium
from studyguide.options import PAPERS, Options, Progress, quiet
from studyguide.output import atomic_output
from studyguide.render.documents import PrintPart, print_stylesheet, render_print_html
from studyguide.render.views import render_book

if TYPE_CHECKING:
    from weasyprint import Document

    from studyguide.layout.pagemap import PageStart
    from studyguide.render.views import BookView

DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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
        from studyguide.layout import merge

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
        return OnePiece(lay_out_html(render(None), book.root))
    # With --glossary-pages even a short book takes the parts' way, in one part: WeasyPrint's
    # own target-counter() can print a stale page number once the "(p. N)" it has inserted
    # move a link to the next page ("Linked from pp. 10, 21" for a link on page 22).

    def lay_out_part(html: str, first_page: int, target: Path) -> tuple[list, dict, int]:
        document = lay_out_html(html, book.root)
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
