"""The parallel edition (issue 23) on its test book, tests/fixtures/parallel-1789: the French
Declaration of 1789's preamble and first four articles beside the project's English
translation, which gives the preamble in two paragraphs (`align = ["1 = 1-2"]`). Built in
every edition; the pairs are read back from the real files: the PDF's facing pages at A4,
Letter and A5, the EPUB's and the Kobo EPUB's documents, the web pages in Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from studyguide.cli import main
from studyguide.model import Medium
from studyguide.sources.alignment import text_pair
from studyguide.sources.book import load_book
from support import NS, ROOT, Run, epub_files, epub_xhtml, epubcheck, pdf_pages, text_after_markers

BOOK = ROOT / "tests" / "fixtures" / "parallel-1789"
SLUG = "declaration-1789"
EPOCH = "1790000000"  # the editions' date, the same for every build of the tests
# A3: ¶ 3 of the original; B4 of the translation (in the margin: not a reference, "¶ A1",
# "¶ B1–B2", in a note)
PNUM = re.compile(r"(?<![\w.])(?<!¶\s)(?<!–)([AB])(\d+)(?![\w.])")
PARALLEL = {
    f"{SLUG}-parallel.pdf",
    f"{SLUG}-parallel.epub",
    f"{SLUG}-parallel.kepub.epub",
    f"{SLUG}-parallel-web",
}


def run(*args: str | Path) -> Run:
    """The command line, in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


@dataclass
class Built:
    out: Path
    stdout: str
    stderr: str

    def path(self, name: str) -> Path:
        return self.out / name


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """The test book's parallel edition (at A4) with its own PDF and EPUB, and the parallel
    PDF at Letter and A5."""
    out = tmp_path_factory.mktemp("parallel")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        made = run("--root", BOOK, "build", "--pdf", "--epub", "--parallel", "--out", out)
        assert made.code == 0, made.stderr
        for paper in ("letter", "a5"):
            other = run("--root", BOOK, "build", "--parallel-pdf", "--paper", paper, "--out", out)
            assert other.code == 0, other.stderr
    return Built(out, made.stdout, made.stderr)


def _facing() -> dict[tuple[str, int], int]:
    """The unit each paragraph belongs to: ("A", 1) and ("B", 1), ("B", 2) face each other."""
    units = {}
    for index, facing in enumerate(text_pair(load_book(BOOK)).facing):
        units.update({("A", n): index for n in facing.original})
        units.update({("B", n): index for n in facing.translation})
    return units


def _paragraphs(page: str) -> list[tuple[str, int]]:
    return [(mark, int(number)) for mark, number in PNUM.findall(page)]


# The pairing of the paragraphs --------------------------------------------------------------


def test_the_paragraphs_pair_one_to_one_but_where_align_says():
    pair = text_pair(load_book(BOOK))
    assert [(f.original, f.translation) for f in pair.facing] == [
        ((1,), (1, 2)), ((2,), (3,)), ((3,), (4,)), ((4,), (5,)), ((5,), (6,)), ((6,), (7,)),
    ]  # fmt: skip
    assert (pair.original.id, pair.translation.id, pair.first) == (
        "declaration",
        "english",
        "original",
    )


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BOOK, tmp_path / "book"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_different_number_of_paragraphs_is_an_error_where_they_part(tmp_path):
    book = _copy(tmp_path)
    _edit(book / "book.toml", 'align = ["1 = 1-2"]', "")
    failed = run("--root", book, "build", "--parallel", "--out", tmp_path / "out")
    assert failed.code == 1
    # Where one to one first fails: the translation's ¶ 2, the second half of the preamble.
    lines = (book / "chapters" / "04-preamble.md").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("They do so"))
    assert f"chapters/04-preamble.md:{line}: error: the translation 'english' has 7 " in (
        failed.stderr
    )
    assert "¶ 1 of the original seems to face ¶¶ 1–2 of the translation" in failed.stderr
    assert 'add "1 = 1-2" to `align`' in failed.stderr and "[parallel.misaligned]" in failed.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*parallel*"))
    # The other editions do not pair the texts: they build.
    assert run("--root", book, "check").code == 0


