"""The print edition: book typography, notes on their page, page references, PDF/UA, handout."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pikepdf
import pytest
from lxml import etree, html
from pypdf import PdfReader

from support import ROOT, make_book, normalise, pdf_body_pages, pdf_pages, studyguide

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}  # 5 October 2006, the statement's date
TOP_MARGIN_PT = 51  # running heads sit above this line on every paper size
PAPER_POINTS = {"a4": (595, 842), "letter": (612, 792), "a5": (420, 595)}


@dataclass
class PrintEdition:
    """One built PDF, with what the tests read from it."""

    path: Path

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(self.path)

    @cached_property
    def pages(self) -> list[str]:
        return pdf_pages(self.path)

    @cached_property
    def body_pages(self) -> list[str]:
        """Each page's text without running head and page number."""
        return pdf_body_pages(self.path)

    @cached_property
    def destinations(self) -> dict[str, int]:
        """Element id → 1-based page, from the PDF's named destinations."""
        reader = self.reader
        return {
            name: reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()
        }

    @cached_property
    def heads(self) -> list[list[str]]:
        """The words printed in the top margin of each page (the running head)."""
        out = subprocess.run(
            ["pdftotext", "-bbox", str(self.path), "-"], capture_output=True, check=True
        ).stdout
        tree = etree.fromstring(out, etree.HTMLParser(encoding="utf-8"))
        return [
            [w.text for w in page.iterfind(".//word") if float(w.get("ymax")) < TOP_MARGIN_PT]
            for page in tree.iterfind(".//page")
        ]

    def head_words(self, page: int) -> list[str]:
        return self.heads[page - 1]


@pytest.fixture(scope="session")
def book():
    from studyguide.sources.book import load_book

    return load_book(ROOT)


@pytest.fixture(scope="session")
def print_tree(book):
    """The HTML that WeasyPrint lays out, as a tree: notes, term links, glossary entries."""
    from studyguide.layout.book import print_html
    from studyguide.options import Options

    # (without the soft hyphens where a word may break: text as a reader sees it)
    printed = print_html(book, Options(out=ROOT)).replace("\u00ad", "")
    return html.fromstring(printed.encode("utf-8"))


@pytest.fixture(scope="session")
def a4(built) -> PrintEdition:
    return PrintEdition(built.pdf)


def _build_all(builds: dict[str, list[str | Path]], root: Path = ROOT) -> dict[str, Path]:
    """Run several builds (in this process, one after the other); name → PDF written."""
    written = {}
    for name, args in builds.items():
        run = studyguide(*args, root=root, env=EPOCH)
        assert run.code == 0, run.stderr
        written[name] = Path(run.stdout.split()[-1])
    return written


@pytest.fixture(scope="session")
def other_papers(print_builds) -> dict[str, PrintEdition]:
    """The Letter and A5 editions the whole run shares (conftest.print_builds)."""
    return {paper: PrintEdition(print_builds[paper].pdf) for paper in ("letter", "a5")}


@pytest.fixture(scope="session", params=["a4", "letter", "a5"])
def edition(request, a4, other_papers) -> PrintEdition:
    return a4 if request.param == "a4" else other_papers[request.param]


_PAGE_OF_PARAGRAPH = re.compile(r"(¶[\d–]+)\(pp?\.[\d–]+\)")


def _squeezed(text: str) -> str:
    """Text without whitespace, hyphens or word joiners: pdftotext drops a hyphen that ends
    a line ("gold-mining" → "goldmining"), so line breaks inside words do not count; the
    print HTML's word joiners (LOR-CI kept whole) are not printed."""
    return re.sub(r"[\s\u2060-]+", "", normalise(text))


def _chapter_ids(book) -> list[str]:
    return [chapter.id for chapter in book.chapters] + ["glossary", "references"]


# ------------------------------------------------------------------ paper sizes


def test_non_a4_papers_are_written_beside_the_a4_pdf_with_their_size(other_papers):
    for paper, edition in other_papers.items():
        assert edition.path.name == f"huanuni-study-guide-{paper}.pdf"
        box = edition.reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == PAPER_POINTS[paper]


