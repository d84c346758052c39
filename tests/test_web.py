"""The web edition (`build --web`): a folder of HTML5 pages with the EPUB's paragraph numbers
and the PDF's page numbers, notes and glossary linked both ways, readable without scripts;
written as a whole with the other editions, or not at all."""

from __future__ import annotations

import copy
import itertools
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
import test_fuzz as fuzz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinyhtml5.parser import HTMLParser

from studyguide.errors import BuildError, BuildErrors
from studyguide.layout.website import render_site
from studyguide.model import Medium
from studyguide.output import replace_folder
from studyguide.render.views import render_book
from studyguide.sources.book import load_book
from support import (
    NS,
    ROOT,
    epub_xhtml,
    make_book,
    pdf_pages,
    reading_text,
    studyguide,
    text_after_markers,
)

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}  # as the session's build (conftest.py)
SLUG = "huanuni-study-guide"


def parse(data: bytes) -> tuple[ElementTree.Element, list]:
    """A page as a browser parses it (the HTML5 algorithm), and the parse errors it met."""
    parser = HTMLParser(namespace_html_elements=False)
    return parser.parse(data), parser.errors


@pytest.fixture(scope="module")
def site(built, tmp_path_factory) -> Path:
    """The real book's web edition, from the page map of the session's build."""
    out = tmp_path_factory.mktemp("web")
    shutil.copytree(built.out / ".cache", out / ".cache")
    run = studyguide("build", "--web", "--out", out, env=EPOCH)
    assert run.code == 0, run.stderr
    assert "laying out" not in run.stderr  # the kept page map served
    assert run.stdout.split() == [str(out / f"{SLUG}-web")]
    return out / f"{SLUG}-web"


@pytest.fixture(scope="module")
def pages(site) -> dict[str, ElementTree.Element]:
    return {p.name: parse(p.read_bytes())[0] for p in sorted(site.glob("*.html"))}


def test_one_page_a_chapter_each_html5_without_parse_errors_or_inline_scripts(site):
    """Every word is in the HTML; the only scripts are the citation line's and the search
    page's, files of the site (nothing inline, nothing from elsewhere)."""
    chapters = sorted(p.name for p in (ROOT / "chapters").glob("*.md"))
    expected = {f"chapter-{int(name[:2]):02d}.html" for name in chapters}
    expected |= {"index.html", "colophon.html", "glossary.html", "sources.html", "style.css"}
    expected |= {"search.html", "cite.js", "search.js", "pagefind"}
    expected |= {"figures"}  # the figures' pictures (the map)
    assert {p.name for p in site.iterdir()} == expected
    assert [p.name for p in (site / "figures").iterdir()] == ["bolivia.svg"]
    assert [p.name for p in site.parent.iterdir() if p.name.endswith(".part")] == []
    for path in site.glob("*.html"):
        data = path.read_bytes()
        assert data.startswith(b'<!DOCTYPE html>\n<html lang="en">'), path.name
        root, errors = parse(data)
        assert errors == [], (path.name, errors[:3])
        scripts = [script.get("src") for script in root.iter("script")]
        wanted = {"search.html": ["search.js"]}.get(path.name, [])
        if path.name.startswith("chapter-"):
            wanted = ["cite.js"]
        assert scripts == wanted, path.name
        assert b"epub:" not in data and b"xmlns" not in data, path.name
        assert root.find("head/meta[@charset='utf-8']") is not None, path.name


def test_every_page_has_landmarks_and_headings_in_order(pages):
    for name, root in pages.items():
        body = root.find("body")
        assert len(body.findall("main")) == 1, name
        assert body.find("header") is not None and body.find("footer") is not None, name
        assert body.find("a[@class='skip-link']").get("href") == "#main", name
        assert body.find("main").get("id") == "main", name
        navs = [n.get("aria-label") or n.get("aria-labelledby") for n in root.iter("nav")]
        assert None not in navs and len(navs) == len(set(navs)), (name, navs)
        levels = [int(e.tag[1]) for e in root.iter() if re.fullmatch(r"h[1-6]", str(e.tag))]
        assert levels[0] == 1, (name, levels)
        jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
        assert jumps == [], (name, jumps)