def test_where_a_translation_joins_two_paragraphs_the_error_says_which(tmp_path):
    """The translation gives Articles 2 and 3 as one paragraph: the texts part at the
    original's ¶ 5 (Article 3), which the hint pairs with the translation's ¶ 5."""
    book = _copy(tmp_path)
    for name in ("chapters/05-articles.md", "source/english.txt"):
        _edit(
            book / name, "resistance to oppression.\n\nArt. 3.", "resistance to oppression. Art. 3."
        )
    failed = run("--root", book, "build", "--parallel-pdf", "--out", tmp_path / "out")
    lines = (book / "chapters" / "03-articles.md").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("Art. 3."))
    assert failed.code == 1
    assert f"chapters/03-articles.md:{line}: error: the translation 'english' has 6 " in (
        failed.stderr
    )
    assert "¶¶ 4–5 of the original seems to face ¶ 5 of the translation" in failed.stderr
    assert 'add "4-5 = 5" to `align`' in failed.stderr


@pytest.mark.parametrize(
    ("align", "says"),
    [
        ('align = ["1 = 1-9"]', "[parallel] align names ¶ 9 of 'english', which has 7"),
        ('align = ["one = two"]', "'one = two' is not an alignment of paragraphs [meta.parallel]"),
        ('align = ["2 = 3", "1 = 1"]', "'1 = 1' does not come after '2 = 3' [meta.parallel]"),
        ('align = ["1-3 = 1-4"]', "pairs ¶¶ 1–3 of 'declaration', which are in two of its"),
        ('translation = "declaration"', "'declaration' is not a text of the book that translates"),
    ],
)
def test_a_wrong_alignment_is_an_error_at_its_line(tmp_path, align, says):
    book = _copy(tmp_path)
    _edit(book / "book.toml", 'align = ["1 = 1-2"]', align)
    line = (book / "book.toml").read_text().splitlines().index(align) + 1
    failed = run("--root", book, "build", "--parallel-epub", "--out", tmp_path / "out")
    assert failed.code == 1
    assert f"book.toml:{line}: error: " in failed.stderr and says in failed.stderr


def test_a_book_without_a_translation_has_no_parallel_edition(tmp_path):
    book = _copy(tmp_path)
    _edit(book / "book.toml", 'translation_of = "declaration"', 'original_language = "fr"')
    _edit(book / "book.toml", '[parallel]\nalign = ["1 = 1-2"]', "")
    failed = run("--root", book, "build", "--parallel", "--out", tmp_path / "out")
    assert failed.code == 1 and "[parallel.no-translation]" in failed.stderr
    assert "book.toml:" in failed.stderr


def test_fidelity_holds_for_both_texts(tmp_path):
    book = _copy(tmp_path)
    _edit(book / "chapters" / "05-articles.md", "Men are born", "Men were born")
    failed = run("--root", book, "build", "--parallel-epub", "--out", tmp_path / "out")
    assert failed.code == 1 and "chapters/05-articles.md:" in failed.stderr
    assert "source/english.txt" in failed.stderr or "[fidelity." in failed.stderr


# The files ------------------------------------------------------------------------------


def test_parallel_writes_its_files_beside_the_book_s_other_editions(built):
    written = {Path(line).name for line in built.stdout.split()}
    assert written >= PARALLEL
    assert written == PARALLEL | {f"{SLUG}.pdf", f"{SLUG}.epub"}
    assert (built.out / f"{SLUG}-parallel-a5.pdf").is_file()


