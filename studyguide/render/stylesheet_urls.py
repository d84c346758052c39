"""The URLs in a book's own stylesheets for the EPUB and the web edition, under the print
layout's rule (sources/trust.url_refusal): nothing remote, nothing outside the book. Those
editions carry no files of the book's, so only `data:` URLs are left for them; anything else
would be a broken reference, or a reading system telling a server who opened the book."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import tinycss2

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.render.markup import STYLES_DIR
from studyguide.sources.trust import is_regular_inside, url_refusal

MAX_DATA_URL = 20_000_000  # as the print layout's resources


def _urls(css: str) -> Iterator[tuple[str, int, int]]:
    """Each URL a stylesheet names (url(…), src(…), @import "…"), with its line and column."""
    pending = list(tinycss2.parse_component_value_list(css))
    importing = False
    while pending:
        token = pending.pop(0)
        if token.type == "url":
            yield token.value, token.source_line, token.source_column
        elif token.type == "function":
            if token.lower_name in ("url", "src"):
                strings = [t for t in token.arguments if t.type == "string"]
                if strings:
                    yield strings[0].value, token.source_line, token.source_column
            pending[:0] = token.arguments
        elif token.type in ("() block", "[] block", "{} block"):
            pending[:0] = token.content
        elif importing and token.type == "string":
            yield token.value, token.source_line, token.source_column
        if token.type == "at-keyword":
            importing = token.lower_value == "import"
        elif token.type not in ("whitespace", "comment"):
            importing = False


def check_stylesheet_urls(root: Path, names: tuple[str, ...], edition: str) -> None:
    """Refuse a URL in the book's own styles/NAME (for each of `names`) that `edition`
    (its label: "the EPUB") may not load: each with its line and column."""
    errors = ErrorCollector()
    for name in names:
        path = root / STYLES_DIR / name
        if not is_regular_inside(root, path):
            continue  # the package's own, or a file the loader refuses when it reads it
        from studyguide.sources.files import read_text

        for url, line, column in _urls(read_text(root, path)):
            is_data = url.strip().lower().startswith("data:")
            why = url_refusal(url, root, MAX_DATA_URL)
            if not why and is_data:
                continue
            shown = url if len(url) <= 80 else url[:79] + "…"
            errors.add(
                BuildError(
                    SourceRef(path, line, column),
                    f"the stylesheet refers to '{shown}', which {edition} may not load: "
                    + (why or f"{edition} carries no files of the book's"),
                    "in the EPUB's and the web edition's stylesheets, use only data: URLs "
                    "(the print edition's may name files inside the book's folder)",
                    "style.url",
                )
            )
    errors.raise_if_any()
