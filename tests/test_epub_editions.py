"""The EPUB's package and semantics, the Kobo edition, and both as real reading systems show
them: calibre's engine (ebook-convert) and Chromium at 600×800 with no page margins."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import in_calibre_result, in_calibre_started
from lxml import etree
from pdfwords import pdf_lines

from studyguide.sources.meta import load_meta
from support import NS, ROOT, epub_files, epub_xhtml, text_of

OPF = {"o": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = f"{{{NS['epub']}}}type"


def _opf(path: Path) -> etree._Element:
    return etree.fromstring(epub_files(path)["EPUB/content.opf"])


# ------------------------------------------------------------------ package metadata


def test_package_date_is_the_editions_not_the_builds(built):
    """The session builds with SOURCE_DATE_EPOCH in 2006; the edition is dated in book.toml."""
    edition = load_meta(ROOT).edition.date
    assert edition is not None
    assert _opf(built.epub).findtext(".//dc:date", namespaces=OPF) == edition.isoformat()


def test_creators_have_file_as_and_match_the_pdf_author(built):
    opf = _opf(built.epub)
    creators = opf.findall(".//dc:creator", OPF)
    assert [c.text for c in creators] == ["LOR-CI"]
    file_as = opf.find(f".//o:meta[@refines='#{creators[0].get('id')}'][@property='file-as']", OPF)
    assert file_as is not None and file_as.text == "LOR-CI" and file_as.get("scheme") is None
    info = subprocess.run(["pdfinfo", str(built.pdf)], capture_output=True, text=True).stdout
    assert re.search(r"^Author:\s+LOR-CI$", info, re.M), info


def test_package_names_publisher_and_subjects(built):
    opf = _opf(built.epub)
    meta = load_meta(ROOT)
    assert opf.findtext(".//dc:publisher", namespaces=OPF) == meta.edition.publisher
    assert [s.text for s in opf.findall(".//dc:subject", OPF)] == list(meta.subjects)


# ------------------------------------------------------------------ semantics and navigation


def test_front_and_back_matter_have_their_semantics_and_landmarks(built):
    documents = epub_xhtml(built.epub)
    kinds = {
        name: root.find(".//x:section", NS).get(EPUB_TYPE)
        for name, root in documents.items()
        if name.startswith("chapter-")
    }
    assert kinds["chapter-01.xhtml"] == "introduction"
    assert kinds["chapter-02.xhtml"] == "appendix"
    assert kinds["chapter-11.xhtml"] == "bibliography"
    for name, kind in kinds.items():
        assert documents[name].find(".//x:section", NS).get("role") == f"doc-{kind}"
    nav = documents["nav.xhtml"]
    landmarks = {
        a.get(EPUB_TYPE): a.get("href") for a in nav.iterfind(".//x:nav[@id='landmarks']//x:a", NS)
    }
    assert landmarks["introduction"] == "chapter-01.xhtml"
    assert landmarks["bibliography"] == "chapter-11.xhtml"
    assert landmarks["bodymatter"] == "chapter-03.xhtml"


def test_glossary_entries_link_back_to_the_paragraphs_that_use_them(built):
    documents = epub_xhtml(built.epub)
    glossary = documents["glossary.xhtml"]
    checked = 0
    for dd in glossary.iterfind(".//x:dd", NS):
        for link in dd.iterfind(".//x:p[@class='linked-from backlinks']/x:a", NS):
            name, _, target = link.get("href").partition("#")
            found = documents[name].find(f".//*[@id='{target}']")
            assert found is not None, link.get("href")
            paragraph = next((a for a in found.iterancestors() if a.get("class") == "para"), None)
            if link.text.startswith("¶"):
                assert paragraph is not None
                assert link.text == "¶\u00a0" + paragraph.get("id").removeprefix("p-")
                assert link.get("aria-label") == "Paragraph " + paragraph.get("id")[2:]
            checked += 1
    assert checked > 60


def test_acronyms_are_marked_with_their_expansion(built):
    chapter = epub_xhtml(built.epub)["chapter-03.xhtml"]
    titles = {a.text: a.get("title") for a in chapter.iterfind(".//x:abbr", NS)}
    assert titles["COB"] == "Central Obrera Boliviana"
    assert titles["MAS"] == "Movimiento al Socialismo"


def test_notes_have_no_heading_to_stand_alone(built):
    for name, root in epub_xhtml(built.epub).items():
        for section in root.iterfind(".//x:section[@class='notes']", NS):
            assert section.get("aria-label") == "Notes"
            assert [child.tag.split("}")[1] for child in section] == ["aside"] * len(section), name


def test_stylesheet_has_prefixed_hyphens_and_no_border_under_terms(built):
    css = epub_files(built.epub)["EPUB/styles/book.css"].decode()
    assert "-epub-hyphens: auto" in css and "-webkit-hyphens: auto" in css
    term = css[css.index("a.term {", css.index("/* The dotted underline")) :]
    assert "border-bottom: none" in term.split("}")[0]


# ------------------------------------------------------------------ the Kobo edition


def test_kepub_wraps_every_sentence_in_kobo_spans(built):
    documents = epub_xhtml(built.kepub)
    chapter = documents["chapter-03.xhtml"]
    inner = chapter.find(".//x:body/x:div[@id='book-columns']/x:div[@id='book-inner']", NS)
    assert inner is not None
    spans = chapter.findall(".//x:span[@class='koboSpan']", NS)
    ids = [span.get("id") for span in spans]
    assert len(ids) == len(set(ids)) > 100
    assert all(re.fullmatch(r"kobo\.\d+\.\d+", i) for i in ids)
    first = chapter.find(".//x:p[@id='p-1']", NS)
    sentences = [s.text for s in first.iterfind(".//x:span[@class='koboSpan']", NS)]
    assert " is in flames." in sentences
    # every text outside the spans is white space
    for element in chapter.find(".//x:body", NS).iter():
        if element.get("class") != "koboSpan":
            assert not (element.text or "").strip(), element.text
        assert not (element.tail or "").strip() or element.getparent().get("class") == "koboSpan"


def test_kepub_keeps_pop_up_notes_and_the_page_list(built):
    documents = epub_xhtml(built.kepub)
    for root in documents.values():
        order = {e: i for i, e in enumerate(root.iter())}
        for ref in root.iterfind(".//x:a[@class='noteref']", NS):
            aside = root.find(f".//x:aside[@id='{ref.get('href')[1:]}']", NS)
            assert aside is not None and order[aside] > order[ref]
    page_list = documents["nav.xhtml"].find(".//x:nav[@id='page-list']", NS)
    hrefs = [a.get("href") for a in page_list.iterfind(".//x:a", NS)]
    assert len(hrefs) == len(pdf_lines(built.pdf))
    for href in hrefs:
        name, _, target = href.partition("#")
        assert documents[name].find(f".//*[@id='{target}']") is not None, href
    assert built.kepub.name == "huanuni-study-guide.kepub.epub"


# ------------------------------------------------------------------ calibre


@pytest.fixture(scope="session")
def in_calibre(built, tmp_path_factory, worker_id) -> dict[str, Path]:
    """The EPUB as calibre lays it out, converted to PDF, and the kepub as calibre reads it,
    converted to plain text: once for the run (started as soon as the book is built:
    conftest.in_calibre_started)."""
    if shutil.which("ebook-convert") is None:
        pytest.fail("calibre is not installed: run scripts/install-system-deps")
    folder = in_calibre_started(tmp_path_factory, worker_id, built)
    for name, run in in_calibre_result(folder).items():
        assert run["code"] == 0, f"{name}: {run['output']}"
        assert "Traceback" not in run["output"], f"{name}: {run['output']}"
    return {"epub": folder / "epub.pdf", "kepub": folder / "kepub.txt"}


def test_calibre_opens_the_kepub(in_calibre, built):
    """calibre reads every document of the kepub: each one's heading is in what it read,
    and the article's first sentence, split into Kobo's spans, whole."""
    text = " ".join(in_calibre["kepub"].read_text(encoding="utf-8").split())
    assert "Huanuni is in flames." in text
    headings = [
        text_of(heading)
        for name, document in epub_xhtml(built.kepub).items()
        if name not in {"nav.xhtml", "cover.xhtml"}
        for heading in document.iterfind(".//x:h1", NS)
    ]
    assert len(headings) > 10
    assert [h for h in headings if h not in text] == []


def test_calibre_shows_the_title_page_right_after_the_cover(in_calibre):
    """calibre's own cover, then the EPUB's cover page, then the title page: no blank page
    (the cover at 100vh plus the page's margins made one)."""
    pages = pdf_lines(in_calibre["epub"])
    words = [" ".join(line.text for line in page) for page in pages[:4]]
    title = next(i for i, text in enumerate(words) if "Annotated edition by" in text)
    assert title <= 2, words
    listing = subprocess.run(
        ["pdfimages", "-list", str(in_calibre["epub"])], capture_output=True, text=True
    ).stdout.splitlines()[2:]
    with_images = {int(row.split()[0]) for row in listing}
    assert all(page in with_images for page in range(1, title + 1)), "a blank page after the cover"


def test_calibre_sets_paragraph_numbers_at_text_size_on_the_line(in_calibre):
    """ "¹ Huanuni is in flames.¹" was a raised small ¶ number: now it is the text's size, on
    its first line's baseline, before the first word."""
    for page in pdf_lines(in_calibre["epub"]):
        for line in page:
            if "is in flames." not in line.text:
                continue
            first = line.words[line.text.split().index("is") - 1]
            words = [w for other in page for w in other.words]
            number = next(w for w in words if w.text == "1" and abs(w.y1 - first.y1) < 0.5)
            assert number.x1 < first.x0
            assert abs(number.height - first.height) < 0.2
            return
    pytest.fail("the first paragraph was not found in calibre's rendering")


# ------------------------------------------------------------------ Chromium


CHROMIUM_PROBE = """() => {
  const box = (e) => e.getBoundingClientRect();
  const nums = [...document.querySelectorAll('.pnum')];
  const term = getComputedStyle(document.querySelector('a.term'));
  return {
    lefts: nums.map((n) => box(n).left),
    sizes: nums.map((n) => getComputedStyle(n).fontSize),
    text: getComputedStyle(document.querySelector('p.para')).fontSize,
    aligns: nums.map((n) => getComputedStyle(n).verticalAlign),
    termBorder: term.borderBottomStyle,
    termDecoration: term.textDecorationLine,
  };
}"""


@pytest.fixture(scope="session")
def in_chromium(built, tmp_path_factory, chromium) -> dict:
    """Part 1 of the EPUB in Chromium at 600×800 with no margins; a screenshot is kept."""
    folder = tmp_path_factory.mktemp("chromium")
    with zipfile.ZipFile(built.epub) as archive:
        archive.extractall(folder)
    page_file = folder / "EPUB" / "chapter-03.xhtml"
    page = chromium.new_page(viewport={"width": 600, "height": 800})
    page.goto(page_file.as_uri())
    page.add_style_tag(content="html, body { margin: 0 !important; padding: 0 !important; }")
    found = page.evaluate(CHROMIUM_PROBE)
    page.screenshot(path=str(folder / "chapter-03.png"))
    page.close()
    return found


def test_chromium_shows_every_paragraph_number_whole_in_one_place(in_chromium):
    lefts = in_chromium["lefts"]
    assert len(lefts) == 2  # ¶ 1 and 2 are in part 1
    assert min(lefts) >= 0, "a paragraph number is cut off at the screen's edge"
    assert len(set(lefts)) == 1, lefts
    assert set(in_chromium["sizes"]) == {in_chromium["text"]}
    assert set(in_chromium["aligns"]) == {"baseline"}


def test_chromium_underlines_terms_inside_their_line(in_chromium):
    assert in_chromium["termBorder"] == "none"
    assert "underline" in in_chromium["termDecoration"]


def _outside_terms(element: etree._Element, top: bool = False) -> str:
    """An element's text but for what is inside glossary links."""
    tail = "" if top else element.tail or ""
    if element.get("class") == "term":
        return tail
    inside = "".join(_outside_terms(child) for child in element)
    return (element.text or "") + inside + tail


def test_epub_meets_amazons_published_rules(built):
    """The rules of Amazon's Kindle Publishing Guidelines that can be read off the file
    (docs/kindle.md names the sections)."""
    import unicodedata

    files = epub_files(built.epub)
    documents = epub_xhtml(built.epub)
    css = files["EPUB/styles/book.css"].decode()
    assert "background" not in css  # 9.3.2: body text on the reader's own background
    for name, root in documents.items():
        text = "".join(root.itertext())
        formats = {c for c in text if unicodedata.category(c) == "Cf"}
        assert not formats, (name, formats)  # 3.1.5: no Unicode format characters
        for paragraph in root.iterfind(".//x:p[@class='para']", NS):
            # 9.3.2: no no-break spaces for spaces between words (a glossary name's own,
            # "Cerro Posokoni" in its link, keeps its words together)
            assert "\u00a0" not in _outside_terms(paragraph, top=True), name
    indents = [float(v) for v in re.findall(r"text-indent:\s*([\d.]+)em", css)]
    assert indents and max(indents) <= 4  # 9.3.3
    heights = re.findall(r"([^{}]+)\{[^}]*(?<![-\w])height:", css)
    assert all("cover" in selector for selector in heights), heights  # 9.3.3
    toc = documents["nav.xhtml"].find(".//x:nav[@id='toc']", NS)
    assert not re.search(r"\d+$", "".join(a.text for a in toc.iterfind(".//x:a", NS)))
    # (a figure's picture is not a cover: the map, in a <figure> of the background chapter)
    covers = [
        n
        for n, root in documents.items()
        if any(i.getparent().tag != f"{{{NS['x']}}}figure" for i in root.iterfind(".//x:img", NS))
    ]
    assert covers == ["cover.xhtml"]  # one cover page
    landmarks = documents["nav.xhtml"].find(".//x:nav[@id='landmarks']", NS)
    assert landmarks.find(".//x:a[@href='cover.xhtml']", NS).get(EPUB_TYPE) == "cover"