def test_make_passes_the_paper_size_to_pdf_and_handout():
    for target, command in (("pdf", "build --pdf"), ("handout", "build --handout")):
        run = subprocess.run(
            ["make", "-n", target, "PAPER=letter"], cwd=ROOT, capture_output=True, text=True
        )
        assert f"studyguide {command} --paper letter" in run.stdout, run.stdout + run.stderr


# ------------------------------------------------------------------ notes


def test_every_footnote_is_on_the_page_of_its_reference(edition, print_tree):
    """Each note begins on its call's page, every word of it printed: whole there, or its
    beginning there and the rest at the foot of the next page after "N (continued)"."""
    notes = print_tree.xpath("//span[contains(@class, 'footnote')]")
    assert len(notes) > 50
    continued = 0
    for note in notes:
        note_id = note.get("id")
        ref_id = note_id.replace("note-", "noteref-")
        page = edition.destinations[ref_id]
        assert edition.destinations[note_id] == page, f"{note_id} is not on page {page}"
        text = _squeezed(note.text_content())
        # (a reference to a paragraph prints its page, "¶ 3 (p. 19)", written in at layout)
        here = _PAGE_OF_PARAGRAPH.sub(r"\1", _squeezed(edition.pages[page - 1]))
        if text in here:
            continue
        head = next(n for n in range(len(text), 0, -1) if text[:n] in here)
        number = note_id.rsplit("-", 1)[1]
        after = _PAGE_OF_PARAGRAPH.sub(r"\1", _squeezed(edition.pages[page]))
        label = _squeezed(f"{number} (continued)")
        assert head > 0 and label + text[head:] in after, f"{note_id} is cut on page {page}"
        continued += 1
    assert continued < len(notes) / 2


def test_note_numbers_start_again_in_each_chapter(a4, book, print_tree):
    for chapter in book.chapters:
        if not chapter.notes:
            continue
        first = chapter.notes[0].id
        text = normalise(print_tree.get_element_by_id(first).text_content())
        page = a4.pages[a4.destinations[first] - 1]
        assert _squeezed(f"1. {text[:40]}") in _squeezed(page), chapter.title


# ------------------------------------------------------------------ contents and openers


def test_contents_page_numbers_are_the_pages_where_chapters_start(edition, book):
    contents = next(p for p in edition.pages if p.startswith("Contents"))
    titles = [c.title for c in book.chapters] + ["Glossary", "Sources for the notes"]
    cursor = 0
    for title, chapter_id in zip(titles, _chapter_ids(book), strict=True):
        # A title may wrap, and break at its own hyphen, which pdftotext then drops.
        loose = r"[\s-]*".join(re.escape(c) for c in _squeezed(title))
        found = re.compile(loose + r"[\s.]*?(\d+)\b").search(contents, cursor)
        assert found, f"{title!r} is not in the contents, in order, with a page number"
        assert int(found[1]) == edition.destinations[chapter_id], title
        cursor = found.end()


def test_chapters_and_glossary_start_on_right_hand_pages(edition, book):
    for chapter_id in _chapter_ids(book):
        assert edition.destinations[chapter_id] % 2 == 1, chapter_id


def test_no_running_head_on_chapter_openers(edition, book):
    for chapter_id in _chapter_ids(book):
        page = edition.destinations[chapter_id]
        assert edition.head_words(page) == [], f"running head on the opener of {chapter_id}"


def test_running_heads_are_the_book_title_left_and_the_chapter_title_right(edition, book):
    title = book.meta.title
    ids = _chapter_ids(book)
    starts = [edition.destinations[i] for i in ids] + [len(edition.pages) + 1]
    back = ["Glossary", "Sources for the notes"]  # the back matter after the chapters
    chapters = [c.short_title or c.title for c in book.chapters] + back
    for chapter, start, end in zip(chapters, starts[:-1], starts[1:], strict=True):
        for page in range(start + 1, end):
            if not edition.pages[page - 1]:
                assert edition.head_words(page) == [], f"blank page {page} has a head"
                continue
            expected = title if page % 2 == 0 else chapter
            assert " ".join(edition.head_words(page)) == expected, f"page {page}"


