"""The words of a real PDF where poppler finds them: pages of blocks of lines of words, with
their boxes in points (pdftotext -bbox-layout), and a page's ruled lines as poppler draws them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SOFT_HYPHEN = "\u00ad"
LINE_END_HYPHENS = ("-", "\u2010", SOFT_HYPHEN)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    block: int  # lines of one block are one paragraph, heading or note (as poppler sees it)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def height(self) -> float:
        return max(w.height for w in self.words)

    @property
    def hyphenated(self) -> bool:
        return self.text.endswith(LINE_END_HYPHENS)


def pdf_lines(path: Path) -> list[list[Line]]:
    """Each page's lines, in poppler's reading order."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True
    ).stdout
    tree = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for page in tree.iterfind(".//x:page", ns):
        lines = []
        for number, block in enumerate(page.iterfind(".//x:block", ns)):
            for line in block.iterfind("x:line", ns):
                words = tuple(
                    Word(
                        w.text or "",
                        float(w.get("xMin")),
                        float(w.get("yMin")),
                        float(w.get("xMax")),
                        float(w.get("yMax")),
                    )
                    for w in line.iterfind("x:word", ns)
                )
                if words:
                    lines.append(Line(words, number))
        pages.append(lines)
    return pages


def ruled_rows(pdf: Path, page: int, dpi: int, folder: Path) -> list[int]:
    """The pixel rows of a page (rendered by poppler at `dpi`) crossed by a long grey line:
    more than half the page's width darker than the paper, the row above not."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / f"p{dpi}-{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf), prefix],
        check=True,
    )
    image = Image.open(next(folder.glob(f"{prefix.name}*.png"))).convert("L")
    width, height = image.size
    rows, previous = [], False
    for y in range(height):
        histogram = image.crop((0, y, width, y + 1)).histogram()
        ruled = sum(histogram[60:245]) > width / 2
        if ruled and not previous:
            rows.append(y)
        previous = ruled
    return rows


def figure_boxes(path: Path) -> list[list[tuple[float, float, float, float]]]:
    """Each page's figures, as the PDF's structure tree places them (a Figure element's
    layout BBox, which WeasyPrint gives in CSS pixels from the page's top left): (x0, y0,
    x1, y1) in points from the top left, as poppler's words are. A picture's own words (a
    map's labels) are the figure's, not the text's."""
    import pikepdf

    with pikepdf.open(path) as document:
        index = {page.obj.objgen: number for number, page in enumerate(document.pages)}
        boxes: list[list[tuple[float, float, float, float]]] = [[] for _ in document.pages]
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if node.get("/S") == "/Figure" and "/A" in node and "/Pg" in node:
                x0, y0, x1, y1 = (float(v) * 0.75 for v in node.A.BBox)
                boxes[index[node.Pg.objgen]].append((x0, y0, x1, y1))
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary))
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return boxes


def inside(word: Word, boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(x0 <= word.x0 <= x1 and y0 <= word.y0 <= y1 for x0, y0, x1, y1 in boxes)
