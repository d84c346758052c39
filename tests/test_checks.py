"""The fidelity check and the glossary checks, on the real book and on tampered copies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from studyguide.sources.book import load_book
from studyguide.sources.checks import unlinked_terms
from support import ROOT, copy_real_book, studyguide


def _paragraphs(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n\n")


def _line_of(path: Path, text: str) -> int:
    return (
        path.read_text(encoding="utf-8")[: path.read_text(encoding="utf-8").index(text)].count("\n")
        + 1
    )


def test_the_real_chapters_reproduce_the_article():
    run = studyguide("check")
    assert run.code == 0, run.stderr
    assert "identical to the text as published" in run.stderr


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return copy_real_book(tmp_path / "book")


def test_a_changed_word_is_reported_with_file_line_and_words(book):
    chapter = next((book / "chapters").glob("04-*.md"))
    text = chapter.read_text(encoding="utf-8")
    assert "peasants’ blockade" in text
    chapter.write_text(text.replace("peasants’ blockade", "peasants’ blockades"))
    run = studyguide("check", root=book)
    assert run.code == 1
    line = _line_of(chapter, "Last week")
    assert f"chapters/{chapter.name}:{line}: error:" in run.stderr
    assert "expected 'blockade of the roads into Oruro" in run.stderr
    assert "found 'blockades of the roads into Oruro" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_dropped_sentence_is_reported(book):
    article = (book / "source" / "article.txt").read_text(encoding="utf-8")
    chapter, sentence = next(
        (chapter, s)
        for chapter in sorted((book / "chapters").glob("*.md"))
        for s in re.findall(r"(?<=\. )[A-Z][^.]+\.", article)
        if len(s.split()) > 8 and s + " " in chapter.read_text(encoding="utf-8")
    )
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace(sentence + " ", "", 1), encoding="utf-8")
    run = studyguide("check", root=book)
    assert run.code == 1
    assert f"chapters/{chapter.name}:" in run.stderr
    assert f"expected '{' '.join(sentence.split()[:6])}" in run.stderr


def test_a_moved_paragraph_is_reported(book):
    chapter = next((book / "chapters").glob("05-*.md"))
    blocks = _paragraphs(chapter)
    article = [i for i, b in enumerate(blocks) if b and not b.startswith(("---", "[^", ":::"))]
    first, second = article[0], article[1]
    blocks[first], blocks[second] = blocks[second], blocks[first]
    chapter.write_text("\n\n".join(blocks), encoding="utf-8")
    run = studyguide("check", root=book)
    assert run.code == 1
    assert "fidelity.differs" in run.stderr
    assert "moved" in run.stderr  # the hint says what to look for
    moved_to = _line_of(chapter, blocks[first][:40])
    assert f"chapters/{chapter.name}:{moved_to}:" in run.stderr


def test_a_failed_check_leaves_the_editions_untouched(book, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = out / "huanuni-study-guide.epub"
    old.write_bytes(b"the last good edition")
    chapter = next((book / "chapters").glob("06-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Villarroel", "Villarreal"))
    run = studyguide("build", "--out", out, root=book)
    assert run.code == 1
    assert old.read_bytes() == b"the last good edition"
    assert sorted(p.name for p in out.iterdir()) == ["huanuni-study-guide.epub"]


def test_every_glossary_entry_is_linked_and_every_link_resolves():
    book = load_book(ROOT)
    assert unlinked_terms(book) == []
    slugs = {term.slug for term in book.glossary}
    links = [link for chapter in book.chapters for link in chapter.term_links]
    assert links and all(link.slug in slugs for link in links)
    assert len(book.glossary) >= 30


def test_annotation_counts_meet_the_guide_s_promises():
    book = load_book(ROOT)
    assert len(book.article_chapters) == 8
    for chapter in book.article_chapters:
        assert len(chapter.notes) >= 3, chapter.path.name
        assert 4 <= len(chapter.questions) <= 6, chapter.path.name
