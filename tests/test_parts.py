"""A print edition laid out in parts (studyguide/layout/parts.py, merge.py) makes the same
book as one layout: a small book with notes, questions, a glossary and chapters of every
length, laid out as the build does (short chapters grouped, long ones alone) against the same
book laid out with all its chapters in one part."""

from __future__ import annotations

import collections
import re
import subprocess
import types
from pathlib import Path

import pikepdf
import pytest
from pikepdf import NameTree, NumberTree

from studyguide.layout import parts
from studyguide.layout.parts import ANCHOR_URI, link_across_parts, plan
from studyguide.render.documents import PrintPart
from studyguide.render.views import ChapterView
from support import make_book, pdf_pages, studyguide

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
ONE_PART = "100000000"  # characters of HTML: every chapter in one part

# (title, paragraphs): two short chapters the build lays out together, longer ones alone,
# of lengths that end some of them on a right-hand page (a blank page before the next).
CHAPTERS = [("Short one", 1), ("Short two", 1), ("Long", 14), ("Middle", 6), ("Longer", 20)]
PARAGRAPH = (
    "The miners of [Huanuni](term:huanuni) went on working,[^n{n}] and the "
    "[state company](term:comibol) went on paying them, while the words of this paragraph "
    "go on long enough to fill a good part of a page with lines that break and hyphenate."
)


def _parts_book(folder: Path) -> Path:
    chapters = {}
    for number, (title, paragraphs) in enumerate(CHAPTERS, start=1):
        body = "\n\n".join(PARAGRAPH.format(n=n) for n in range(paragraphs))
        notes = "\n\n".join(
            f"[^n{n}]: A note on paragraph {n + 1} [@klein-2011]." for n in range(paragraphs)
        )
        questions = "::: questions\n1. What goes on?\n2. Who pays?\n:::"
        chapters[f"0{number}-{title.lower().replace(' ', '-')}.md"] = (
            f'---\ntitle: "{title}"\nkind: front\n---\n\n{body}\n\n{notes}\n\n{questions}\n'
        )
    glossary = {
        "huanuni.md": "---\nterm: Huanuni\n---\n\nA tin mine in Bolivia.\n",
        "comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n",
    }
    book = make_book(folder, chapters, glossary)
    (book / "references.toml").write_text(SOURCE, encoding="utf-8")
    return book


SOURCE = '[klein-2011]\nauthor = "Klein, Herbert S."\ntitle = "A Concise History"\ndate = "2011"\n'


