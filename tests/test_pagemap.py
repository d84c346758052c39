"""The EPUB carries the print edition's pages and paragraph numbers, from one layout."""

from __future__ import annotations

import re
import shutil
import subprocess

from lxml import etree
from pypdf import PdfReader

from support import (
    NS,
    ROOT,
    epub_files,
    epub_xhtml,
    pdf_body_pages,
    pdf_pages,
    reading_text,
    studyguide,
    text_after_markers,
)

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}


def _words(text: str, count: int) -> list[str]:
    """Words to compare across editions: no paragraph numbers, note calls or list markers."""
    words = [re.sub(r"(?<=[^\d\s])\d+", "", w) for w in re.findall(r"\S+", text)]
    return [w for w in words if not re.fullmatch(r"\d+\.?|•", w)][:count]


def test_every_page_marker_is_where_its_pdf_page_begins(built):
    pages = pdf_body_pages(built.pdf)
    markers: dict[str, str] = {}
    for name, root in epub_xhtml(built.epub).items():
        found = text_after_markers(root)
        if name == "nav.xhtml":  # the contents page: the EPUB's own lists other entries
            assert [" ".join(_words(text, 1)) for text in found.values()] == ["Contents"]
            continue
        markers.update(found)
    assert len(markers) > 20
    for label, following in markers.items():
        # A glossary entry's page references are print only: the EPUB has no place for them.
        number = int(label)
        while not pages[number - 1].strip():  # a blank page: its marker is the next page's
            number += 1
        page = re.sub(r"^Linked from pp?\.[\s\d,–-]*", "", pages[number - 1])
        # Compared without spaces: a web address may break across lines in print.
        # Compared without paragraph numbers, note calls and list markers (_words).
        expected = "".join(_words(following, 40))[:80]
        found = "".join(_words(page, 40))[:30]
        # A page that begins inside a hyphenated word has its marker before the word.
        first_word = _words(following, 1)[0]
        assert 0 <= expected.find(found) < len(first_word), (
            f"page {label}: the EPUB marker is followed by {_words(following, 6)}, "
            f"the PDF page begins with {_words(page, 6)}"
        )


def test_page_list_has_every_pdf_page_the_contents_and_blank_ones_too(built):
    files = epub_files(built.epub)
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    page_list = nav.find(".//x:nav[@epub:type='page-list']", NS)
    entries = {a.text: a.get("href") for a in page_list.iterfind(".//x:a", NS)}
    labels = list(entries)
    pages = pdf_pages(built.pdf)
    assert labels == [str(n) for n in range(1, len(pages) + 1)]
    contents = next(i + 1 for i, p in enumerate(pages) if p.startswith("Contents"))
    assert entries[str(contents)] == f"nav.xhtml#page-{contents}"
    documents = epub_xhtml(built.epub)
    for label, href in entries.items():  # each to a page break (as DAISY Ace asks)
        name, _, target = href.partition("#")
        marker = documents[name].find(f".//*[@id='{target}']")
        assert marker is not None, (label, href)
        assert marker.get(f"{{{NS['epub']}}}type") == "pagebreak", (label, href)
    ncx = etree.fromstring(files["EPUB/toc.ncx"])
    targets = ncx.iterfind(
        ".//n:pageList/n:pageTarget", {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    )
    assert [t.get("value") for t in targets] == labels
    opf = files["EPUB/content.opf"].decode()
    assert "<dc:source>urn:uuid:" in opf and "#print-edition</dc:source>" in opf
    assert 'property="pageBreakSource">urn:uuid:' in opf


def test_paragraph_numbers_match_in_both_editions(built):
    reader = PdfReader(built.pdf)
    destinations = reader.named_destinations
    pages = pdf_pages(built.pdf)
    paragraphs = {
        p.get("id"): p
        for root in epub_xhtml(built.epub).values()
        for p in root.iterfind(".//x:p[@class='para']", NS)
    }
    numbers = sorted(int(key.removeprefix("p-")) for key in paragraphs)
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == 23  # 34 blocks in source/article.txt: 8 headings, 3 signature lines
    for key, paragraph in paragraphs.items():
        assert paragraph.find("x:span[@class='pnum']", NS).text == key.removeprefix("p-")
        first_words = " ".join(_words(reading_text(paragraph), 5))
        page = reader.get_destination_page_number(destinations[key])
        assert first_words in " ".join(_words(" ".join(pages[page : page + 2]), 100_000))


def test_rebuilding_gives_the_same_epub_bytes(built, tmp_path):
    """Built again from the same page map (the layout's own reproducibility is tested with
    the PDF: test_safety.py): the same bytes."""
    out = shutil.copytree(built.out, tmp_path / "out")
    for made in [out / built.epub.name, *(out / ".cache").glob("build-*")]:
        made.unlink()  # the EPUB, and the manifest that would make the build a no-op
    again = studyguide("build", "--epub", "--out", out, env=EPOCH)
    assert again.code == 0, again.stderr
    assert "using the page map of the unchanged sources" in again.stderr
    assert (out / built.epub.name).read_bytes() == built.epub.read_bytes()


def test_changing_one_chapter_changes_the_epub(tmp_path):
    """A note edited in one chapter: the EPUB built again differs (on a small book: the real
    one's rebuilds are tested above)."""
    book = shutil.copytree(ROOT / "tests" / "fixtures" / "constitucion-1812", tmp_path / "book")
    first = studyguide("build", "--epub", "--out", tmp_path / "one", root=book, env=EPOCH)
    assert first.code == 0, first.stderr
    chapter = book / "chapters" / "02-de-la-nacion.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("[^patrimonio]: ", "[^patrimonio]: Nota editada. "))
    again = studyguide("build", "--epub", "--out", tmp_path / "two", root=book, env=EPOCH)
    assert again.code == 0, again.stderr
    name = "constitucion-1812.epub"
    assert (tmp_path / "one" / name).read_bytes() != (tmp_path / "two" / name).read_bytes()


def test_epub_is_a_valid_zip_with_mimetype_first_and_stored(built):
    listing = subprocess.run(
        ["python3", "-m", "zipfile", "-l", str(built.epub)], capture_output=True, text=True
    ).stdout.splitlines()
    assert listing[1].split()[0] == "mimetype"
    import zipfile

    with zipfile.ZipFile(built.epub) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert {i.date_time for i in archive.infolist()} == {(2006, 10, 5, 0, 0, 0)}
