"""The print edition: the shared layout as one HTML document → WeasyPrint → PDF."""

from __future__ import annotations

import logging
import mimetypes
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt

from studyguide import pagemap, parts
from studyguide.errors import BuildError, ErrorCollector
from studyguide.layout import PrintPart, render_book, render_print_html
from studyguide.model import Book, Edition
from studyguide.output import atomic_output

if TYPE_CHECKING:
    from weasyprint import Document

    from studyguide.pagemap import PageStart

PAPER_SIZES = ("a4", "letter", "a5")
PDF_VARIANT = "pdf/ua-1"
# Images and fonts a print layout may read; anything bigger is a mistake or an attack.
MAX_RESOURCE_BYTES = 20_000_000


def stylesheet_text(paper: str) -> str:
    """base.css, print.css and the paper size's sheet, in that order."""
    styles = resources.files("studyguide") / "styles"
    return "\n".join(
        (styles / name).read_text(encoding="utf-8")
        for name in ("base.css", "print.css", f"paper-{paper}.css")
    )


def _check_paper(paper: str) -> None:
    if paper not in PAPER_SIZES:
        raise BuildError(
            None,
            f"unknown paper size '{paper}'",
            "use one of: " + ", ".join(PAPER_SIZES),
            "usage.paper",
        )


def print_html(
    md: MarkdownIt,
    book: Book,
    paper: str = "a4",
    writing_space: bool = True,
    date: str = "",
    glossary_pages: bool = False,
) -> str:
    """The whole book as one HTML document with its stylesheet inline: what WeasyPrint lays out.

    With `glossary_pages`, the first link to a term in each chapter gives its glossary page.
    """
    _check_paper(paper)
    view = render_book(md, book, Edition.PRINT)
    return render_print_html(
        view, paper, writing_space, stylesheet_text(paper), date, glossary_pages
    )


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
            try:
                with path.open("rb") as handle:
                    data = handle.read(max_bytes + 1)
            except OSError as exc:
                self.refuse(url, f"cannot be read: {exc.strerror}")
            if len(data) > max_bytes:
                self.refuse(url, f"larger than the limit of {max_bytes:,} bytes")
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

    from studyguide import speedups

    speedups.apply()
    fetcher = _make_fetcher(root)
    document = HTML(
        string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=fetcher
    ).render()
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


def write_pdf(document: Document, target: Path, identifier: str) -> Path:
    """Write the laid-out document as a tagged PDF (PDF/UA-1), atomically."""
    with atomic_output(target) as handle:
        document.write_pdf(
            handle,
            pdf_variant=PDF_VARIANT,
            pdf_identifier=identifier.encode("utf-8"),
        )
    return target


@dataclass
class OnePiece:
    """A print edition laid out as one document."""

    document: Document

    def page_starts(self) -> list[PageStart]:
        return pagemap.from_document(self.document)

    def write(self, target: Path, identifier: str) -> Path:
        return write_pdf(self.document, target, identifier)


@dataclass
class InParts:
    """A long print edition laid out in parts (studyguide/parts.py), each already written."""

    laid: parts.PartsLayout
    folder: tempfile.TemporaryDirectory

    def page_starts(self) -> list[PageStart]:
        return self.laid.page_starts

    def write(self, target: Path, identifier: str) -> Path:
        from studyguide import pdfmerge

        pieces = [part.pdf for part in self.laid.parts]
        try:
            with atomic_output(target) as handle:
                pdfmerge.merge(list(zip(pieces, self.laid.blank_before(), strict=True)), handle)
        finally:
            self.folder.cleanup()
        return target


def lay_out_book(
    md: MarkdownIt,
    book: Book,
    paper: str = "a4",
    writing_space: bool = True,
    date: str = "",
    glossary_pages: bool = False,
    part_size: int = parts.DEFAULT_PART_SIZE,
    progress: Callable[[str], None] = lambda message: None,
) -> OnePiece | InParts:
    """The print edition laid out: in one piece, or in parts if it is long (see parts.py)."""
    _check_paper(paper)
    view = render_book(md, book, Edition.PRINT)
    css = stylesheet_text(paper)
    plan = parts.plan(view, part_size)

    def render(part: PrintPart | None) -> str:
        return render_print_html(view, paper, writing_space, css, date, glossary_pages, part)

    if len(plan) == 1 and not glossary_pages:
        return OnePiece(layout(render(None), book.root))
    # With --glossary-pages even a short book takes the parts' way, in one part: WeasyPrint's
    # own target-counter() can print a stale page number once the "(p. N)" it has inserted
    # move a link to the next page ("Linked from pp. 10, 21" for a link on page 22).

    def lay_out_part(html: str, first_page: int, target: Path) -> tuple[list, dict, int]:
        document = layout(html, book.root)
        starts = pagemap.from_document(document, first_page)
        anchors: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for name in page.anchors:  # an element over several pages: its first
                anchors.setdefault(name, first_page + index)
        write_pdf(document, target, book.meta.identifier)
        return starts, anchors, len(document.pages)

    folder = tempfile.TemporaryDirectory(prefix="studyguide-parts-")
    try:
        laid = parts.lay_out(
            plan, render, lay_out_part, Path(folder.name), progress, glossary_pages
        )
    except BaseException:
        folder.cleanup()
        raise
    return InParts(laid, folder)