# ------------------------------------------------------------------ glossary


def _names_on_page(edition: PrintEdition, page: int, name: str) -> bool:
    """The name is on the page, or begins at its foot and ends on the next ("Cerro | Posokoni")."""
    here = _squeezed(edition.body_pages[page - 1])
    after = _squeezed(" ".join(edition.body_pages[page : page + 1]))
    return 0 <= (here + after).find(_squeezed(name)) < len(here)


def test_glossary_entries_list_the_pages_that_link_to_them(a4, book, print_tree):
    glossary = " ".join(a4.pages[a4.destinations["glossary"] - 1 :])
    cursor = 0
    checked = 0
    for dt in print_tree.xpath("//section[@id='glossary']//dt"):
        dd = dt.getnext()
        links = dd.xpath(".//a[@class='pageref']")
        # (the print HTML's word joiners, which keep LOR-CI whole, are not printed)
        definition = " ".join(dd.text_content().replace("\u2060", "").split()[:3])
        start = glossary.find(f"{dt.text_content()} {definition}", cursor)
        assert start >= 0, f"glossary entry {dt.text_content()!r} not found in order"
        cursor = start
        if not links:
            continue
        pages = sorted({a4.destinations[a.get("href")[1:]] for a in links})
        listed = re.compile(r"Linked from pp?\. ((?:\d+, )*\d+)").search(glossary, start)
        assert listed, dt.text_content()
        assert [int(n) for n in listed[1].replace(",", " ").split()] == pages, dt.text_content()
        term = book.glossary[[t.id for t in book.glossary].index(dt.get("id"))]
        names = [term.term, *term.aliases]
        for page in pages:
            assert any(_names_on_page(a4, page, n) for n in names), (
                f"page {page} is listed for {term.term!r} but does not name it"
            )
        checked += 1
    assert checked > 40


# ------------------------------------------------------------------ writing space, glossary pages


SMALL_CHAPTER = """\
    ---
    title: "A short chapter"
    kind: front
    ---

    The miners of Huanuni work for COMIBOL, and COMIBOL pays them.

    The [state company](term:comibol) owns the mine.

    ::: questions
    1. Who pays the miners?
    2. Who owns the mine?
    :::
    """
SMALL_GLOSSARY = {
    "comibol.md": """\
        ---
        term: COMIBOL
        ---

        The state mining company of Bolivia.
        """
}


def _ruled_lines(pdf: Path, page: int, folder: Path) -> int:
    """Long grey horizontal lines on a page: the answer space's rules."""
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", str(page), "-l", str(page), "-png", str(pdf), folder / "p"],
        check=True,
    )
    image = Image.open(next(folder.glob("p*.png"))).convert("L")
    width, height = image.size
    rows = 0
    previous = False
    for y in range(height):
        grey = sum(image.crop((0, y, width, y + 1)).histogram()[100:235])
        ruled = grey > width / 2
        rows += ruled and not previous
        previous = ruled
    return rows


@pytest.fixture(scope="session")
def small_builds(tmp_path_factory) -> dict[str, Path]:
    source = make_book(
        tmp_path_factory.mktemp("small"), {"01-short.md": SMALL_CHAPTER}, SMALL_GLOSSARY
    )
    builds: dict[str, list[str | Path]] = {
        name: ["build", "--pdf", *flags, "--out", tmp_path_factory.mktemp(name)]
        for name, flags in (
            ("default", []),
            ("no-writing-space", ["--no-writing-space"]),
            ("glossary-pages", ["--glossary-pages"]),
        )
    }
    return _build_all(builds, source)


def test_questions_end_with_ruled_lines_unless_switched_off(small_builds, tmp_path):
    page = 5  # title page, contents, their blank backs, then the chapter
    assert "Who pays the miners?" in pdf_pages(small_builds["default"])[page - 1]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ruled = _ruled_lines(small_builds["default"], page, tmp_path / "a")
    unruled = _ruled_lines(small_builds["no-writing-space"], page, tmp_path / "b")
    assert ruled - unruled == 8  # four lines a question


