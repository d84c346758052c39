"""The real EPUB, opened as a reader's software would: valid, navigable, with notes and links."""

from __future__ import annotations

import itertools
import re

from lxml import etree

from studyguide.sources.checks import source_blocks
from studyguide.sources.meta import load_meta
from support import NS, ROOT, epub_files, epub_xhtml, epubcheck, reading_text, text_of


def test_epubcheck_reports_no_error_and_no_warning(built, tmp_path):
    messages = epubcheck(built.epub, tmp_path / "report.json")
    problems = [
        f"{m['severity']} {m['ID']}: {m['message']} {m['locations'][:1]}"
        for m in messages
        if m["severity"] in ("FATAL", "ERROR", "WARNING")
    ]
    assert problems == []


def test_every_document_is_xhtml_with_language(built):
    for name, root in epub_xhtml(built.epub).items():
        assert root.tag == "{http://www.w3.org/1999/xhtml}html", name
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en", name


def test_chapters_hold_the_article_text_in_order(built):
    documents = epub_xhtml(built.epub)
    chapters = sorted(n for n in documents if n.startswith("chapter-"))
    shown = [
        reading_text(element)
        for name in chapters
        for element in documents[name].iter("{*}h1", "{*}p")
        if documents[name].find(".//x:section", NS).get("class").endswith("kind-article")
        and not any(
            a.tag.endswith("aside") or "questions" in (a.get("class") or "")
            for a in element.iterancestors()
        )
        and "part-label" not in (element.get("class") or "")
        and "notes-title" not in (element.get("class") or "")
    ]
    text = load_meta(ROOT).texts[0]
    assert shown == [block.text for block in source_blocks(ROOT, text)]


def test_notes_are_footnote_asides_after_their_references_in_the_same_file(built):
    documents = epub_xhtml(built.epub)
    count = 0
    for name, root in documents.items():
        elements = list(root.iter())  # keeps the proxies alive, so lookups match
        order = {e: i for i, e in enumerate(elements)}
        for ref in root.iterfind(".//x:a[@class='noteref']", NS):
            assert ref.get(f"{{{NS['epub']}}}type") == "noteref"
            assert ref.get("role") == "doc-noteref"
            target = ref.get("href").removeprefix("#")
            aside = root.find(f".//x:aside[@id='{target}']", NS)
            assert aside is not None, f"{name}: {target} not in the same file"
            assert aside.get(f"{{{NS['epub']}}}type") == "footnote"
            assert aside.get("role") == "doc-footnote"
            assert order[aside] > order[ref], "a note must come after its reference"
            back = aside.find(".//x:a[@role='doc-backlink']", NS)
            assert back is not None and back.get("href") == f"#{ref.get('id')}"
            assert 9 <= len(text_of(aside)) <= 5000  # what Kobo pops up
            count += 1
    assert count >= 24  # 8 article chapters, at least 3 notes each


def test_term_links_lead_to_glossary_entries(built):
    documents = epub_xhtml(built.epub)
    glossary = documents["glossary.xhtml"]
    entries = {dt.get("id") for dt in glossary.iterfind(".//x:dl/x:dt", NS)}
    section = glossary.find(".//x:section", NS)
    assert section.get(f"{{{NS['epub']}}}type") == "glossary"
    assert section.get("role") == "doc-glossary"
    links = [
        link
        for name, root in documents.items()
        if name.startswith("chapter-")
        for link in root.iterfind(".//x:a[@class='term']", NS)
    ]
    assert links
    for link in links:
        file_name, _, target = link.get("href").partition("#")
        assert file_name == "glossary.xhtml" and target in entries, link.get("href")
        # never inside a heading or another link
        assert not any(a.tag.endswith(("}h1", "}h2", "}h3", "}a")) for a in link.iterancestors())


