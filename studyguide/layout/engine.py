"""WeasyPrint, as the book may use it: the URL rules (only files inside the book), the patches
applied, each note kept with its call; a laid-out document written as a tagged PDF."""

from __future__ import annotations

import gc
import mimetypes
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urlparse

from studyguide.errors import BuildError, ErrorCollector
from studyguide.sources.trust import read_source_bytes, url_refusal

if TYPE_CHECKING:
    from weasyprint import Document

PDF_VARIANT = "pdf/ua-1"
# Images and fonts a print layout may read; anything bigger is a mistake or an attack.
MAX_RESOURCE_BYTES = 20_000_000
# Objects allocated between two runs of Python's cycle collector in a process that lays books
# out (the default, 700, had it walk a layout's young boxes some 1,800 times a build, and the
# whole heap 14 times: a tenth of the build's time); a little more memory between runs.
COLLECTION_THRESHOLD = 10_000


def collect_less_often() -> None:
    """Python's cycle collector run less often in this process (set once, at its start: set
    and restored around each layout, the collections put off ran at each restoring)."""
    first, *others = gc.get_threshold()
    gc.set_threshold(max(first, COLLECTION_THRESHOLD), *others)


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
            why = url_refusal(url, allowed, max_bytes)
            is_data = url.split(":", 1)[0].lower() == "data"
            if why:
                self.refuse(url[:40] + "…" if is_data else url, why)
            if is_data:
                return super().fetch(url, headers)
            path = Path(unquote(urlparse(url).path)).resolve()
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


def _import_weasyprint() -> None:
    """WeasyPrint imported, its native libraries found from ldconfig's cache alone. It tries
    each library under several names (for Linux, macOS and Windows), and for each name that
    is not a file ctypes' `find_library` asks `ldconfig -p`, then runs gcc and ld: sixteen
    compiler runs, a tenth of a second of every command that lays a book out. ldconfig finds
    every library WeasyPrint loads where gcc and ld would (the same answer for each name it
    tries); elsewhere than Linux, ctypes' own search is kept."""
    if "weasyprint.text.ffi" in sys.modules:
        return
    import ctypes.util

    search = ctypes.util.find_library
    from_cache = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if from_cache is not None and sys.platform.startswith("linux"):
        ctypes.util.find_library = from_cache
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = search


def prepare() -> None:
    """WeasyPrint imported, its patches applied (patches/): done once in a process."""
    _import_weasyprint()

    from studyguide.layout.patches import (
        borders,
        compression,
        footnotes,
        speedups,
        tagging,
        typesetting,
    )

    speedups.apply()
    footnotes.apply()
    typesetting.apply()
    tagging.apply()
    borders.apply()
    compression.apply()


def lay_out_html(html: str, root: Path) -> Document:
    """Lay HTML out with WeasyPrint, its patches applied, reading only files inside the
    book's folder; the Document serves the PDF and the page map."""
    prepare()
    from weasyprint import HTML

    fetcher = _make_fetcher(root)
    base = root.resolve().as_uri() + "/"
    document = HTML(string=html, base_url=base, url_fetcher=fetcher).render()
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
    document.write_pdf(handle, pdf_variant=PDF_VARIANT, pdf_identifier=identifier.encode("utf-8"))
