"""The print edition: the shared layout as one HTML document → WeasyPrint → PDF."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt

from studyguide.errors import BuildError
from studyguide.layout import render_book, render_print_html
from studyguide.model import Book, Edition
from studyguide.output import atomic_output

if TYPE_CHECKING:
    from weasyprint import Document

PAPER_SIZES = ("a4", "letter", "a5")
PDF_VARIANT = "pdf/ua-1"


def stylesheet_text(paper: str) -> str:
    """base.css, print.css and the paper size's sheet, in that order."""
    styles = resources.files("studyguide") / "styles"
    return "\n".join(
        (styles / name).read_text(encoding="utf-8")
        for name in ("base.css", "print.css", f"paper-{paper}.css")
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
    if paper not in PAPER_SIZES:
        raise BuildError(
            None,
            f"unknown paper size '{paper}'",
            "use one of: " + ", ".join(PAPER_SIZES),
            "usage.paper",
        )
    view = render_book(md, book, Edition.PRINT)
    return render_print_html(
        view, paper, writing_space, stylesheet_text(paper), date, glossary_pages
    )


def _make_fetcher(root: Path) -> Any:
    """A URL fetcher that reads only files inside the book's folder: nothing remote."""
    from weasyprint.urls import URLFetcher

    allowed = root.resolve()

    class BookFetcher(URLFetcher):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if path.is_relative_to(allowed) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"studyguide reads only files inside the book's folder: {url}")

    return BookFetcher(allowed_protocols=("file",), fail_on_errors=False)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def layout(html: str, root: Path) -> Document:
    """Lay the print edition out once; the Document serves the PDF and the EPUB's page map."""
    from weasyprint import HTML

    fetcher = _make_fetcher(root)
    document = HTML(
        string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=fetcher
    ).render()
    if fetcher.refused:
        raise BuildError(
            None,
            "the print edition refers to resources outside the book: "
            + ", ".join(sorted(set(fetcher.refused))),
            "use only files inside the book's folder",
            "pdf.resource",
        )
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
