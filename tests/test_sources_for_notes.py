"""The annotations' sources (issue: scholarship): every citation resolves to references.toml,
whose entries both editions list, sorted; the further reading and the glossary in order."""

from __future__ import annotations

import re
import unicodedata

import pytest

from studyguide.errors import BuildError, BuildErrors
from studyguide.sources.book import load_book
from support import NS, ROOT, epub_xhtml, make_book, pdf_pages, text_of


def _fold(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


@pytest.fixture(scope="module")
def book():
    return load_book(ROOT)


def test_every_citation_resolves_and_every_source_is_cited(book):
    keys = {reference.key for reference in book.references}
    cited = {c.key for source in (*book.chapters, *book.glossary) for c in source.citations}
    assert len(book.references) >= 40
    assert cited <= keys
    assert keys <= cited


def test_sources_are_sorted_by_author_and_labels_are_unique(book):
    authors = [_fold(r.author) for r in book.references]
    assert authors == sorted(authors)
    labels = [r.label for r in book.references]
    assert len(labels) == len(set(labels))
    assert all(re.search(r"(\d{4}|n\.d\.)[a-z]?$", label) for label in labels)
    assert not any("(" in label for label in labels)  # "Bolivia Minera (blog)" cites as such


def test_notes_that_state_numbers_or_dates_cite_a_source(book):
    """Notes stating a year or a figure carry a citation: a spot check of each part."""
    unsourced = []
    for chapter in book.article_chapters:
        for note in chapter.notes:
            text = " ".join(n.content for n in note.nodes if n.type == "inline")
            if re.search(r"\b(19|20)\d\d\b", text) and "[@" not in text:
                unsourced.append(f"{chapter.path.name} [^{note.label}]")
    assert not unsourced, unsourced


def test_both_editions_list_the_sources_and_citations_link_to_them(built, book):
    documents = epub_xhtml(built.epub)
    sources = documents["sources.xhtml"]
    listed = [li.get("id") for li in sources.iterfind(".//x:ul[@class='reference-list']/x:li", NS)]
    assert listed == [r.id for r in book.references]
    links = [
        a.get("href")
        for root in documents.values()
        for a in root.iterfind(".//x:a[@role='doc-biblioref']", NS)
    ]
    assert links and all(h.split("#")[1] in listed for h in links)
    assert all(h.startswith("sources.xhtml#") for h in links)
    pages = pdf_pages(built.pdf)
    start = next(i for i, p in enumerate(pages) if p.startswith("Sources for the notes"))
    printed = " ".join(pages[start:])
    first = book.references[0]
    assert f"{first.author}. {first.label.split()[-1]}." in printed


def test_further_reading_is_sorted_by_author_with_no_links_inside(built):
    chapter = next(
        root
        for name, root in epub_xhtml(built.epub).items()
        if name.startswith("chapter-") and "Further reading" in text_of(root)[:200]
    )
    blocks = chapter.findall(".//x:div[@class='bibliography']", NS)
    assert len(blocks) >= 2
    for block in blocks:
        assert not block.findall(".//x:a[@class='term']", NS)
        names = [_fold(text_of(li).split(".")[0]) for li in block.iterfind(".//x:li", NS)]
        assert names == sorted(names)


def test_glossary_people_are_under_their_surnames(built, book):
    terms = [t.term for t in book.glossary]
    morales = terms.index("Evo Morales")
    keys = [_fold(t.sort or t.term) for t in book.glossary]
    assert keys == sorted(keys)
    assert keys[morales] == "morales, evo"
    assert all(key < "morales" for key in keys[:morales])  # not among the E's
    assert any(key.startswith(("f", "g", "h", "l")) for key in keys[:morales])
    shown = [text_of(dt) for dt in epub_xhtml(built.epub)["glossary.xhtml"].iterfind(".//x:dt", NS)]
    # A person is headed as filed, surname first ("Morales, Evo"), in every edition.
    assert shown == [t.headword for t in book.glossary] and "Morales, Evo" in shown


def _book_with(tmp_path, body: str, references: str):
    root = make_book(
        tmp_path / "book",
        {"01-intro.md": f"---\ntitle: Intro\nkind: front\n---\n\n{body}\n"},
    )
    (root / "references.toml").write_text(references, encoding="utf-8")
    return root


REF = '[klein-2011]\nauthor = "Klein, Herbert S."\ntitle = "A Concise History"\ndate = "2011"\n'


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        ("A claim [@klien-2011].", "references.unknown", 6),
        ("A claim.\n\nAnother [@Klein 2011].", "references.syntax", 8),
    ],
)
def test_a_citation_that_does_not_resolve_is_an_error_with_its_line(tmp_path, body, code, line):
    root = _book_with(tmp_path, body, REF)
    with pytest.raises((BuildError, BuildErrors)) as caught:
        load_book(root)
    errors = caught.value.errors if isinstance(caught.value, BuildErrors) else [caught.value]
    found = [e for e in errors if e.code == code]
    assert found and found[0].where.line == line, [e.format() for e in errors]
    if code == "references.unknown":
        assert "did you mean @klein-2011?" in found[0].hint


def test_a_citation_in_the_text_s_own_words_is_refused(tmp_path):
    root = make_book(
        tmp_path / "book",
        {"01-one.md": "---\ntitle: One\n---\n\nFirst paragraph [@klein-2011].\n"},
        article="# One\n\nFirst paragraph.\n",
    )
    (root / "references.toml").write_text(REF, encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        load_book(root)
    assert caught.value.code == "references.in-text"
    assert caught.value.where.line == 5


def test_a_wrong_source_entry_names_its_line(tmp_path):
    root = _book_with(tmp_path, "Fine.", REF + '\n[bad]\nauthor = "X"\ndate = "May 2006"\n')
    with pytest.raises(BuildErrors) as caught:
        load_book(root)
    by_code = {e.code: e for e in caught.value.errors}
    assert by_code["references.value"].where.line == 8
    assert by_code["references.missing"].where.line == 6


@pytest.mark.parametrize("date", ["2007-13", "2007-02-30", "2007-00"])
def test_a_source_date_that_is_no_day_is_an_error_not_a_crash(tmp_path, date):
    """ "2007-13" has the shape of a date: it was let through, and the print layout then
    stopped with a traceback."""
    root = _book_with(
        tmp_path, "Fine [@bad].", REF + f'\n[bad]\nauthor = "X"\ntitle = "T"\ndate = "{date}"\n'
    )
    with pytest.raises((BuildError, BuildErrors)) as caught:
        load_book(root)
    errors = caught.value.errors if isinstance(caught.value, BuildErrors) else [caught.value]
    assert [(e.code, e.where.line) for e in errors] == [("references.value", 9)]
    assert "2007" in errors[0].hint
