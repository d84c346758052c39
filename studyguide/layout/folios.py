"""The page numbers at the foot of the print pages (folios), set once for the whole book and
stamped on its pages when its parts are merged.

A part is laid out without its folios, so that its layout does not depend on where in the
book it falls: when an edit makes a chapter a page longer, the chapters after it are moved,
not laid out again (partcache.py). The folios are laid out here, by WeasyPrint from the
print stylesheet (the same margin box, face and size as before), one page for each page of
the book, and each is drawn over its page as a pagination artifact (PDF/UA: not text of
the book's structure).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from studyguide import cache

if TYPE_CHECKING:  # (imported where the folios are stamped: the merge, not the layout)
    import pikepdf

# In a part's print HTML: no folio of its own (print_book.html.j2 adds this to a part).
NO_FOLIOS = "@page { @bottom-center { content: none; } }"
_FOLIO_PAGES = """
.folio-page { break-before: page; height: 1px; }
.folio-page:first-child { break-before: auto; }
.no-folio { page: front; }
"""


def folio_html(css: str, shown: Sequence[bool]) -> str:
    """A document of as many pages as `shown`, each with nothing but its folio (where shown
    is true); the pages' sides and margins are the book's."""
    pages = "".join(
        f'<div class="folio-page{"" if show else " no-folio"}"></div>' for show in shown
    )
    head = f"<head><style>{css}\n{_FOLIO_PAGES}</style></head>"
    return f"<!DOCTYPE html><html>{head}<body>{pages}</body></html>"


def folio_pdf(
    css: str,
    shown: Sequence[bool],
    root: Path,
    out: Path,
    meanwhile: Callable[[], None] | None = None,
) -> bytes:
    """The folios as a PDF, one page a page of the book; kept in the build cache. While they
    are laid out, this process does `meanwhile`."""
    from studyguide.layout.workers import map_parts

    key = cache.digest([css, "".join("1" if show else "0" for show in shown)])

    def make() -> bytes:
        # In a process of its own (workers.py): not to keep what laying out every page of
        # the book costs through the merge that follows.
        return map_parts(
            functools.partial(_lay_out, root), [folio_html(css, shown)], meanwhile=meanwhile
        )[0]

    return cache.get_or_make(cache.entry(out, "folios", key, ".pdf"), make, _is_pdf)


def _lay_out(root: Path, html: str) -> bytes:
    from studyguide.layout.engine import lay_out_html, write_pdf

    buffer = io.BytesIO()
    write_pdf(lay_out_html(html, root), buffer, "folios")
    return buffer.getvalue()


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def _as_artifact(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """The page's marked content made a pagination artifact (it was tagged as a span of a
    structure tree that the book does not have)."""
    import pikepdf

    operations = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC":
            operations.append(([pikepdf.Name.Artifact], pikepdf.Operator("BMC")))
        else:
            operations.append((operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))
    for key in ("/StructParents", "/Annots"):
        if key in page.obj:
            del page.obj[key]


def stamp(
    merged: pikepdf.Pdf,
    folios: bytes,
    shown: Sequence[bool],
    retag: Callable[[pikepdf.Pdf], None] | None = None,
) -> None:
    """Draw each folio over its page of the merged book; `retag` gives the folios' font
    subsets tags of their own first."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(folios)) as source:
        if retag is not None:
            retag(source)
        for index, show in enumerate(shown):
            if not show or index >= len(merged.pages) or index >= len(source.pages):
                continue
            folio = source.pages[index]
            _as_artifact(source, folio)
            form = source.make_indirect(folio.as_form_xobject())  # (each one a copy of its own)
            _draw_over(merged, merged.pages[index], form, index + 1)


def _draw_over(pdf: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object, number: int) -> None:
    """Paint `form` (a page of the same size) over `page`, as a pagination artifact. (Its
    name is the page's own: a part's pages share one resource dictionary.)"""
    import pikepdf

    copied = pdf.copy_foreign(form)
    if "/Resources" not in page.obj:
        page.obj.Resources = pikepdf.Dictionary()
    resources = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    name = pikepdf.Name(f"/StudyguideFolio{number}")
    resources.XObject[name] = copied
    # The page's own drawing leaves its transformation (WeasyPrint's flip) in force: it is
    # saved and restored around it, so that the folio is painted in the page's own space.
    page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
    painted = pdf.make_stream(b"\nQ\n/Artifact BMC q " + bytes(name) + b" Do Q EMC\n")
    page.contents_add(painted, prepend=False)
