"""The print proof's rules found again from a finished PDF alone, with PyMuPDF: text lines and
their characters' positions, the drawn rules, the outline and the named destinations. Nothing
here reads studyguide's layout: it is the independent check of `studyguide proof`.

The page's text area comes from the paper's stylesheet (paper-<paper>.css), as a reader with
a ruler would take it from the page.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pymupdf

PT_PER_MM = 72 / 25.4
HYPHENS = ("-", "\u2010", "\u00ad")
MAX_BAND_LINES = 3
ZONE = 0.12
RUNT_LINES = 3
STYLES = Path(__file__).resolve().parent.parent / "studyguide" / "render" / "styles"


@dataclass
class Line:
    top: float
    bottom: float
    left: float
    right: float
    size: float
    text: str
    chars: list[tuple[str, float, float]] = field(default_factory=list)  # (char, x0, x1)
    block: int = -1  # the text block PyMuPDF found it in, of those of its page


@dataclass
class Page:
    number: int
    lines: list[Line]  # the text area's lines (body text, headings, questions)
    notes: list[Line]
    heads: list[Line]  # in the top margin
    rules: list[float]  # ruled writing lines: their y
    note_top: float | None
    area: tuple[float, float, float, float]  # left, top, right, bottom of the text area

    @property
    def blank(self) -> bool:
        return not self.lines and not self.notes and not self.heads

    @property
    def content_bottom(self) -> float | None:
        bottoms = [line.bottom for line in self.lines] + self.rules
        return max(bottoms) if bottoms else None


def _margins(paper: str, one_sided: bool) -> dict[str, tuple[float, float, float, float]]:
    """The text area's margins (top, right, bottom, left, in points) of right and left pages."""
    names = [f"paper-{paper}.css"] + ([f"paper-{paper}-one-sided.css"] if one_sided else [])
    found: dict[str, tuple[float, ...]] = {}
    for name in names:
        css = (STYLES / name).read_text(encoding="utf-8")
        for selector, body in re.findall(r"@page\s*(:left|:right)?\s*\{([^}]*)\}", css):
            margin = re.search(r"margin:\s*([^;]+);", body)
            sides = re.findall(r"margin-(left|right):\s*([\d.]+)mm", body)
            if margin:
                values = [float(v.removesuffix("mm")) * PT_PER_MM for v in margin.group(1).split()]
                for side in ("right", "left"):
                    if not selector or selector == f":{side}":
                        found[side] = tuple(values)
            for side_name, value in sides:
                for side in ("right", "left"):
                    if not selector or selector == f":{side}":
                        top, right, bottom, left = found.get(side, (0, 0, 0, 0))
                        if side_name == "left":
                            left = float(value) * PT_PER_MM
                        else:
                            right = float(value) * PT_PER_MM
                        found[side] = (top, right, bottom, left)
    return found  # type: ignore[return-value]


def read_pages(path: Path, paper: str, one_sided: bool = False) -> list[Page]:
    margins = _margins(paper, one_sided)
    raw_pages: list[tuple[int, list[Line], list, tuple]] = []
    with pymupdf.open(path) as document:
        for index, pdf_page in enumerate(document):
            number = index + 1
            side = "right" if number % 2 else "left"
            top, right, bottom, left = margins[side]
            width, height = pdf_page.rect.width, pdf_page.rect.height
            area = (left, top, width - right, height - bottom)
            lines: list[Line] = []
            for number_in_page, block in enumerate(pdf_page.get_text("rawdict")["blocks"]):
                for raw in block.get("lines", []):
                    chars = [
                        (c["c"], c["bbox"][0], c["bbox"][2])
                        for span in raw["spans"]
                        for c in span["chars"]
                    ]
                    text = "".join(c for c, _, _ in chars)
                    if not text.strip():
                        continue
                    x0, y0, x1, y1 = raw["bbox"]
                    # (where the last glyph ends: a trailing space's width is no overflow)
                    x1 = max((right for c, _, right in chars if not c.isspace()), default=x1)
                    size = max(span["size"] for span in raw["spans"])
                    lines.append(Line(y0, y1, x0, x1, size, text, chars, number_in_page))
            raw_pages.append((number, lines, pdf_page.get_drawings(), area))
    sizes = Counter(round(line.size, 1) for _, lines, _, _ in raw_pages for line in lines)
    size = sizes.most_common(1)[0][0]
    return [_classify(number, lines, drawn, area, size) for number, lines, drawn, area in raw_pages]