def test_navigation_document_and_ncx_list_every_chapter(built):
    files = epub_files(built.epub)
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    toc = nav.find(".//x:nav[@id='toc']", NS)
    assert toc.get(f"{{{NS['epub']}}}type") == "toc"
    hrefs = [a.get("href") for a in toc.iterfind(".//x:a", NS)]
    chapter_files = sorted(n.removeprefix("EPUB/") for n in files if "/chapter-" in n)
    assert [h for h in hrefs if h.startswith("chapter-")] == chapter_files
    assert "glossary.xhtml" in hrefs
    ncx = etree.fromstring(files["EPUB/toc.ncx"])
    ncx_ns = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    sources = [c.get("src") for c in ncx.iterfind(".//n:navMap//n:content", ncx_ns)]
    assert sources == hrefs


def test_spine_reads_title_page_contents_chapters_glossary(built):
    files = epub_files(built.epub)
    opf = etree.fromstring(files["EPUB/content.opf"])
    ns = {"o": "http://www.idpf.org/2007/opf"}
    manifest = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:manifest/o:item", ns)}
    spine = [manifest[r.get("idref")] for r in opf.iterfind(".//o:spine/o:itemref", ns)]
    assert spine[:3] == ["cover.xhtml", "titlepage.xhtml", "nav.xhtml"]
    assert spine[-2:] == ["glossary.xhtml", "sources.xhtml"]
    assert [s for s in spine if s.startswith("chapter-")] == sorted(
        s for s in spine if s.startswith("chapter-")
    )


def test_title_page_carries_the_original_publication(built):
    page = text_of(epub_xhtml(built.epub)["titlepage.xhtml"])
    for words in (
        "Fight back against the co-operative miners and the MAS",
        "LOR-CI",
        "5 October 2006",
        "Left Voice",
        "16 October 2006",
    ):
        assert words in page


def test_accessibility_metadata_and_semantics(built):
    files = epub_files(built.epub)
    opf = etree.fromstring(files["EPUB/content.opf"])
    ns = {"o": "http://www.idpf.org/2007/opf"}
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    meta: dict[str, list[str]] = {}
    for element in opf.iterfind(".//o:metadata/o:meta[@property]", ns):
        meta.setdefault(element.get("property"), []).append(element.text)
    # The book has a figure (the map), with a text alternative: visual, and textual alone.
    assert meta["schema:accessMode"] == ["textual", "visual"]
    assert meta["schema:accessModeSufficient"] == ["textual,visual", "textual"]
    assert {
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "printPageNumbers",
        "pageBreakMarkers",
    } <= set(meta["schema:accessibilityFeature"])
    assert meta["schema:accessibilityHazard"] == ["none"]
    assert meta["schema:accessibilitySummary"][0]
    assert meta["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    # every epub:type that has an ARIA counterpart carries the matching role
    roles = {
        "noteref": "doc-noteref",
        "footnote": "doc-footnote",
        "chapter": "doc-chapter",
        "glossary": "doc-glossary",
        "pagebreak": "doc-pagebreak",
        "toc": "doc-toc",
        "glossref": "doc-glossref",
    }
    for name, root in epub_xhtml(built.epub).items():
        for element in root.iter():
            kind = element.get(f"{{{NS['epub']}}}type")
            in_landmarks = any(a.get("id") == "landmarks" for a in element.iterancestors())
            if kind in roles and not in_landmarks:
                assert element.get("role") == roles[kind], (name, kind)
        levels = [int(h.tag[-1]) for h in root.iter() if re.fullmatch(r"\{.*\}h[1-6]", str(h.tag))]
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), name


def test_cover_image_is_large_enough_and_declared(built):
    import io

    from PIL import Image

    files = epub_files(built.epub)
    opf = files["EPUB/content.opf"].decode()
    assert 'properties="cover-image"' in opf
    cover = Image.open(io.BytesIO(files["EPUB/images/cover.png"]))
    assert cover.size[0] >= 1600 and cover.size[1] >= 2560
    page = etree.fromstring(files["EPUB/cover.xhtml"])
    image = page.find(".//x:img", NS)
    assert image.get("src") == "images/cover.png" and image.get("alt")


