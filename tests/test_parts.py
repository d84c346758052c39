"""A long print edition laid out in parts (studyguide/parts.py, pdfmerge.py) makes the same
book as one layout: the real book, forced into parts, against the session's one-piece build."""

from __future__ import annotations

import collections
import re
import subprocess
import types
from pathlib import Path

import pikepdf
import pytest
from conftest import Built
from pikepdf import NameTree, NumberTree

from studyguide.layout.parts import ANCHOR_URI, link_across_parts, plan
from studyguide.render.views import ChapterView
from support import pdf_pages, studyguide

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
SMALL_PARTS = "20000"  # characters of HTML: the study guide in about six parts
THREE_PARTS = "70000"


def _build(out: Path, *options: str, size: str = SMALL_PARTS) -> tuple[Path, Path, str]:
    run = studyguide("build", "--out", out, "--part-size", size, *options, env=EPOCH)
    assert run.code == 0, run.stderr
    written = [Path(line) for line in run.stdout.split()]
    pdf = next((p for p in written if p.suffix == ".pdf"), None)
    epub = next((p for p in written if p.suffix == ".epub"), None)
    return pdf, epub, run.stderr


@pytest.fixture(scope="module")
def in_parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return _build(tmp_path_factory.mktemp("parts"))


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
    return [line.split(", ") for line in re.findall(r"laying out (.*(?:front|ch-|back).*)", stderr)]


def test_each_part_is_laid_out_and_those_printing_page_numbers_again(in_parts):
    """Round 1 lays out every part but the back (its locators need every page number);
    later rounds only the parts that print a page number, until the numbers hold."""
    _pdf, _epub, stderr = in_parts
    rounds = _rounds(stderr)
    first = rounds[0]
    assert len(first) >= 4 and first[0] == "front" and "back" not in first
    assert any("-to-" in name for name in first), "no part holds several chapters"
    assert "front" in rounds[1] and "back" in rounds[1], "the contents and the glossary wait"
    assert all(set(later) < set(first) | {"back"} for later in rounds[1:])
    assert len(rounds) <= 4


def test_parts_give_the_same_pages_as_one_layout(in_parts, built: Built):
    pdf, _epub, _ = in_parts
    assert pdf_pages(pdf) == pdf_pages(built.pdf)


def test_a_part_after_a_right_hand_page_begins_after_a_blank_page(in_parts, built: Built):
    pdf, _epub, stderr = in_parts
    firsts = [name.split("-to-")[0] for name in _rounds(stderr)[0][1:]]
    destinations = _summary(pdf)["destinations"]
    starts = sorted(destinations[name] + 1 for name in firsts)
    text = pdf_pages(built.pdf)
    after_blank = [start for start in starts if not text[start - 2].strip()]
    assert after_blank, "no part boundary needed a blank page: the case is not exercised"


def test_parts_give_the_same_links_bookmarks_and_structure(in_parts, built: Built):
    pdf, _epub, _ = in_parts
    merged, whole = _summary(pdf), _summary(built.pdf)
    assert merged["broken"] == []
    for key in whole:
        assert merged[key] == whole[key], key
    assert not any(ANCHOR_URI in target for _, target, _ in merged["links"])


def test_each_part_has_font_subsets_of_its_own(in_parts):
    pdf, _epub, _ = in_parts
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    names = [row[0] for row in rows]
    assert len(names) > 4, "one set of subsets: the parts' fonts were not kept apart"
    assert len(set(names)) == len(names)
    assert all(row[-5] == "yes" for row in rows), listing  # emb


def test_the_epub_gets_the_same_page_numbers_from_parts(in_parts, built: Built):
    _pdf, epub, _ = in_parts
    assert epub.read_bytes() == built.epub.read_bytes()


def test_glossary_pages_are_written_in_across_parts_and_are_right(tmp_path: Path):
    """In three parts: page numbers written in across parts. (That parts give the pages of
    one layout is tested above, without --glossary-pages.)"""
    html_file = tmp_path / "book.html"
    pdf, _, stderr = _build(
        tmp_path / "parts", "--pdf", "--glossary-pages", "--debug-html", html_file,
        size=THREE_PARTS,
    )  # fmt: skip
    assert any("-to-" in name for name in _rounds(stderr)[0]), "chapters laid out together"
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
    assert len(entries) > 40
    for entry in re.finditer(r'<dt id="(term-[^"]+)".*?</dd>', html, flags=re.S):
        links = re.findall(r'class="pageref" href="#([^"]+)"', entry.group(0))
        if links:
            listed = ", ".join(str(where[link]) for link in links)
            label = "p." if len(links) == 1 else "pp."
            assert f"Linked from {label} {listed}" in text, entry.group(1)
    glossary_pages = {str(page) for name, page in where.items() if name.startswith("term-")}
    # (A reference to a paragraph, "¶ 9 (p. 29)", gives the paragraph's page, not a term's.)
    shown = set(re.findall(r"\(p\. (\d+)\)", re.sub(r"¶[\s\w–]{1,12}\(p\. \d+\)", "", text)))
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
    (a longer one alone), and the glossary and sources are the last part."""
    from studyguide.render.views import BookView

    chapters = [_chapter("front", 500), _chapter("front", 500)]
    chapters += [_chapter("article", 400) for _ in range(10)] + [_chapter("back", 300)]
    view = BookView(types.SimpleNamespace(references=("a source",)), chapters, [])
    parts = plan(view, 1000)
    assert [c for part in parts for c in part.chapters] == chapters
    assert parts[0].front and parts[0].chapters == []
    assert parts[-1].glossary and parts[-1].chapters == []
    assert not any(part.glossary for part in parts[:-1])
    for part in parts[1:-1]:
        assert 0 < sum(len(c.body_html) for c in part.chapters) <= 1000
    assert [part.articles_before for part in parts[1:]] == [0, 0, 2, 4, 6, 8, 10, 10]
    alone = plan(view, 100)
    assert [len(part.chapters) for part in alone[1:-1]] == [1] * len(chapters)


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