_NOTE_START = re.compile(r"^\s*\d+(\. | \()")


def _rules(drawn: list, area: tuple) -> list[float]:
    """Ruled writing lines: WeasyPrint draws a border as the ring between two rectangles;
    a writing line is one whose ring is only its foot, across most of a measure."""
    left, _, right, _ = area
    found = []
    for drawing in drawn:
        rects = [item[1] for item in drawing["items"] if item[0] == "re"]
        if len(rects) != 2 or drawing["rect"].width < (right - left) * 0.6:
            continue
        inner, outer = sorted(rects, key=lambda r: r.y1)
        if abs(inner.y0 - outer.y0) < 0.1 and 0 < outer.y1 - inner.y1 < 1.5:
            found.append(outer.y1)
    return sorted(found)


def _classify(number: int, lines: list[Line], drawn: list, area: tuple, size: float) -> Page:
    left, top, right, bottom = area
    heads = [line for line in lines if line.bottom <= top + 1]
    inside = sorted(
        # (a line's glyphs may reach a little past the area's foot: its top says where it is)
        (line for line in lines if line.top >= top - 1 and line.top < bottom - 2),
        key=lambda line: line.top,
    )
    # The notes: the run of smaller lines at the page's foot that begins with a note's number.
    start = len(inside)
    while start > 0 and inside[start - 1].size < size - 1:
        start -= 1
    while start < len(inside) and not _NOTE_START.match(inside[start].text):
        start += 1
    notes = inside[start:]
    body = inside[:start]
    # A paragraph number stands in a margin: not a line of the text area.
    body = [line for line in body if not (line.left >= right - 1 or line.right <= left + 1)]
    note_top = notes[0].top if notes else None
    rules = [y for y in _rules(drawn, area) if note_top is None or y < note_top]
    return Page(number, body, notes, heads, rules, note_top, area)


def body_size(pages: list[Page]) -> float:
    sizes = Counter(round(line.size, 1) for page in pages for line in page.lines)
    return sizes.most_common(1)[0][0]


def chapter_starts(path: Path) -> list[int]:
    """The first page (1-based) of each bookmarked part of the book, in order."""
    with pymupdf.open(path) as document:
        return sorted({page for _level, _title, page, *_ in document.get_toc(simple=False)})


def last_pages(pages: list[Page], starts: list[int]) -> set[int]:
    """The last page with text before each chapter's start, and the book's last."""
    ends = set()
    texts = [page.number for page in pages if not page.blank]
    for start in [*starts[1:], len(pages) + 1]:
        before = [n for n in texts if n < start]
        if before:
            ends.add(before[-1])
    return ends


def note_pages(path: Path) -> dict[str, int]:
    """Each named destination's page (1-based): the notes' and their calls' ids among them."""
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index + 1 for index, page in enumerate(pdf.pages)}
        found = {}
        for name, target in pikepdf.NameTree(pdf.Root.Names.Dests).items():
            array = target.D if isinstance(target, pikepdf.Dictionary) else target
            found[name] = pages.get(array[0].objgen, 0)
        return found


def faults(
    path: Path, paper: str, one_sided: bool = False, pages: list[Page] | None = None
) -> list[tuple[int, str]]:
    """(page, rule) for every fault of the PDF, by the print proof's rules; `pages`, where
    given, are its pages as read_pages read them."""
    pages = read_pages(path, paper, one_sided) if pages is None else pages
    found = check(pages, last_pages(pages, chapter_starts(path)), body_size(pages))
    where = note_pages(path)
    for name, page in where.items():
        if name.startswith("noteref-"):
            note = where.get("note-" + name.removeprefix("noteref-"))
            if note is not None and note != page:
                found.append((page, "note-away"))
    return sorted(found)


