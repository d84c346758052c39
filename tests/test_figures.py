"""Figures in every edition: a small book with an SVG, a PNG and a JPEG figure, built once in
every edition and read back (the EPUB's XHTML and manifest, the PDF's structure tree and
drawings, the web edition's pages), and its print layout proofed; and the placement rules
that keep a figure whole and leave no hole. Mistakes in figures are cases of test_errors.py."""

from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from lxml import etree, html
from PIL import Image, ImageDraw

from support import NS, ROOT, epub_xhtml, epubcheck, make_book, studyguide, text_of

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
META = """\
title = "A guide with figures"
slug = "figures-guide"
language = "en"
identifier = "urn:uuid:1b6c5d1e-2f3a-4b5c-8d7e-9f0a1b2c3d4f"

[edition]
editors = "The studyguide project"
year = 2026

[[texts]]
title = "A guide with figures"
source = "source/text.txt"
authors = [{ name = "LOR-CI" }]
published = { in = "Left Voice", date = 2006-10-16 }
rights = { status = "all-rights-reserved" }
"""
SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400" viewBox="0 0 600 400">
<title>Two hills</title>
<rect x="0" y="0" width="600" height="400" fill="#fff" stroke="#000"/>
<path d="M0 350 L200 100 L300 250 L420 80 L600 350 Z" fill="#ccc" stroke="#000"/>
</svg>
"""
RULE = """\
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="16" viewBox="0 0 200 16">
<path d="M0 8 H90 M110 8 H200" stroke="#000"/><circle cx="100" cy="8" r="4"/>
</svg>
"""
PARAGRAPH = "The mine stands under the hill, and the town around it. " * 8
HILLS_ALT = "A drawing of two hills, the higher one on the right"
CHART_ALT = "A bar chart of tin output, rising from left to right"
ENTRANCE_ALT = "A dark opening in a grey rock face"
INTRO = f"""\
---
title: "Introduction"
kind: front
---

{PARAGRAPH}

