"""Pages imposed for a saddle-stitched booklet: two pages a side of a sheet twice their width,
in the order that, printed on both sides, folded and nested, reads as the book (pikepdf).

For n pages padded to a multiple of 4, sheet s (from 0, the outermost) of a signature of m
pages holds, 1-based, pages (m − 2s, 2s + 1) on its front and (2s + 2, m − 2s − 1) on its
back, left then right. Blank pages go before the last page (the back cover). A printer that
turns the sheets on their long edge prints the backs upside down: they are turned 180°.
Creep: the pages of the inner sheets move toward the fold, the innermost by `creep` points,
so that once folded (and trimmed) their outer margins match the outer sheets'.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

BLANK = 0  # a blank page's number in a side's pair
# The sheets, in points, landscape: A5 pages on A4 (2 × 148 mm is 1 mm short of 297 mm: the
# pages meet at the fold, the spare half millimetre is at the sheet's outer edges).
SHEETS = {"a4": (841.89, 595.28), "letter": (792.0, 612.0)}


@dataclass(frozen=True)
class Side:
    """One side of a sheet: its two pages (1-based; BLANK for none), and the sheet's place in
    its signature (0: the outermost), for the creep."""

    left: int
    right: int
    back: bool
    sheet: int


def padded_order(pages: int) -> list[int]:
    """The book's page numbers padded to a multiple of 4, the blanks before the last page."""
    padding = -pages % 4
    if pages < 2:
        return [*range(1, pages + 1), *[BLANK] * padding]
    return [*range(1, pages), *[BLANK] * padding, pages]


def sides(pages: int, signature: int = 0) -> list[Side]:
    """Every side of every sheet, in printing order (front, back, next sheet …); `signature`
    pages a signature (a multiple of 4; 0: one signature)."""
    order = padded_order(pages)
    size = signature or len(order)
    out = []
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        m = len(chunk)
        for s in range(m // 4):
            out.append(Side(chunk[m - 2 * s - 1], chunk[2 * s], False, s))
            out.append(Side(chunk[2 * s + 1], chunk[m - 2 * s - 2], True, s))
    return out


def creep_shifts(pages: int, signature: int, creep: float) -> dict[int, float]:
    """The shift toward the fold of each sheet's pages (by its place in its signature): none
    for the outermost, `creep` for the innermost of the largest signature, evenly between."""
    sheets = (signature or len(padded_order(pages))) // 4
    step = creep / (sheets - 1) if sheets > 1 else 0.0
    return {s: step * s for s in range(sheets)}


def impose(
    source: bytes,
    sheet: tuple[float, float],
    flip: str = "short",
    creep: float = 0.0,
    signature: int = 0,
    title: str = "",
    subject: str = "",
) -> bytes:
    """The booklet: the PDF `source`'s pages two a side of a `sheet` (width, height), ready
    to print on both sides; each page against the fold. It is a file for printing: no
    structure tree, no PDF/UA claim; `title` and `subject` say so."""
    with pikepdf.open(io.BytesIO(source)) as book, pikepdf.new() as out:
        count = len(book.pages)
        width, height = (float(v) for v in book.pages[0].mediabox[2:4])
        forms = [out.copy_foreign(pikepdf.Page(page).as_form_xobject()) for page in book.pages]
        shifts = creep_shifts(count, signature, creep)
        for side in sides(count, signature):
            shift = shifts[side.sheet]
            resources = pikepdf.Dictionary()
            content = []
            if side.back and flip == "long":
                content.append(f"q -1 0 0 -1 {sheet[0]:.4f} {sheet[1]:.4f} cm")
            fold, y = sheet[0] / 2, (sheet[1] - height) / 2
            for number, x, dx in ((side.left, fold - width, shift), (side.right, fold, -shift)):
                if number == BLANK:
                    continue
                name = f"/P{number}"
                resources[name] = forms[number - 1]
                content.append(
                    f"q {x:.4f} {y:.4f} {width:.4f} {height:.4f} re W n "
                    f"1 0 0 1 {x + dx:.4f} {y:.4f} cm {name} Do Q"
                )
            if side.back and flip == "long":
                content.append("Q")
            page = out.add_blank_page(page_size=sheet)
            page.obj.Resources = pikepdf.Dictionary(XObject=resources)
            page.obj.Contents = out.make_stream("\n".join(content).encode("ascii"))
        out.docinfo["/Title"] = title
        out.docinfo["/Subject"] = subject
        out.docinfo["/Creator"] = "studyguide"
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, compress_streams=True)
        return buffer.getvalue()
