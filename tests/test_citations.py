"""Citable paragraphs and search: [¶ N] in every edition, each ¶ number of the web edition a
permanent link with its citation line, and a search that finds a phrase and lands on its ¶,
from an index that is the same bytes every build."""

from __future__ import annotations

import functools
import http.server
import threading
import zipfile
from pathlib import Path

import pytest
from lxml import html as lxml_html
from playwright.sync_api import expect
from pypdf import PdfReader

from support import make_book, pdf_pages, studyguide

SLUG = "huanuni-study-guide"
EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
ARTICLE = """\
# One

The miners of the hill met at dawn.

The assembly voted to hold the mine against all comers.

# Two

A third paragraph, on the smelter near the city.
"""
CHAPTERS = {
    "01-one.md": """\
        ---
        title: One
        ---

        The miners of the hill met at dawn.

        The assembly voted to hold the mine against all comers.[^vote]

        [^vote]: Compare [¶ 3], and the whole of [¶ 1–2]. Raw HTML is shown as text:
            <img src=x onerror="document.title='pwned'">.

        ::: questions
        1. What did the assembly decide in [¶ 2]?
        :::
        """,
    "02-two.md": """\
        ---
        title: Two
        ---

        A third paragraph, on the smelter near the city.
        """,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cite")
    book = make_book(folder / "book", CHAPTERS, article=ARTICLE)
    out = folder / "out"
    run = studyguide(
        "build", "--pdf", "--epub", "--kepub", "--web", "--out", out, root=book, env=EPOCH
    )
    assert run.code == 0, run.stderr
    return out


def _page_of(pdf: Path, anchor: str) -> int:
    reader = PdfReader(pdf)
    return reader.get_destination_page_number(reader.named_destinations[anchor]) + 1


def test_a_paragraph_reference_is_a_link_on_screens_and_its_page_in_print(built):
    page = _page_of(built / f"{SLUG}.pdf", "p-2")
    printed = " ".join(pdf_pages(built / f"{SLUG}.pdf"))
    assert f"What did the assembly decide in ¶ 2 (p. {page})?" in printed
    assert f"Compare ¶ 3 (p. {_page_of(built / f'{SLUG}.pdf', 'p-3')})" in printed
    for name in (f"{SLUG}.epub", f"{SLUG}.kepub.epub"):
        with zipfile.ZipFile(built / name) as archive:
            chapter = archive.read("EPUB/chapter-01.xhtml").decode("utf-8")
        assert 'href="chapter-02.xhtml#p-3"' in chapter, name
        assert 'aria-label="Paragraphs 1 to 2"' in chapter and "¶\u00a01–2</" in chapter, name
    web = lxml_html.fromstring((built / f"{SLUG}-web" / "chapter-01.html").read_bytes())
    links = {a.text_content(): a.get("href") for a in web.find_class("pararef")}
    assert links == {
        "¶\u00a02": "chapter-01.html#p-2",
        "¶\u00a03": "chapter-02.html#p-3",
        "¶\u00a01–2": "chapter-01.html#p-1",
    }


def test_each_web_paragraph_number_links_to_itself_with_its_citation(built):
    page = _page_of(built / f"{SLUG}.pdf", "p-2")
    web = lxml_html.fromstring((built / f"{SLUG}-web" / "chapter-01.html").read_bytes())
    number = web.get_element_by_id("p-2").find_class("pnum")[0]
    assert number.tag == "a" and number.get("href") == "#p-2"
    assert number.get("data-cite") == (
        f"Fight back against the co-operative miners and the MAS, ¶\u00a02, p.\u00a0{page} "
        "of the print edition"
    )


def _serve(folder: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=folder)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_search_finds_a_phrase_and_lands_on_its_paragraph(built, chromium):
    """Served from a subfolder of a static host, as a group would put it online."""
    server = _serve(built)
    base = f"http://127.0.0.1:{server.server_address[1]}/{SLUG}-web/"
    page = chromium.new_page()
    try:
        page.goto(base + "search.html?q=smelter")
        result = page.locator(".search-results li").first
        expect(result).to_contain_text("Two · ¶\u00a03", timeout=30_000)
        expect(result).to_contain_text(f"(p.\u00a0{_page_of(built / f'{SLUG}.pdf', 'p-3')})")
        result.locator("a").click()
        page.wait_for_url("**/chapter-02.html#p-3")
        expect(page.locator("p.para:target")).to_contain_text("on the smelter near the city")
        # A note's raw HTML is found as the text it is, never run.
        page.goto(base + "search.html?q=raw%20html%20shown")
        found = page.locator(".search-results li", has_text="<img src=x")
        expect(found).to_have_count(1, timeout=30_000)
        expect(page.locator(".search-results img")).to_have_count(0)
        assert page.title() != "pwned"
        page.goto(base + "chapter-02.html#p-3")
        expect(page.locator(".cite-line")).to_have_value(
            "Fight back against the co-operative miners and the MAS, ¶\u00a03, p.\u00a0"
            + str(_page_of(built / f"{SLUG}.pdf", "p-3"))
            + " of the print edition"
        )
    finally:
        page.close()
        server.shutdown()


def test_the_search_index_is_the_same_bytes_every_build(built, tmp_path):
    book = built.parent / "book"
    run = studyguide("build", "--web", "--out", tmp_path, root=book, env=EPOCH)
    assert run.code == 0, run.stderr

    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file()
        }

    again, first = files(tmp_path / f"{SLUG}-web"), files(built / f"{SLUG}-web")
    assert any(name.startswith("pagefind/fragment/") for name in first)
    assert again == first