def test_a_term_linked_twice_in_a_chapter_lists_its_page_once(small_builds):
    glossary = pdf_pages(small_builds["default"])[-1]
    assert "COMIBOL The state mining company of Bolivia. Linked from p. 5" in glossary


def test_glossary_page_after_term_links_only_when_asked(small_builds):
    glossary_page = len(pdf_pages(small_builds["glossary-pages"]))
    with_pages = pdf_pages(small_builds["glossary-pages"])[4]
    assert f"work for COMIBOL (p. {glossary_page}), and COMIBOL pays" in with_pages
    assert "work for COMIBOL, and COMIBOL pays" in pdf_pages(small_builds["default"])[4]


# ------------------------------------------------------------------ a well-formed, accessible PDF


def test_every_font_is_embedded(a4):
    out = subprocess.run(["pdffonts", str(a4.path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:]]
    assert rows and any("Charis" in row[0] for row in rows)
    for row in rows:
        assert row[-5] == "yes", f"font {row[0]} is not embedded"


def test_pdf_declares_pdf_ua_title_and_language(a4, book):
    with pikepdf.open(a4.path) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert str(pdf.docinfo["/Title"]) == book.meta.title
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == book.meta.language
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root


def test_bookmarks_are_title_page_contents_chapters_and_glossary(edition, book):
    outline = edition.reader.outline
    assert all(not isinstance(item, list) for item in outline), "no nested bookmarks"
    titles = [item.title for item in outline]
    chapters = [(f"{c.part_number}. " if c.part_number else "") + c.title for c in book.chapters]
    assert titles == [book.meta.title, "Contents", *chapters, "Glossary", "Sources for the notes"]
    pages = [edition.reader.get_destination_page_number(item) + 1 for item in outline]
    assert pages[2:] == [edition.destinations[i] for i in _chapter_ids(book)]


def test_words_with_ligatures_extract_whole(a4):
    text = " ".join(a4.pages)
    assert not re.search("[\ufb00-\ufb06]", text)
    article = (ROOT / "source" / "article.txt").read_text(encoding="utf-8")
    words = set(re.findall(r"\b\w*(?:fi|fl|ff)\w*\b", article))
    assert len(words) > 5
    for word in words:
        assert word in text, word


def test_text_is_extracted_in_reading_order(a4, book):
    chapter = book.article_chapters[1]
    page = a4.pages[a4.destinations[chapter.id] - 1]
    label = page.index(f"Part {chapter.part_number}")
    title = page.index(chapter.title)
    paragraph = next(b.text for b in chapter.text_blocks if b.role == "paragraph")
    first_note = page.index("1. ", title)
    assert label < title < page.index(paragraph[:30]) < first_note


# ------------------------------------------------------------------ handout
# (conftest.handout: the real book's, made by the `handout` command once for the run)


def test_handout_has_each_chapter_s_questions_on_its_own_pages(handout, book, print_tree):
    """A chapter's questions begin a page and fill one or two pages; undated by default
    (--date gives the meeting's date: test_proof.py)."""
    chapters = [c for c in book.chapters if c.questions]
    pages = pdf_pages(handout)
    starts = [i for i, page in enumerate(pages) for c in chapters if c.title in page]
    assert len(starts) == len(chapters) and len(chapters) <= len(pages) <= 2 * len(chapters)
    for chapter, start, end in zip(chapters, starts, [*starts[1:], len(pages)], strict=True):
        text = _squeezed(" ".join(pages[start:end]))
        assert "5 October 2006" not in " ".join(pages[start:end])
        questions = print_tree.xpath(f"//li[starts-with(@id, '{chapter.id}-q')]")
        assert len(questions) == len(chapter.questions)
        for question in questions:
            assert _squeezed(question.text_content()) in text


def test_handout_is_a_tagged_pdf_with_a_title(handout, book):
    with pikepdf.open(handout) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert str(pdf.docinfo["/Title"]) == f"{book.meta.title}: discussion questions"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