def test_a_normal_build_is_the_same_without_the_parallel_table(built, tmp_path, monkeypatch):
    """The [parallel] table and the parallel edition change nothing of the book's own
    editions: built without them, they are the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = _copy(tmp_path)
    _edit(book / "book.toml", '[parallel]\nalign = ["1 = 1-2"]', "")
    made = run("--root", book, "build", "--pdf", "--epub", "--out", tmp_path / "out")
    assert made.code == 0, made.stderr
    for name in (f"{SLUG}.pdf", f"{SLUG}.epub"):
        assert (tmp_path / "out" / name).read_bytes() == built.path(name).read_bytes(), name


# Print: facing pages ----------------------------------------------------------------------


@pytest.mark.parametrize("paper", ["a4", "letter", "a5"])
def test_each_pair_of_pages_begins_with_the_same_paragraphs(built, paper):
    """The original on each left-hand (even) page, its translation on the page facing it:
    the paragraphs of a pair of pages are those of the same units on both sides, every
    paragraph is set once, and none runs ahead of its counterpart."""
    name = f"{SLUG}-parallel{'' if paper == 'a4' else '-' + paper}.pdf"
    pages = pdf_pages(built.path(name))
    units = _facing()
    first = next(i for i, page in enumerate(pages) if ("A", 1) in _paragraphs(page))
    assert first % 2 == 1, "the original begins on a left-hand page (page numbers are even)"
    seen: dict[str, list[int]] = {"A": [], "B": []}
    spreads = 0
    for verso in range(first, len(pages) - 1, 2):
        left, right = _paragraphs(pages[verso]), _paragraphs(pages[verso + 1])
        if not left and not right:
            continue
        spreads += 1
        assert {mark for mark, _ in left} <= {"A"} and {mark for mark, _ in right} <= {"B"}
        assert {units[p] for p in left} == {units[p] for p in right}, (verso + 1, left, right)
        for mark, number in left + right:
            seen[mark].append(number)
    assert seen == {"A": [1, 2, 3, 4, 5, 6], "B": [1, 2, 3, 4, 5, 6, 7]}
    assert spreads >= 2


def _page_size(path: Path) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(path).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_the_papers_are_a4_letter_and_a5(built):
    assert _page_size(built.path(f"{SLUG}-parallel.pdf")) == (595, 842)
    assert _page_size(built.path(f"{SLUG}-parallel-letter.pdf")) == (612, 792)
    assert _page_size(built.path(f"{SLUG}-parallel-a5.pdf")) == (420, 595)


def test_notes_and_page_numbers_work_on_facing_pages(built):
    """Each note at the foot of its call's page, numbered by chapter of its text as in the
    print edition; the page numbers run on, the left-hand pages even; the contents and the
    glossary give the parallel pages' numbers."""
    pages = pdf_pages(built.path(f"{SLUG}-parallel-a5.pdf"))
    notes = {
        "1. The deputies of the Third Estate": "Assemblée Nationale,1",
        "2. The text as given here writes": "l'Etre suprême,2",
        "1. The French preamble is one sentence": "sacred rights of Man.1",
    }
    for note, call in notes.items():
        at = [i for i, page in enumerate(pages) if note in page]
        assert len(at) == 1 and call in pages[at[0]].replace("\u00ad", ""), note
    for number, page in enumerate(pages, 1):
        lines = [line for line in page.splitlines() if line.strip()]
        if lines and number > 4:  # the title page, colophon and contents have none
            assert lines[-1].strip() == str(number) or str(number) in lines[-1]
    contents = next(page for page in pages if "Contents" in page)
    verso = next(i for i, page in enumerate(pages, 1) if "A1" in page)
    assert re.search(
        rf"Déclaration des Droits de\s+l'Homme et du Citoyen de 1789\s*\.*\s*{verso}\b", contents
    )
    glossary = next(page for page in pages if "Linked from" in page)
    assert f"pp. {verso}, {verso + 1}" in glossary
    # A reference to a paragraph gives the parallel page it is on, on either side.
    text = " ".join(" ".join(pages).replace("\u00a0", " ").split())
    assert f"one sentence, ¶ A1 (p. {verso}); this translation" in text
    assert f"two paragraphs, ¶ B1–B2 (p. {verso + 1})." in text


def test_the_parallel_pdf_is_tagged_each_text_in_its_language(built):
    """PDF/UA-1, as the print edition: the structure tree holds the original's elements in
    French and the translation's in English (the book's language is English)."""
    import pikepdf

    with pikepdf.open(built.path(f"{SLUG}-parallel.pdf")) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert str(pdf.Root.Lang) == "en"
        languages: dict[str, int] = {}
        pending = [pdf.Root.StructTreeRoot]
        while pending:
            node = pending.pop()
            if not isinstance(node, pikepdf.Dictionary):
                continue
            if "/Lang" in node:
                languages[str(node.Lang)] = languages.get(str(node.Lang), 0) + 1
            kids = node.get("/K")
            pending += list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    assert languages.get("fr", 0) >= 6 and languages.get("en", 0) >= 6, languages