![{HILLS_ALT}](images/hills.svg "The hills above the mine"){{#hills credit="Drawn by the editors"}}

{PARAGRAPH}

As the drawing shows ([](#fig-hills)), the mine is in the hills.[^n]

{PARAGRAPH}

{PARAGRAPH}

![{CHART_ALT}](images/chart.png "Tin output"){{credit="Chart: the editors"}}

{PARAGRAPH}

[^n]: Compare [the chart](#fig-1-2).
"""
ENTRY = f"""\
---
term: mine
---

A place where ore is dug.

![{ENTRANCE_ALT}](images/entrance.jpg "The entrance")

![](images/rule.svg){{.decorative}}
"""


def write_figure_book(folder: Path) -> Path:
    """The small book: three figures (SVG, PNG, JPEG), one in a glossary entry."""
    book = make_book(folder, {"01-intro.md": INTRO}, {"mine.md": ENTRY}, meta=META)
    (book / "images").mkdir()
    (book / "images" / "hills.svg").write_text(SVG, encoding="utf-8")
    (book / "images" / "rule.svg").write_text(RULE, encoding="utf-8")
    chart = Image.new("RGB", (480, 320), "white")
    draw = ImageDraw.Draw(chart)
    for index, height in enumerate([60, 120, 180, 240, 280]):
        draw.rectangle([40 + index * 85, 300 - height, 100 + index * 85, 300], fill="black")
    chart.save(book / "images" / "chart.png")
    Image.new("RGB", (400, 300), (90, 90, 90)).save(book / "images" / "entrance.jpg")
    return book


@dataclass
class FigureBook:
    book: Path
    out: Path

    @property
    def epub(self) -> Path:
        return self.out / "figures-guide.epub"

    @property
    def pdf(self) -> Path:
        return self.out / "figures-guide.pdf"


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> FigureBook:
    folder = tmp_path_factory.mktemp("figures")
    book = write_figure_book(folder / "book")
    out = folder / "out"
    run = studyguide("build", "--all", "--out", out, root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    assert "error" not in run.stderr.lower(), run.stderr  # WeasyPrint: no image without alt
    return FigureBook(book, out)


def test_the_epub_has_figures_with_alt_captions_and_images_in_the_manifest(
    figures: FigureBook,
) -> None:
    chapter = epub_xhtml(figures.epub)["chapter-01.xhtml"]
    found = chapter.findall(".//x:figure", NS)
    assert [f.get("id") for f in found] == ["fig-hills", "fig-1-2"]
    images = [f.find("x:img", NS) for f in found]
    assert [i.get("src") for i in images] == ["figures/hills.svg", "figures/chart.png"]
    assert [i.get("alt") for i in images] == [HILLS_ALT, CHART_ALT]
    captions = [text_of(f.find("x:figcaption", NS)) for f in found]
    assert captions == [
        "Figure 1. The hills above the mine. Drawn by the editors.",
        "Figure 2. Tin output. Chart: the editors.",
    ]
    glossary = epub_xhtml(figures.epub)["glossary.xhtml"]
    assert glossary.find(".//x:figure/x:img", NS).get("alt") == ENTRANCE_ALT
    # An ornament: no alternative, no number, nothing for a screen reader to say.
    ornament = glossary.find(".//x:div[@class='figure decorative']/x:img", NS)
    assert (ornament.get("alt"), ornament.get("role")) == ("", "presentation")
    with zipfile.ZipFile(figures.epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    items = {
        i.get("href"): i.get("media-type") for i in opf.iter("{http://www.idpf.org/2007/opf}item")
    }
    assert items["figures/hills.svg"] == "image/svg+xml"
    assert items["figures/chart.png"] == "image/png"
    assert items["figures/entrance.jpg"] == "image/jpeg"
    modes = [m.text for m in opf.iter("{http://www.idpf.org/2007/opf}meta")
             if m.get("property") == "schema:accessMode"]  # fmt: skip
    assert modes == ["textual", "visual"]


def test_links_to_figures_say_their_number_where_they_have_no_words(figures: FigureBook) -> None:
    chapter = epub_xhtml(figures.epub)["chapter-01.xhtml"]
    links = {a.get("href"): text_of(a) for a in chapter.iterfind(".//x:a", NS)}
    assert links["chapter-01.xhtml#fig-hills"] == "Figure 1"
    assert links["chapter-01.xhtml#fig-1-2"] == "the chart"


def test_three_figures_make_a_list_of_figures_in_every_edition(figures: FigureBook) -> None:
    nav = epub_xhtml(figures.epub)["nav.xhtml"]
    loi = nav.find(".//x:nav[@id='loi']", NS)
    assert [text_of(a) for a in loi.iterfind(".//x:a", NS)] == [
        "Figure 1. The hills above the mine",
        "Figure 2. Tin output",
        "Figure 3. The entrance",
    ]
    assert loi.find(".//x:a", NS).get("href") == "chapter-01.xhtml#fig-hills"
    index = html.parse(figures.out / "figures-guide-web" / "index.html").getroot()
    assert [a.get("href") for a in index.xpath('//*[@id="figures"]//a')] == [
        "chapter-01.html#fig-hills",
        "chapter-01.html#fig-1-2",
        "glossary.html#fig-mine-1",
    ]
    listed = _page_text(figures.pdf, 3) + _page_text(figures.pdf, 4)
    assert "Figure 3. The entrance" in listed


def test_the_epub_passes_epubcheck_and_the_kepub_keeps_its_figures(
    figures: FigureBook, tmp_path: Path
) -> None:
    assert epubcheck(figures.epub, tmp_path / "report.json") == []
    kepub = epub_xhtml(figures.out / "figures-guide.kepub.epub")["chapter-01.xhtml"]
    pictures = kepub.findall(".//x:figure/x:img", NS)
    assert [i.get("alt") for i in pictures] == [HILLS_ALT, CHART_ALT]


def _struct_figures(pdf: Path) -> list[str]:
    """The /Alt of every Figure element of the PDF's structure tree."""
    found = []
    with pikepdf.open(pdf) as document:
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            kids = node.get("/K")
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt", "")))
            if isinstance(kids, pikepdf.Array):
                stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary))
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return found


def _page_text(pdf: Path, number: int) -> str:
    run = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return " ".join(run.stdout.split())


def _path_operators(pdf: Path, number: int) -> int:
    """How many path-drawing operators the page and the forms it draws hold."""
    count = 0
    with pikepdf.open(pdf) as document:
        stack = [document.pages[number - 1].obj]
        while stack:
            holder = stack.pop()
            for _, operator in pikepdf.parse_content_stream(holder):
                count += str(operator) in ("l", "c", "re", "m")
            for xobject in holder.get("/Resources", {}).get("/XObject", {}).values():
                if xobject.get("/Subtype") == "/Form":
                    stack.append(xobject)
    return count


def test_the_pdf_tags_figures_with_their_alt_and_keeps_svg_vector(figures: FigureBook) -> None:
    assert sorted(_struct_figures(figures.pdf)) == sorted([HILLS_ALT, CHART_ALT, ENTRANCE_ALT])
    with pikepdf.open(figures.pdf) as document:
        pages = len(document.pages)
    holding = {
        label: number
        for number in range(5, pages + 1)  # after the list of figures
        for label in ("Figure 1. The hills", "Figure 2. Tin", "Figure 3. The entrance")
        if label in _page_text(figures.pdf, number)
    }
    assert len(holding) == 3, holding
    # The SVG is drawn as paths on its page, which holds no picture; the PNG and the JPEG
    # are pictures of their own pixels.
    listing = subprocess.run(
        ["pdfimages", "-list", str(figures.pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    rows = [row.split() for row in listing]
    assert sorted((int(r[3]), int(r[4])) for r in rows) == [(400, 300), (480, 320)]
    svg_page = holding["Figure 1. The hills"]
    assert str(svg_page) not in {r[0] for r in rows}
    assert _path_operators(figures.pdf, svg_page) >= 6


def test_the_web_edition_carries_responsive_figures(figures: FigureBook) -> None:
    site = figures.out / "figures-guide-web"
    for name in ("hills.svg", "chart.png", "entrance.jpg"):
        assert (site / "figures" / name).read_bytes() == (
            figures.book / "images" / name
        ).read_bytes()
    page = html.parse(site / "chapter-01.html").getroot()
    image = page.xpath('//figure[@id="fig-hills"]/img')[0]
    assert (image.get("src"), image.get("alt")) == ("figures/hills.svg", HILLS_ALT)
    assert (image.get("width"), image.get("height")) == ("600", "400")
    css = (site / "style.css").read_text(encoding="utf-8")
    assert "max-width: 100%" in css and "height: auto" in css


def test_print_proof_finds_nothing_at_a5_with_figures_never_split(figures: FigureBook) -> None:
    """At A5 the chart does not fit under the text before it: it is moved (not split, not
    leaving a hole), and the proof finds nothing."""
    from studyguide.layout.book import lay_out_book
    from studyguide.options import Options
    from studyguide.sources.book import load_book

    layout = lay_out_book(load_book(figures.book), Options(out=figures.out, paper="a5"))
    try:
        assert [str(f) for f in layout.faults] == []
        where: dict[str, set[int]] = {}
        for page in layout.pages:
            for line in page.lines:
                if line.kind in ("figure", "caption"):
                    where.setdefault(line.anchor, set()).add(page.number)
        assert sorted(where) == ["fig-1-2", "fig-hills", "fig-mine-1", "fig-mine-2"]
        assert all(len(pages) == 1 for pages in where.values()), where
    finally:
        layout.discard()


def test_a_figure_left_on_the_next_page_is_moved_past_the_text_or_before_it() -> None:
    """The makeup's mend, on pages read as geometry: a figure at the top of the page after a
    hole goes after the text that then fills the hole; with no text of its chapter after it,
    before as much of the page's last text as makes room for it."""
    from studyguide.layout.figureplace import FigureMends
    from studyguide.layout.geometry import Line, Page
    from studyguide.layout.proof import Fault

    def line(top: float, anchor: str, kind: str = "text", height: float = 12.0) -> Line:
        return Line(top, top + height, 0, 300, 300, "words", kind, anchor, "ch-1")

    before = Page(5, False, [line(100 + 12 * i, "c1-b1") for i in range(20)], bottom=600)
    after = Page(
        6,
        False,
        [line(50, "fig-a", "figure", 200), line(255, "fig-a", "caption"),
         *[line(280 + 12 * i, "c1-b2") for i in range(10)],
         *[line(410 + 12 * i, "c1-b3") for i in range(10)]],
        bottom=600,
    )  # fmt: skip
    for page in (before, after):
        page.sections = ("ch-1",)
    hole = Fault(5, "hole", "20 empty lines")
    mends = FigureMends()
    assert mends.mend_hole(hole, [before, after])
    # The room is 260 pt: c1-b2 (120 pt) fits, c1-b3 runs over the page turn.
    assert mends.after == {"fig-a": "c1-b3"}
    alone = Page(6, False, after.lines[:2], bottom=600, sections=("ch-1",))
    mends = FigureMends()
    assert mends.mend_hole(hole, [before, alone])
    assert mends.before == {"fig-a": "c1-b1"}
    # Where nothing can move (a figure under another), it is set smaller to fit the room,
    # but never below MIN_SCALE of its height.
    above = Page(5, False, [line(100, "fig-b", "figure", 300), line(405, "fig-b", "caption")])
    above.bottom, above.sections = 600, ("ch-1",)
    mends = FigureMends()
    assert mends.mend_hole(hole, [above, alone])
    assert mends.heights == {"fig-a": 600 - 417 - 17 - 24}
    assert "#fig-a img" in mends.css()
    tall = Page(6, False, [line(50, "fig-a", "figure", 400), line(455, "fig-a", "caption")])
    tall.bottom, tall.sections = 600, ("ch-1",)
    assert not FigureMends().mend_hole(hole, [above, tall])


def test_the_proof_says_where_a_figure_is_split() -> None:
    from studyguide.layout.geometry import Line, Page
    from studyguide.layout.proof import split_figures

    picture = Line(500, 700, 0, 300, 300, "", "figure", "fig-map", "ch-2")
    caption = Line(40, 52, 0, 300, 300, "Figure 1. A map.", "caption", "fig-map", "ch-2")
    pages = [Page(9, False, [picture]), Page(10, False, [caption])]
    faults = list(split_figures(pages, 12.0))
    assert [(f.page, f.code, f.anchor) for f in faults] == [(10, "figure-split", "fig-map")]
    assert not list(split_figures([Page(9, False, [picture, caption])], 12.0))


def test_the_book_s_map_is_in_every_edition_with_its_source(built: object) -> None:
    """The repository's own book (conftest's build): the map in the background chapter, its
    credit in the caption and the colophon, in the EPUB and the PDF."""
    epub, pdf = built.epub, built.pdf  # type: ignore[attr-defined]
    documents = epub_xhtml(epub)
    figure = documents["chapter-02.xhtml"].find(".//x:figure[@id='fig-map']", NS)
    assert figure.find("x:img", NS).get("src") == "figures/bolivia.svg"
    caption = text_of(figure.find("x:figcaption", NS))
    assert caption.startswith("Figure 1. Bolivia and its departments")
    assert "Natural Earth 1:10m data (public domain)" in caption
    colophon = text_of(documents["colophon.xhtml"])
    assert "Figure 1: Map drawn for this guide from Natural Earth" in colophon
    with zipfile.ZipFile(epub) as archive:
        svg = archive.read("EPUB/figures/bolivia.svg")
    assert svg == (ROOT / "images/bolivia.svg").read_bytes()
    text = " ".join(_page_text(pdf, number) for number in range(5, 13))
    assert "Figure 1. Bolivia and its departments" in text
    assert any("Map of Bolivia with its nine departments" in a for a in _struct_figures(pdf))


def test_the_map_is_a_clean_drawing_of_known_size() -> None:
    from studyguide.errors import SourceRef
    from studyguide.sources.images import read_image

    image = read_image(ROOT, "images/bolivia.svg", SourceRef(ROOT / "chapters/02-background.md"))
    assert image.vector and (image.width, image.height) == (1000.0, 751.0)
    drawing = etree.parse(io.BytesIO(image.data)).getroot()
    labels = {t.text for t in drawing.iter("{http://www.w3.org/2000/svg}text")}
    for place in ("La Paz", "El Alto", "Oruro", "Huanuni", "Cerro Posokoni", "Colquiri",
                  "Potosí", "San Cristóbal", "N", "0", "200 km", "50 km"):  # fmt: skip
        assert place in labels, place


def test_an_image_is_a_source_the_build_dates_caches_and_the_preview_watches(
    figures: FigureBook,
) -> None:
    from studyguide.preview.server import is_source
    from studyguide.sources.files import source_paths

    root = figures.book.resolve()
    assert root / "images" / "chart.png" in [p.resolve() for p in source_paths(figures.book)]
    assert is_source(root / "images" / "chart.png", root, root / "build")
    assert not is_source(root / "images" / ".chart.png.swp", root, root / "build")