def _build(book: Path, out: Path, *options: str) -> tuple[Path, Path, str]:
    run = studyguide("build", "--pdf", "--epub", "--out", out, *options, root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    written = [Path(line) for line in run.stdout.split()]
    pdf = next(p for p in written if p.suffix == ".pdf")
    epub = next(p for p in written if p.suffix == ".epub")
    return pdf, epub, run.stderr


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _parts_book(tmp_path_factory.mktemp("parts-book") / "book")


@pytest.fixture(scope="module")
def in_parts(book: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Laid out as the build does: the default part size."""
    return _build(book, tmp_path_factory.mktemp("parts"))


@pytest.fixture(scope="module")
def one_piece(book: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Every chapter in one part (the front matter, the glossary and the sources are parts of
    their own)."""
    return _build(book, tmp_path_factory.mktemp("one-piece"), "--part-size", ONE_PART)


def _summary(path: Path) -> dict:
    """What a reader and an assistive technology get from a PDF, by page index."""
    pdf = pikepdf.open(path)
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    destinations = {
        name: pages[value[0].objgen] for name, value in NameTree(pdf.Root.Names.Dests).items()
    }
    links = []
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            target = annotation.get("/Dest") or annotation.A.URI
            rect = [round(float(value)) for value in annotation.Rect]
            links.append((index, str(target), rect))
    outline = []
    with pdf.open_outline() as tree:
        stack = [(item, 0) for item in reversed(tree.root)]
        while stack:
            item, depth = stack.pop()
            outline.append((depth, item.title, pages[item.destination[0].objgen]))
            stack += [(child, depth + 1) for child in reversed(item.children)]
    root = pdf.Root.StructTreeRoot
    parent_tree = dict(NumberTree(root.ParentTree).items())
    kinds: collections.Counter[str] = collections.Counter()
    marked: collections.Counter[int] = collections.Counter()
    broken: list[str] = []
    todo = [(element, root.K[0]) for element in root.K[0].K]
    while todo:
        element, parent = todo.pop()
        kinds[str(element.S)] += 1
        if element.P.objgen != parent.objgen:
            broken.append(f"{element.S} has the wrong parent")
        if "/Pg" in element and element.Pg.objgen not in pages:
            broken.append(f"{element.S} is on a page not in the document")
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                marked[pages[element.Pg.objgen]] += 1
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                todo.append((kid, element))
    for index, page in enumerate(pdf.pages):
        key = page.obj.get("/StructParents")
        if key is not None and int(key) not in parent_tree:
            broken.append(f"page {index + 1}: StructParents {key} not in the parent tree")
        for annotation in page.obj.get("/Annots", []):
            if int(annotation.StructParent) not in parent_tree:
                broken.append(f"page {index + 1}: a link's StructParent is not in the tree")
    return {
        "pages": len(pdf.pages),
        "destinations": destinations,
        "links": links,
        "outline": outline,
        "structure": kinds,
        "marked content per page": marked,
        "broken": broken,
        "catalog": sorted(pdf.Root.keys()),
        "element ids": {
            str(name): str(element.S)
            for name, element in NameTree(root.IDTree).items()
            if "/IDTree" in root
        },
        "identifier": bytes(pdf.trailer.ID[0]),
        "information": {key: str(value) for key, value in pdf.docinfo.items()},
    }


def _rounds(stderr: str) -> list[list[str]]:
    """The parts laid out in each round, as the progress names them."""
    found = re.findall(r"laying out (.*(?:front|ch-|glossary|sources).*)", stderr)
    return [line.split(", ") for line in found]


def test_each_part_is_laid_out_and_those_printing_page_numbers_again(in_parts):
    """Round 1 lays out every part but the glossary (its locators need every page number);
    round 2 the glossary, while the contents wait for where it and the sources begin; round
    3 the contents; each part is laid out at most twice."""
    _pdf, _epub, stderr = in_parts
    rounds = _rounds(stderr)
    first = rounds[0]
    assert first[0] == "front" and first[-1] == "sources" and "glossary" not in first
    assert len(first) >= 4
    assert any("-to-" in name for name in first), "no part holds several chapters"
    assert "glossary" in rounds[1], "the glossary waits for the others' page numbers"
    assert "front" not in rounds[1], "the contents were laid out before the glossary's length"
    assert rounds[2] == ["front"], rounds
    assert len(rounds) == 3
    every = [name for names in rounds for name in names]
    assert max(every.count(name) for name in every) == 2


def test_parts_give_the_same_pages_as_one_layout(in_parts, one_piece):
    pdf, _epub, _ = in_parts
    assert "ch-1-to-ch-5" in one_piece[2], "the chapters were not laid out in one part"
    assert pdf_pages(pdf) == pdf_pages(one_piece[0])


def test_a_part_after_a_right_hand_page_begins_after_a_blank_page(in_parts):
    pdf, _epub, stderr = in_parts
    ids = {"sources": "references"}  # (the part's name, its section's id)
    firsts = [ids.get(name, name).split("-to-")[0] for name in _rounds(stderr)[0][1:]]
    destinations = _summary(pdf)["destinations"]
    starts = sorted(destinations[name] + 1 for name in firsts)
    text = pdf_pages(pdf)
    after_blank = [start for start in starts if not text[start - 2].strip()]
    assert after_blank, "no part boundary needed a blank page: the case is not exercised"


def test_parts_give_the_same_links_bookmarks_and_structure(in_parts, one_piece):
    pdf, _epub, _ = in_parts
    merged, whole = _summary(pdf), _summary(one_piece[0])
    assert merged["broken"] == []
    for key in whole:
        assert merged[key] == whole[key], key
    assert not any(ANCHOR_URI in target for _, target, _ in merged["links"])


def test_each_part_has_font_subsets_of_its_own(in_parts):
    pdf, _epub, _ = in_parts
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    names = [row[0] for row in rows]
    assert len(names) > 3, "one set of subsets: the parts' fonts were not kept apart"
    assert len(set(names)) == len(names)
    assert all(row[-5] == "yes" for row in rows), listing  # emb


def test_the_epub_gets_the_same_page_numbers_from_parts(in_parts, one_piece):
    _pdf, epub, _ = in_parts
    assert epub.read_bytes() == one_piece[1].read_bytes()


def test_a_build_keeps_no_geometry_and_the_same_pages_and_folios(book: Path, tmp_path: Path):
    """The build lays the book out without keeping the pages' lines (geometry=False: each
    part's is kept in the cache by its worker, the build holds only which pages are blank),
    and gets the same page map and folios as a layout that keeps them, laid out or read back
    from the cache; what keeps no geometry says so rather than giving no pages."""
    from studyguide.layout.book import lay_out_book
    from studyguide.options import Options
    from studyguide.sources.book import load_book

    loaded, options = load_book(book), Options(out=tmp_path / "out")
    layouts = []
    for geometry in (False, True, False):  # laid out, then both read back from the cache
        laid = lay_out_book(loaded, options, geometry=geometry)
        laid.discard()
        layouts.append(laid)
    bare, full, kept = layouts
    assert len(full.pages) > 10
    assert [blank for part in full.laid.parts for blank in part.laid.blank] == [
        page.blank for page in full.pages
    ]
    assert any(page.blank for page in full.pages), "no blank page: the case is not exercised"
    for laid in (bare, kept):
        assert all(part.laid.geometry == [] for part in laid.laid.parts)
        assert laid.folios_shown() == full.folios_shown()
        assert laid.page_map() == full.page_map()
        assert [str(fault) for fault in laid.faults] == [str(fault) for fault in full.faults]
        with pytest.raises(ValueError, match="geometry was not kept"):
            laid.pages  # noqa: B018


TERMS = ["cobalt", "dynamite", "feldspar", "gneiss", "quartz", "tin"]


def _glossary_book(folder: Path) -> Path:
    """A small book of four chapters, each linking glossary terms, long enough that the
    chapters run over several pages: laid out a part a chapter, its page numbers cross."""
    chapters = {}
    for number in range(1, 5):
        linked = [TERMS[(number + k) % len(TERMS)] for k in range(3)]
        words = " ".join(f"the [{term}](term:{term}) of part {number}," for term in linked)
        filler = " ".join(["The mine goes on, and the words go on with it."] * 14)
        body = "\n\n".join([f"Here are {words} and more.", *([filler] * 5)])
        chapters[f"0{number}-part-{number}.md"] = (
            f'---\ntitle: "Part {number}"\nkind: front\n---\n\n{body}\n'
        )
    glossary = {f"{term}.md": f"---\nterm: {term}\n---\n\nA word, {term}.\n" for term in TERMS}
    return make_book(folder, chapters, glossary)


def test_glossary_pages_are_written_in_across_parts_and_are_right(tmp_path: Path):
    """A part a chapter, with --glossary-pages: the page numbers written in across parts
    (the glossary's "Linked from", each term's "(p. N)") are the pages of the merged book.
    (That parts give the pages of one layout is tested above, without --glossary-pages.)"""
    book = _glossary_book(tmp_path / "book")
    html_file = tmp_path / "book.html"
    out = tmp_path / "out"
    run = studyguide(
        "build", "--pdf", "--glossary-pages", "--part-size", "1", "--debug-html", html_file,
        "--out", out, root=book, env=EPOCH,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    assert {"ch-1", "ch-4"} <= set(_rounds(run.stderr)[0]), "a part a chapter"
    pdf = Path(run.stdout.split()[-1])
    printed = pdf_pages(pdf)
    # Every "Linked from" lists the pages its links are on, and every "(p. N)" is the page
    # of a glossary entry (WeasyPrint's own target-counter() got one of these wrong).
    document = pikepdf.open(pdf)
    pages = {page.objgen: index + 1 for index, page in enumerate(document.pages)}
    where = {
        name: pages[value[0].objgen] for name, value in NameTree(document.Root.Names.Dests).items()
    }
    text = " ".join(" ".join(page.split()) for page in printed)
    html = html_file.read_text(encoding="utf-8")
    entries = re.findall(r'<dt id="(term-[^"]+)".*?</dd>', html, flags=re.S)
    assert len(entries) == len(TERMS)
    chapter_pages = set()
    for entry in re.finditer(r'<dt id="(term-[^"]+)".*?</dd>', html, flags=re.S):
        links = re.findall(r'class="pageref" href="#([^"]+)"', entry.group(0))
        assert links, entry.group(1)
        listed = ", ".join(str(where[link]) for link in links)
        label = "p." if len(links) == 1 else "pp."
        assert f"Linked from {label} {listed}" in text, entry.group(1)
        chapter_pages |= {where[link] for link in links}
    assert len(chapter_pages) >= 4  # the links stand on pages of every part
    glossary_pages = {str(page) for name, page in where.items() if name.startswith("term-")}
    shown = set(re.findall(r"\(p\. (\d+)\)", text))
    assert shown and shown <= glossary_pages


# ------------------------------------------------------------ the plan and the links


def _chapter(kind: str, size: int) -> ChapterView:
    from studyguide.model import Kind

    class Fake:
        pass

    chapter = Fake()
    chapter.kind = Kind(kind)
    return ChapterView(chapter, "x" * size, [], [])


def test_plan_keeps_the_order_and_the_budget_and_a_part_for_the_front_and_the_back():
    """The title page and contents are a part of their own (laid out again once the others'
    page numbers are known), every chapter is in a part of whole chapters within the budget
    (a longer one alone), then the glossary is a part and the sources the last."""
    from studyguide.render.views import BookView

    chapters = [_chapter("front", 500), _chapter("front", 500)]
    chapters += [_chapter("article", 400) for _ in range(10)] + [_chapter("back", 300)]
    view = BookView(types.SimpleNamespace(references=("a source",)), chapters, ["a term"])
    parts = plan(view, 1000)
    assert [c for part in parts for c in part.chapters] == chapters
    assert parts[0].front and parts[0].chapters == []
    assert parts[-2].glossary and parts[-2].chapters == []
    assert parts[-1].references and parts[-1].chapters == []
    assert not any(part.glossary for part in parts[:-2] + parts[-1:])
    assert not any(part.references for part in parts[:-1])
    for part in parts[1:-2]:
        assert 0 < sum(len(c.body_html) for c in part.chapters) <= 1000
    assert [part.articles_before for part in parts[1:]] == [0, 0, 2, 4, 6, 8, 10, 10, 10]
    alone = plan(view, 100)
    assert [len(part.chapters) for part in alone[1:-2]] == [1] * len(chapters)
    bare = plan(BookView(types.SimpleNamespace(references=()), chapters, []), 1000)
    assert not bare[-1].glossary and not bare[-1].references, "no glossary, no sources: no part"


def test_links_show_their_page_and_links_to_other_parts_are_marked():
    html = (
        '<p id="here">x</p><a class="pageref" href="#here"></a>'
        '<a class="term" id="l1" href="#term-x">y</a><a class="toc-entry" href="#c9">z</a>'
    )
    linked = link_across_parts(html, {"here": 7, "term-x": 40})
    assert '<a class="pageref" data-page="7" href="#here">' in linked
    assert f'<a class="term" id="l1" href="{ANCHOR_URI}term-x">' in linked
    assert f'<a class="toc-entry" data-page="0" href="{ANCHOR_URI}c9">' in linked
    with_pages = link_across_parts(html, {"term-x": 40}, glossary_pages=True)
    assert 'class="term" id="l1" data-page="40"' in with_pages


def test_parts_laid_out_side_by_side_give_the_bytes_of_parts_laid_out_in_turn(
    book, in_parts, tmp_path, monkeypatch
):
    """The tests lay parts out one after the other (conftest: STUDYGUIDE_JOBS=1); a build
    lays them out in its layout process and the workers it forks, one a core: the same PDF
    and EPUB, byte for byte."""
    import os

    from studyguide.layout import makeup
    from studyguide.layout.workers import JOBS_VARIABLE

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: the parts are laid out in turn whatever is asked")
    where = tmp_path / "laid-out-in"
    lay_out = makeup.lay_out

    def noted(*args, **kwargs):
        with where.open("a") as log:
            log.write(f"{os.getpid()}\n")
        return lay_out(*args, **kwargs)

    monkeypatch.setattr(makeup, "lay_out", noted)
    out = tmp_path / "out"
    run = studyguide(
        "build", "--pdf", "--epub", "--out", out, root=book, env=EPOCH | {JOBS_VARIABLE: "2"}
    )
    assert run.code == 0, run.stderr
    processes = set(where.read_text().split())
    assert str(os.getpid()) not in processes, "a part was laid out in the build's own process"
    assert len(processes) >= 2, "the parts were not laid out side by side"
    tmp_path = out
    pdf, epub, _ = in_parts
    assert (tmp_path / pdf.name).read_bytes() == pdf.read_bytes()
    assert (tmp_path / epub.name).read_bytes() == epub.read_bytes()


def test_workers_start_the_largest_parts_first_and_give_results_in_order(tmp_path, monkeypatch):
    """Two workers: the two largest items are the first two started (a long part left to the
    end would run alone on one core while the other waits), and the results come back in
    the items' order."""
    import os
    import time

    from studyguide.layout import workers

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: the parts are laid out in turn whatever is asked")
    monkeypatch.setenv(workers.JOBS_VARIABLE, "2")
    started = tmp_path / "started"

    def work(item: str) -> str:
        """Says it started, then waits for a second item to start: the first two to start
        are then the first two handed out, one to each worker (and never wait long: no
        worker takes another item before it ends its first)."""
        with started.open("a") as log:
            log.write(item + "\n")
        deadline = time.monotonic() + 600  # (only bounds a failure)
        while started.read_text().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        return item.upper()

    items = ["ch-1", "the sources, much the longest", "ch-2", "the glossary, long", "ch-3"]
    assert workers.map_parts(work, items, size=len) == [item.upper() for item in items]
    first = started.read_text().split("\n")[:2]
    assert set(first) == {"the sources, much the longest", "the glossary, long"}, first
    started.unlink()
    workers.map_parts(work, items)  # without sizes: in the items' order
    assert set(started.read_text().split("\n")[:2]) == {"ch-1", "the sources, much the longest"}


# A book of four parts for the rounds of parts.lay_out: the contents cite every part, the
# second chapter "¶ 1 (p. M)" of the first, the glossary a page of the second chapter.
ROUNDS_BOOK = {
    "front": '<a class="toc-entry" href="#c1">A</a> <a class="toc-entry" href="#g">G</a>',
    "c1": '<h1 id="c1">A</h1><p id="p1">The first paragraph.</p>',
    "c2": '<h1 id="c2">B</h1><p>See <a class="pageref" href="#p1">¶ 1</a>.</p>',
    "glossary": '<dl id="g"><dt>Term</dt><dd><a class="pageref" href="#c2">B</a></dd></dl>',
}


def _layouts_asked(tmp_path: Path, in_turn: bool) -> list[tuple[int, str, bool, str]]:
    """Each layout parts.lay_out asks for: (round, part, provisional, HTML); each part is
    three pages long, each of its ids on its first page."""
    laid: list[tuple[int, str, bool, str]] = []

    def lay_out_parts(jobs: list[parts.PartJob], round_: int) -> list[parts.PartLayout]:
        laid.extend((round_, job.name[3:], job.target is None, job.html) for job in jobs)
        return [
            parts.PartLayout([], dict.fromkeys(re.findall(r' id="([^"]+)"', job.html), 1), 3)
            for job in jobs
        ]

    book = [
        PrintPart([], front=True, glossary=False),
        PrintPart([types.SimpleNamespace(id="c1")], front=False, glossary=False),
        PrintPart([types.SimpleNamespace(id="c2")], front=False, glossary=False),
        PrintPart([], front=False, glossary=True),
    ]
    html = dict(zip(map(id, book), ROUNDS_BOOK.values(), strict=True))
    parts.lay_out(book, lambda part: html[id(part)], lay_out_parts, tmp_path, in_turn=in_turn)
    return laid


def test_a_chapter_citing_an_earlier_one_is_laid_out_once_when_parts_are_laid_out_in_turn(
    tmp_path,
):
    """One part at a time, the second chapter waits for the first round to number the first
    and is laid out once, with "p. 5" (the front matter's three pages, a blank, then the first
    chapter); side by side, it goes first beside the others, its number not known, and again
    in the second round beside the glossary. Either way every part's last layout, the one
    printed, is of the same HTML."""
    in_turn, side_by_side = _layouts_asked(tmp_path, True), _layouts_asked(tmp_path, False)
    assert [(r, name, provisional) for r, name, provisional, _ in in_turn] == [
        (0, "front", True),
        (0, "c1", False),
        (1, "c2", False),
        (2, "glossary", False),
        (3, "front", False),
    ]
    assert 'data-page="5" href="urn:studyguide:anchor:p1"' in in_turn[2][3]
    assert [(r, name, provisional) for r, name, provisional, _ in side_by_side] == [
        (0, "front", True),
        (0, "c1", False),
        (0, "c2", True),
        (1, "c2", False),
        (1, "glossary", False),
        (2, "front", False),
    ]
    printed = {name: html for _, name, _, html in in_turn}
    assert printed == {name: html for _, name, _, html in side_by_side}


def test_the_layout_process_imports_the_modules_of_its_work_before_it_is_asked() -> None:
    """The layout process imports, while the build reads the book, the modules of the
    functions it will be given (else the first request waits for their import)."""
    from studyguide.layout import book, folios, workers

    for work in (book._lay_out_part, folios._lay_out):
        assert work.__module__ in workers.WORK_MODULES