def test_a_long_paragraph_goes_on_over_the_next_pair_its_translation_beside_it(tmp_path):
    """A paragraph longer than a page runs on to the next pair of pages; the other side
    leaves room, and the next paragraphs begin on both sides of that pair."""
    book = _copy(tmp_path)
    preamble = (book / "source" / "declaration.txt").read_text().split("\n\n")[1]
    for path, old in (
        (book / "source" / "declaration.txt", preamble),
        (book / "chapters" / "02-preambule.md", "au bonheur de tous."),
    ):
        _edit(path, old, old + (" " + preamble) * 3)
    made = run(
        "--root", book, "build", "--parallel-pdf", "--paper", "a5", "--out", tmp_path / "out"
    )
    assert made.code == 0, made.stderr
    assert "runs over its page" not in made.stderr
    pages = pdf_pages(tmp_path / "out" / f"{SLUG}-parallel-a5.pdf")
    first = next(i for i, page in enumerate(pages) if ("A", 1) in _paragraphs(page))
    assert _paragraphs(pages[first]) == [("A", 1)] and _paragraphs(pages[first + 1]) == [
        ("B", 1), ("B", 2),
    ]  # fmt: skip
    # The rest of ¶ A1 on the next left-hand page, with ¶ A2; ¶ B3 faces them.
    assert "de tous." in pages[first + 2] and _paragraphs(pages[first + 2]) == [("A", 2)]
    assert _paragraphs(pages[first + 3]) == [("B", 3)]


# The EPUB and the Kobo EPUB ------------------------------------------------------------------


def _pairs(path: Path) -> list[tuple[str, list[str], str, list[str]]]:
    """Each pair of the EPUB's documents: the languages and paragraph ids of each side."""
    found = []
    for root in epub_xhtml(path).values():
        for pair in root.iterfind(".//x:div[@class='parallel-pair']", NS):
            sides = [div for div in pair if div.tag == f"{{{NS['x']}}}div"]
            found.append(
                tuple(
                    item
                    for side in sides
                    for item in (
                        side.get("lang"),
                        [p.get("id") for p in side.iterfind(".//x:p[@class='para']", NS)],
                    )
                )
            )
    return found


@pytest.mark.parametrize("name", [f"{SLUG}-parallel.epub", f"{SLUG}-parallel.kepub.epub"])
def test_each_original_paragraph_is_followed_by_its_translation_in_its_language(built, name):
    pairs = _pairs(built.path(name))
    assert pairs[0] == ("fr", ["p-declaration-1"], "en", ["p-english-1", "p-english-2"])
    assert [pair[1] for pair in pairs] == [[f"p-declaration-{n}"] for n in range(1, 7)]
    assert [pair[3] for pair in pairs][1:] == [[f"p-english-{n}"] for n in range(3, 8)]
    files = epub_files(built.path(name))
    assert not any(b"<table" in data for file, data in files.items() if file.endswith(".xhtml"))
    opf = files["EPUB/content.opf"].decode()
    assert "pre-paginated" not in opf and "rendition:layout" not in opf