def test_fonts_are_embedded_subset_and_overridable(built):
    files = epub_files(built.epub)
    fonts = [name for name in files if name.startswith("EPUB/fonts/")]
    assert len(fonts) == 4
    assert all(len(files[name]) < 80_000 for name in fonts)  # subset, not the 500 kB originals
    css = files["EPUB/styles/book.css"].decode()
    assert "@font-face" in css and "!important" not in css


def test_harfbuzz_subsets_hold_what_fonttools_subsets_hold(built, monkeypatch):
    """The EPUB's fonts are cut by HarfBuzz's subsetter (as the PDF's are, by WeasyPrint),
    fontTools' where that library is missing: the same characters, glyphs, outlines,
    advances, layout features and names either way."""
    import io

    from fontTools.ttLib import TTFont

    from studyguide.render import hbsubset, typeface

    assert hbsubset.available()  # (scripts/install-system-deps installs it)
    files = epub_files(built.epub)
    text = "".join(files[name].decode() for name in files if name.endswith(".xhtml"))
    faces = typeface.find_faces("Charis SIL")
    made = {face.stem: typeface.subset_font(face, text) for face in faces}
    assert {f"EPUB/fonts/{stem}.ttf" for stem in made} <= set(files)
    monkeypatch.setattr(hbsubset, "_library", lambda: None)  # as without the library
    for face in faces:
        ours, theirs = (
            TTFont(io.BytesIO(d)) for d in (made[face.stem], typeface.subset_font(face, text))
        )
        assert (
            ours.getBestCmap().keys() == theirs.getBestCmap().keys() >= {ord(c) for c in "Huanuni"}
        )
        assert len(ours.getGlyphOrder()) == len(theirs.getGlyphOrder())
        for code, glyph in ours.getBestCmap().items():
            other = theirs.getBestCmap()[code]
            assert ours["hmtx"][glyph] == theirs["hmtx"][other], (face.stem, chr(code))
            a, b = ours["glyf"][glyph], theirs["glyf"][other]
            if not (a.isComposite() or b.isComposite()):
                assert list(a.getCoordinates(ours["glyf"])[0]) == list(
                    b.getCoordinates(theirs["glyf"])[0]
                ), (face.stem, chr(code))
        for table in ("GSUB", "GPOS"):
            tags = [
                {r.FeatureTag for r in f[table].table.FeatureList.FeatureRecord}
                for f in (ours, theirs)
            ]
            assert tags[0] == tags[1], (face.stem, table)
        names = [
            {(n.nameID, n.langID, n.toUnicode()) for n in f["name"].names} for f in (ours, theirs)
        ]
        assert names[0] == names[1] and any(n[0] == 13 for n in names[0])  # (the licence, too)
        assert typeface.is_font(made[face.stem])


def test_the_cover_fits_a_title_of_any_length(tmp_path):
    """A 100,000-character word as the title (Pillow would draw it as one bitmap: a
    decompression bomb) and a 20,000-word subtitle: the cover is drawn, each ending in an
    ellipsis within the cover's width."""
    from dataclasses import replace

    from PIL import Image, ImageDraw, ImageFont

    from studyguide.render import cover
    from studyguide.render.typeface import find_faces
    from studyguide.sources.book import load_book

    book = load_book(ROOT)
    meta = replace(book.meta, title="x" * 100_000, subtitle="word " * 20_000)
    faces = find_faces(book.meta.typeface)
    data = cover.render_cover(replace(book, meta=meta), faces, book.meta.edition.date)
    assert cover.is_cover(data)

    draw = ImageDraw.Draw(Image.new("RGB", (cover.WIDTH, cover.HEIGHT)))
    bold = ImageFont.truetype(str(next(f.path for f in faces if f.weight == "bold")), 132)
    lines = cover._wrap(draw, meta.title, bold, cover.WIDTH - 300, cover.TITLE_LINES)
    assert len(lines) == cover.TITLE_LINES
    assert lines[-1].endswith("…")
    assert all(draw.textlength(line, font=bold) <= cover.WIDTH - 300 for line in lines)