def check(pages: list[Page], ends: set[int], size: float) -> list[tuple[int, str]]:
    """The faults of the pages (read from a PDF, or made up by a test); `ends` are the pages
    on which a chapter ends, `size` the text's font size."""
    leading = size * 1.45
    found: list[tuple[int, str]] = []
    for page in pages:
        if page.blank or not page.lines:
            continue
        # (the note area keeps a margin and its rule above its first line: a line's more)
        floor = page.note_top - leading if page.note_top is not None else page.area[3]
        bottom = page.content_bottom or floor
        if (
            page.number not in ends
            and page.number > 3
            and floor - bottom > (MAX_BAND_LINES + 0.2) * leading
        ):
            found.append((page.number, "hole"))
        body = [line for line in page.lines if abs(line.size - size) < 0.6]
        if body and body[-1].text.rstrip().endswith(HYPHENS) and page.number not in ends:
            found.append((page.number, "hyphen-page-turn"))
        found += [(page.number, "hyphen-short-line") for line in body if _short(line, page)]
        if len({round(line.top) for line in page.heads}) > 1:
            found.append((page.number, "head-wraps"))
        if any(line.right > page.area[2] + 1.5 for line in page.lines):
            found.append((page.number, "overfull"))
        held = len(page.lines) + len(page.rules)
        before = next((p for p in pages if p.number == page.number - 1), None)
        if (
            page.number in ends
            and page.number - 1 not in ends
            and 0 < held <= RUNT_LINES
            and before is not None
            and not before.blank
        ):
            found.append((page.number, "runt"))
    return found


def _short(line: Line, page: Page) -> bool:
    """A line ending with an added hyphen that would end less than ZONE short without it."""
    if not line.text.rstrip().endswith(("\u00ad", "\u2010")):
        return False
    text = "".join(c for c, _, _ in line.chars).rstrip()
    cut = text.rstrip("\u00ad\u2010").rfind(" ")
    if cut <= 0:
        return False
    before = [x1 for c, _, x1 in line.chars[:cut] if not c.isspace()]
    if not before:
        return False
    # The measure from the line's own left edge: no wider than its block's (a first line's
    # indent makes it narrower, so that a fault found here is one the layout made).
    right, left = page.area[2], line.left
    return (right - max(before)) / (right - left) <= ZONE


_SENTENCE_END = re.compile(r"[.?!:;][”’\")\]]*\d*$")  # (its note's call after it)


def short_breaks(pages: list[Page], size: float) -> list[tuple[int, str]]:
    """(page, what) for each line of the text broken short: the next line of its paragraph
    begins with a word (all that holds to it up to a space: "detalle.22", a name's no-break
    spaces) that would have fitted at its end, after a space. The next line is of the same
    paragraph where it is in the same text block, at the text's size, the text's line pitch
    below (a paragraph's or a list entry's own spacing is more) and not indented beyond it
    (a paragraph's first line is), unless the line ends a sentence: the entries of a list
    (the chronology's) may begin flush and as close as lines, and after a sentence the
    line may be an entry's last."""
    body = {
        page.number: [line for line in page.lines if abs(line.size - size) < 0.6 and line.chars]
        for page in pages
    }
    pitches = Counter(
        round(after.top - line.top, 1)
        for lines in body.values()
        for line, after in itertools.pairwise(lines)
        if after.block == line.block and after.top > line.top
    )
    if not pitches:
        return []
    pitch = pitches.most_common(1)[0][0]
    found: list[tuple[int, str]] = []
    for page in pages:
        for line, after in itertools.pairwise(body[page.number]):
            if (
                after.block != line.block
                or abs(after.top - line.top - pitch) > 0.3
                or after.left > line.left + 0.5
                or line.text.rstrip().endswith(HYPHENS)
                or _SENTENCE_END.search(line.text.rstrip())
            ):
                continue
            text = "".join(c for c, _, _ in after.chars)
            word = after.chars[: len(text.split(" ", 1)[0])]
            spaces = [x1 - x0 for c, x0, x1 in line.chars if c == " "]
            space = min(spaces) if spaces else size / 4
            if word and page.area[2] - line.right > space + word[-1][2] - word[0][1] + 0.5:
                head = "".join(c for c, _, _ in word)
                found.append((page.number, f"“{line.text.strip()[-30:]}” / “{head}”"))
    return found