def test_the_parallel_epub_passes_epubcheck(built, tmp_path):
    """(The Kobo EPUB is this one with Kobo's spans, render/kobo.py; scripts/run-epubcheck
    accepts it too, a run the tests leave out for their time.)"""
    messages = epubcheck(built.path(f"{SLUG}-parallel.epub"), tmp_path / "report.json")
    assert [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


def test_the_kobo_edition_has_kobos_spans_in_both_texts(built):
    documents = epub_xhtml(built.path(f"{SLUG}-parallel.kepub.epub"))
    chapter = documents["chapter-02.xhtml"]
    for side in ("parallel-original", "parallel-translation"):
        spans = chapter.findall(f".//x:div[@class='{side}']//x:span[@class='koboSpan']", NS)
        assert spans, side


def _markers(path: Path) -> dict[str, tuple[str, str]]:
    """Each page-break marker's page: the id of the element it stands in, and the words
    after it where that is a paragraph of a text."""
    found = {}
    for root in epub_xhtml(path).values():
        after = text_after_markers(root)
        for marker in root.iterfind(".//x:span[@epub:type='pagebreak']", NS):
            holder = next(e for e in marker.iterancestors() if e.get("id"))
            paragraph = "para" in (holder.get("class") or "").split()
            words = after[marker.get("aria-label")][:40] if paragraph else ""
            found[marker.get("aria-label")] = (holder.get("id"), words)
    return found


def test_the_page_list_is_the_print_edition_s(built):
    """The same print pages as the book's own EPUB, each beginning in the same place (the
    same element; in a paragraph, at the same words)."""
    normal = _markers(built.path(f"{SLUG}.epub"))
    parallel = _markers(built.path(f"{SLUG}-parallel.epub"))
    assert len(normal) > 8 and parallel == normal
    files = epub_files(built.path(f"{SLUG}-parallel.epub"))
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    listed = nav.findall(".//x:nav[@epub:type='page-list']//x:a", NS)
    assert [a.text for a in listed] == sorted(normal, key=int)
    for link in listed:
        document, _, place = link.get("href").partition("#")
        assert f'id="{place}"'.encode() in files[f"EPUB/{document}"], link.get("href")


def test_links_into_the_translation_lead_where_it_is_shown(built):
    files = epub_files(built.path(f"{SLUG}-parallel.epub"))
    names = {name.removeprefix("EPUB/") for name in files}
    for root in epub_xhtml(built.path(f"{SLUG}-parallel.epub")).values():
        for link in root.iterfind(".//x:a[@href]", NS):
            document, _, place = link.get("href").partition("#")
            if place and document and not document.startswith(("http", "mailto")):
                assert document in names, link.get("href")
                assert f'id="{place}"'.encode() in files[f"EPUB/{document}"], link.get("href")


def test_the_translation_first_where_the_book_says_so(tmp_path):
    from studyguide.render.parallel import parallel_book, screen_book

    book = _copy(tmp_path)
    _edit(book / "book.toml", 'align = ["1 = 1-2"]', 'align = ["1 = 1-2"]\nfirst = "translation"')
    view = screen_book(parallel_book(load_book(book), Medium.EPUB), "epub").view
    body = str(next(c for c in view.chapters_html if c.number == 2).body_html)
    assert body.index('class="parallel-translation"') < body.index('class="parallel-original"')


def test_a_chapter_of_the_translation_may_begin_among_a_unit_s_paragraphs(tmp_path):
    """The translation's preamble in two chapters, the second beginning with its ¶ 2, which
    faces the original's ¶ 1 with its ¶ 1: its head stands between the two."""
    from studyguide.render.parallel import parallel_book, screen_book

    book = _copy(tmp_path)
    chapters = book / "chapters"
    (chapters / "05-articles.md").rename(chapters / "06-articles.md")
    preamble = (chapters / "04-preamble.md").read_text(encoding="utf-8")
    cut = preamble.index("They do so")
    rest = preamble[cut:].split("\n\n[^sentence]")[0]
    (chapters / "04-preamble.md").write_text(preamble[:cut] + preamble[cut + len(rest) :])
    head = '---\ntitle: "The preamble, continued"\ntext: english\n---\n\n'
    (chapters / "05-continued.md").write_text(head + rest, encoding="utf-8")
    view = screen_book(parallel_book(load_book(book), Medium.EPUB), "epub").view
    body = str(next(c for c in view.chapters_html if c.number == 2).body_html)
    assert body.index('id="p-english-1"') < body.index('id="ch-5-title"')
    assert body.index('id="ch-5-title"') < body.index('id="p-english-2"')


# The web pages ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def in_chromium(built, chromium) -> dict[str, dict]:
    """The first chapter of the text at a desktop's and a phone's width, and with the switch
    set to each language."""
    page_file = built.path(f"{SLUG}-parallel-web") / "chapter-02.html"
    probe = """() => {
      const box = (e) => {
        const r = e.getBoundingClientRect();
        return [r.left, r.top, r.width, r.height];
      };
      const pair = document.querySelector('.parallel-pair');
      return {original: box(pair.querySelector('.parallel-original')),
              translation: box(pair.querySelector('.parallel-translation')),
              shown: [...document.querySelectorAll('.parallel-pair > div')]
                       .filter(d => d.offsetParent !== null).map(d => d.className)};
    }"""
    seen: dict[str, dict] = {}
    for name, width in (("desktop", 1280), ("phone", 390)):
        page = chromium.new_page(viewport={"width": width, "height": 900})
        page.goto(page_file.as_uri())
        seen[name] = page.evaluate(probe)
        page.screenshot(path=str(built.out / f"web-{name}.png"), full_page=True)
        if name == "desktop":
            for which in ("original", "translation"):
                page.check(f"input[value='{which}']")
                seen[which] = page.evaluate(probe)
        page.close()
    # The search, over HTTP as on any static host: the index holds both texts.
    server = _serve(built.out)
    base = f"http://127.0.0.1:{server.server_address[1]}/{SLUG}-parallel-web/"
    try:
        page = chromium.new_page()
        for query in ("bonheur", "happiness", "sovereignty"):
            page.goto(f"{base}search.html?q={query}")
            page.wait_for_selector(".search-results li", timeout=30_000)
            seen[query] = page.eval_on_selector_all(
                ".search-results li > a",
                "links => links.map(a => [a.getAttribute('href'), a.textContent])",
            )
        page.close()
    finally:
        server.shutdown()
    return seen


def _serve(folder: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_web_pages_are_side_by_side_on_a_desktop_and_one_after_the_other_on_a_phone(
    in_chromium,
):
    desktop, phone = in_chromium["desktop"], in_chromium["phone"]
    left, right = desktop["original"], desktop["translation"]
    assert left[1] == right[1] and left[0] + left[2] <= right[0], (left, right)
    first, second = phone["original"], phone["translation"]
    assert second[1] >= first[1] + first[3] and abs(second[0] - first[0]) < 20, (first, second)


def test_the_switch_shows_one_language_only(in_chromium):
    assert set(in_chromium["desktop"]["shown"]) == {"parallel-original", "parallel-translation"}
    assert set(in_chromium["original"]["shown"]) == {"parallel-original"}
    assert set(in_chromium["translation"]["shown"]) == {"parallel-translation"}


def test_the_search_finds_both_texts_and_each_paragraph_cites_its_own(built, in_chromium):
    """The parallel web pages have the web edition's search: a word of the original finds its
    paragraph, a word of the translation its own; each paragraph's citation line names its
    own text."""
    site = f"/{SLUG}-parallel-web/"
    found = {query: dict(in_chromium[query]) for query in ("bonheur", "happiness", "sovereignty")}
    assert site + "chapter-02.html#p-declaration-1" in found["bonheur"]
    assert site + "chapter-02.html#p-english-2" in found["happiness"]
    assert not any("p-english" in href for href in found["bonheur"])
    # A result names the chapter of its own text.
    assert found["sovereignty"] == {
        site + "chapter-03.html#p-english-6": "Articles 1 to 4 · ¶\u00a0B6"
    }
    page = (built.path(f"{SLUG}-parallel-web") / "chapter-03.html").read_bytes()
    root = etree.fromstring(page, etree.HTMLParser())
    cites = {p.get("id"): p.find("a").get("data-cite") for p in root.iterfind(".//p[@id]")}
    assert cites["p-declaration-3"].startswith("Déclaration des Droits de l'Homme et du ")
    assert cites["p-english-4"].startswith("Declaration of the Rights of Man and of the ")


def test_the_web_pages_link_into_the_translation_where_it_is_shown(built):
    site = built.path(f"{SLUG}-parallel-web")
    pages = {p.name: p.read_text(encoding="utf-8") for p in site.glob("*.html")}
    assert "chapter-04.html" not in pages and "chapter-02.html" in pages
    for name, html in pages.items():
        root = etree.fromstring(html.encode("utf-8"), etree.HTMLParser())
        for link in root.iterfind(".//a[@href]"):
            document, _, place = link.get("href").partition("#")
            if place and document.endswith(".html"):
                assert document in pages and f'id="{place}"' in pages[document], (
                    name,
                    link.get("href"),
                )