def test_paragraphs_have_the_epubs_ids_numbers_and_text(built, pages):
    epub = epub_xhtml(built.epub)
    shown = {}
    for name, root in pages.items():
        for p in root.iter("p"):
            if p.get("class") == "para":
                number = next(e for e in p if e.get("class") == "pnum")
                assert number.tag == "a" and number.get("href") == "#" + p.get("id")
                shown[p.get("id")] = (name, number.text, reading_text(p))
    expected = {
        p.get("id"): (name.replace(".xhtml", ".html"), p.find("x:span", NS).text, reading_text(p))
        for name, root in epub.items()
        for p in root.iterfind(".//x:p[@class='para']", NS)
    }
    assert len(shown) == 23 and shown == expected


def test_page_markers_are_the_epubs_and_where_the_pdf_pages_begin(built, pages):
    epub = epub_xhtml(built.epub)
    pdf = pdf_pages(built.pdf)
    labels = []
    for name, root in pages.items():
        if name == "search.html":
            continue  # the web's own page: no EPUB document
        section = copy.deepcopy(root.find("body/main/section"))
        for parent in section.iter():  # the notes' heading: the EPUB's notes have none
            for child in list(parent):
                if child.tag == "h2" and child.get("class") == "notes-title":
                    parent.remove(child)
        markers = _each_page(text_after_markers(section))
        source = "titlepage.xhtml" if name == "index.html" else name.replace(".html", ".xhtml")
        assert markers == text_after_markers(epub[source].find("x:body/x:section", NS)), name
        for label, following in markers.items():
            # A page that begins inside a hyphenated word has its marker before the word.
            # (Compared without spaces and hyphens: a web address may break across lines in
            # print, and pdftotext joins a line that ends in a hyphen with the next.)
            first, *rest = (w.replace("-", "") for w in _words(following)[:4])
            number = int(label)
            while not pdf[number - 1].strip():  # a blank page: its marker is the next page's
                number += 1
            # (and without list bullets, which the PDF's text has and the pages' text not:
            # a page may begin with a heading and then a list, as the map's moves them)
            page = "".join(_words(pdf[number - 1])).replace("-", "").replace("•", "")
            found = page.find("".join(rest))
            before = page[:found]
            assert found > 0, (label, following)
            assert any(before.endswith(first[i:]) for i in range(len(first))), (label, following)
            labels.append(label)
    page_list = epub["nav.xhtml"].find(".//x:nav[@id='page-list']", NS)
    in_documents = [  # (the contents page's marker is in the navigation document)
        a.text for a in page_list.iterfind(".//x:a", NS) if not a.get("href").startswith("nav.")
    ]
    assert sorted(labels, key=int) == in_documents


def _each_page(markers: dict[str, str]) -> dict[str, str]:
    """A merged marker ("14–15": a blank page and the next) as a marker for each page."""
    out = {}
    for label, following in markers.items():
        first, _, last = label.partition("–")
        for number in range(int(first), int(last or first) + 1):
            out[str(number)] = following
    return out


def test_a_blank_page_s_marker_is_merged_with_the_next_page_s(pages):
    """The blank back of a right-hand opener has no text: its marker would stand on the next
    page's ("p. 14" drawn over "p. 15"). One marker says "pp. 14–15"; the ids of both pages
    stay, so links to either lead there."""
    merged = []
    for name, root in pages.items():
        for parent in root.iter():
            children = list(parent)
            for marker, following in itertools.pairwise(children):
                if "pagebreak" in (marker.get("class") or "").split():
                    assert not (
                        "pagebreak" in (following.get("class") or "").split()
                        and not (marker.tail or "").strip()
                    ), (name, marker.get("aria-label"), following.get("aria-label"))
            for marker in children:
                if "pages" in (marker.get("class") or "").split():
                    first, last = marker.get("aria-label").split("–")
                    before = children[children.index(marker) - 1]
                    assert before.get("id") == f"page-{first}" and not before.get("class")
                    assert marker.get("id") == f"page-{last}"
                    merged.append(f"{name}: {first}–{last}")
    # The chapters that open on a right-hand page after a blank one (A4, this book).
    assert len(merged) >= 5, merged
    style = pages["chapter-03.html"].find("head/style").text
    assert '.pagebreak.pages::after { content: "pp." "\\a0" attr(aria-label); }' in style