@dataclass(frozen=True)
class Underline:
    page: int
    top: float  # the top of the dotted line (its border's ring: the box's foot)
    word: str  # the text above it, within its link
    drop: float  # from the baseline of that text to the line's top, in ems of its size


def _rings(drawn: list) -> list[pymupdf.Rect]:
    """The border boxes of the boxes dotted only at their foot: one stroked line, a dash of
    no length and round caps for each dot (layout/patches/borders.py), from the first dot's
    edge to the last's."""
    found = []
    for drawing in drawn:
        dashes = (drawing.get("dashes") or "").strip("[] 0").split()
        items = drawing["items"]
        if drawing["type"] != "s" or len(items) != 1 or items[0][0] != "l" or len(dashes) != 1:
            continue
        start, end = items[0][1], items[0][2]
        period, width = float(dashes[0]), drawing["width"]
        if start.y != end.y or period <= 0 or drawing.get("lineCap", (0,))[0] != 1:
            continue
        last = start.x + math.floor((end.x - start.x) / period) * period  # (the last dot)
        half = width / 2
        found.append(pymupdf.Rect(start.x - half, start.y - half, last + half, start.y + half))
    return found


def _link_rects(document: pymupdf.Document, page: pymupdf.Page) -> list[pymupdf.Rect]:
    """Where the page's links are, read from their annotations' /Rect (get_links() gives the
    same rectangles but resolves every link's destination first, three times the time of
    reading the page's text)."""
    rects = []
    for xref, kind, _ in page.annot_xrefs():
        if kind == pymupdf.PDF_ANNOT_LINK:
            corners = document.xref_get_key(xref, "Rect")[1].strip("[]").split()
            rect = pymupdf.Rect([float(value) for value in corners])
            rects.append((rect * page.transformation_matrix).normalize())
    return rects


def link_underlines(path: Path) -> list[Underline]:
    """Every link drawn underlined (a glossary term's dotted border at its foot), with the
    text nearest above it within the link's width: its word, where the line is right."""
    found = []
    with pymupdf.open(path) as document:
        for index, page in enumerate(document):
            links = _link_rects(document, page)
            chars = [
                (c["c"], c["origin"], span["size"])
                for block in page.get_text("rawdict")["blocks"]
                for line in block.get("lines", [])
                for span in line["spans"]
                for c in span["chars"]
                if c["c"].strip()
            ]
            for ring in _rings(page.get_drawings()):
                if not any(abs(a.x0 - ring.x0) < 0.5 and abs(a.x1 - ring.x1) < 0.5 for a in links):
                    continue  # a bordered box, not a link
                above = [
                    (ring.y0 - origin[1], origin, c, size)
                    for c, origin, size in chars
                    if ring.x0 - 0.5 <= origin[0] < ring.x1 and origin[1] <= ring.y0
                ]
                if not above:
                    found.append(Underline(index + 1, ring.y0, "", float("inf")))
                    continue
                nearest = min(gap for gap, *_ in above)
                word = [(o[0], c, size) for gap, o, c, size in above if gap - nearest < 0.5]
                text = "".join(c for _, c, _ in sorted(word))
                found.append(Underline(index + 1, ring.y0, text, nearest / word[0][2]))
    return found