def _words(text: str) -> list[str]:
    """Words as both editions show them: no list numbers, note calls or hyphenation."""
    words = [re.sub(r"(?<=[^\d\s])\d+", "", w) for w in text.replace("\u2010", "-").split()]
    return [w for w in words if not re.fullmatch(r"\d+\.?", w)]


def test_notes_and_their_calls_link_both_ways(pages):
    count = 0
    for name, root in pages.items():
        ids = {e.get("id"): e for e in root.iter() if e.get("id")}
        for call in root.iter("a"):
            if call.get("class") != "noteref":
                continue
            note = ids[call.get("href").removeprefix("#")]
            assert note.tag == "aside" and note.get("role") == "doc-footnote", name
            back = next(a for a in note.iter("a") if a.get("role") == "doc-backlink")
            assert back.get("href") == "#" + call.get("id"), name
            count += 1
    from studyguide.sources.book import load_book

    assert count == sum(len(chapter.notes) for chapter in load_book(ROOT).chapters)


def test_glossary_and_text_link_both_ways_with_the_print_pages(built, pages):
    glossary = pages["glossary.html"]
    entries = {dt.get("id"): dt for dt in glossary.iter("dt")}
    to_entries = 0
    for name, root in pages.items():
        for link in root.iter("a"):
            if link.get("class") == "term":
                page, _, entry = link.get("href").partition("#")
                assert page == "glossary.html" and entry in entries, (name, link.get("href"))
                to_entries += 1
    back = 0
    linked_from = []
    for dd in glossary.iter("dd"):
        line = next((p for p in dd.iter("p") if "linked-from" in p.get("class", "")), None)
        if line is None:
            continue
        linked_from.append(" ".join("".join(line.itertext()).split()))
        entry = _entry_of(glossary, dd)  # (its term, the dt before it)
        for link in line.iter("a"):
            page, _, target = link.get("href").partition("#")
            there = next(a for a in pages[page].iter("a") if a.get("id") == target)
            assert there.get("href") == f"glossary.html#{entry}", (entry, page, target)
            back += 1
    book = load_book(ROOT)
    assert to_entries == sum(len(c.term_links) for c in book.chapters)
    assert back == sum(len({link.source.path for link in book.links_to(t)}) for t in book.glossary)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(built.pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    printed = re.findall(r"^Linked from pp?\. [\d, ]*\d$", text, re.MULTILINE)
    assert linked_from == printed


def _entry_of(glossary: ElementTree.Element, dd: ElementTree.Element) -> str:
    items = list(glossary.find(".//dl"))
    return items[items.index(dd) - 1].get("id")


def test_every_link_inside_the_site_resolves(pages):
    ids = {name: {e.get("id") for e in root.iter() if e.get("id")} for name, root in pages.items()}
    for name, root in pages.items():
        for link in root.iter("a"):
            href = link.get("href")
            if href.startswith(("http://", "https://")):
                continue
            page, _, fragment = href.partition("#")
            assert (page or name) in ids, (name, href)
            assert not fragment or fragment in ids[page or name], (name, href)


def test_contents_give_each_chapter_and_its_print_page(built, pages):
    from pypdf import PdfReader

    reader = PdfReader(built.pdf)
    starts = {
        item.title: reader.get_destination_page_number(item) + 1
        for item in reader.outline
        if not isinstance(item, list)
    }
    entries = [li for li in pages["index.html"].find(".//nav[@id='toc']/ol")]
    chapters = [li for li in entries if li.find("span[@class='toc-page']") is not None]
    assert len(chapters) == 11
    for li in chapters:
        title = " ".join("".join(li.find("a").itertext()).split())
        page = li.find("span[@class='toc-page']").text
        assert page == f"p.\u00a0{starts[title]}", title


# ------------------------------------------------------------ written as a set, or not at all


def _small_book(folder: Path) -> Path:
    return make_book(
        folder,
        {
            "01-one.md": "---\ntitle: One\n---\n\nFirst paragraph about COMIBOL.[^n]\n\n"
            "Second paragraph.\n\n[^n]: A note on [the second](#p-2).\n",
            "02-two.md": "---\ntitle: Two\n---\n\nThird, as [¶ 2](#p-2) said.\n",
        },
        {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"},
        article="# One\n\nFirst paragraph about COMIBOL.\n\nSecond paragraph.\n\n"
        "# Two\n\nThird, as ¶ 2 said.\n",
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_build_puts_the_folder_in_place_whole_or_keeps_the_last_one(tmp_path):
    book = _small_book(tmp_path / "book")
    out = tmp_path / "out"
    # With the PDF to lay out, the EPUB and the web edition are written in a second process.
    first = studyguide("build", "--pdf", "--epub", "--web", "--out", out, root=book, env=EPOCH)
    assert first.code == 0, first.stderr
    site = out / f"{SLUG}-web"
    assert first.stdout.split()[-1] == str(site)
    before = _files(site)
    assert {"index.html", "chapter-01.html", "chapter-02.html", "glossary.html"} <= set(before)
    (site / "left-over.html").write_text("from an older build")
    again = studyguide("build", "--web", "--out", out, root=book, env=EPOCH)
    assert again.code == 0, again.stderr
    assert _files(site) == before  # the same bytes, and nothing of the old folder
    chapter = book / "chapters" / "02-two.md"
    chapter.write_text(chapter.read_text() + "\nA call to a missing note.[^gone]\n")
    broken = studyguide("build", "--web", "--epub", "--out", out, root=book, env=EPOCH)
    assert broken.code == 1 and "02-two.md:7" in broken.stderr, broken.stderr
    assert _files(site) == before
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == [".cache", ".studyguide.lock"]


def test_without_a_page_map_the_glossary_links_back_by_chapter(tmp_path):
    """The preview's first pages, before any print layout: no page numbers, every link."""
    book = load_book(_small_book(tmp_path / "book"))
    files = render_site(render_book(book, Medium.WEB), ())
    glossary, _ = parse(files["glossary.html"])
    line = next(p for p in glossary.iter("p") if "linked-from" in p.get("class", ""))
    assert " ".join("".join(line.itertext()).split()) == "Linked from One"
    assert line.find("a").get("href") == "chapter-01.html#tl-1-1"
    chapter, _ = parse(files["chapter-01.html"])
    assert chapter.find(".//a[@id='tl-1-1']").get("href") == "glossary.html#term-comibol"
    assert b"doc-pagebreak" not in files["chapter-01.html"]
    assert b"toc-page" not in files["index.html"]


@pytest.mark.parametrize("swap", [True, False], ids=["exchanged", "moved-aside"])
def test_replace_folder_leaves_the_new_folder_and_nothing_beside_it(tmp_path, swap):
    target, new = tmp_path / "site", tmp_path / ".site.x.part"
    for folder, text in ((target, "old"), (new, "new")):
        folder.mkdir()
        (folder / "index.html").write_text(text)
    (target / "only-old.html").write_text("old")
    replace_folder(new, target, swap=swap)
    assert _files(target) == {"index.html": b"new"}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(chapters=st.lists(fuzz.chapter, min_size=1, max_size=3))
def test_any_book_that_loads_gives_html5_pages_whose_links_resolve(tmp_path_factory, chapters):
    root = fuzz._write(tmp_path_factory.getbasetemp() / "web-fuzz", chapters, [])
    try:
        book = load_book(root)
    except (BuildError, BuildErrors) as error:
        fuzz._assert_our_error(error)
        return
    files = render_site(render_book(book, Medium.WEB), ())
    ids = {}
    for name, data in files.items():
        if name.endswith(".html"):
            tree, errors = parse(data)
            assert errors == [], (name, errors[:3])
            scripts = [script.get("src") for script in tree.iter("script")]
            assert set(scripts) <= {"cite.js", "search.js"}, scripts  # none inline
            ids[name] = {e.get("id") for e in tree.iter() if e.get("id")}
    for name in ids:
        for link in parse(files[name])[0].iter("a"):
            page, _, fragment = link.get("href").partition("#")
            if not link.get("href").startswith(("http", "mailto:")):
                assert not fragment or fragment in ids[page or name], (name, link.get("href"))
