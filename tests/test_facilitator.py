"""The facilitator's companion: the default guide's is complete, its PDF gives the members'
pages, and no members' edition holds a word of it, nor moves a page for it."""

from __future__ import annotations

import gzip
import shutil
import textwrap
import zipfile
from collections import defaultdict

from pypdf import PdfReader

from studyguide.sources.book import load_book
from studyguide.sources.facilitator import companion_sentences, load_companion
from support import ROOT, make_book, normalise, pdf_pages, studyguide

SLUG = "huanuni-study-guide"


def test_the_default_guide_has_a_plan_for_every_part_and_pointers_for_every_question():
    book = load_book(ROOT)
    parts = {part.chapter_number: part for part in load_companion(book).parts}
    minutes: dict[int, int] = defaultdict(int)
    for part in parts.values():
        minutes[part.meeting] += sum(activity.minutes for activity in part.plan)
    for chapter in book.article_chapters:
        part = parts[chapter.number]
        assert part.plan, chapter.path.name
        assert sorted(part.pointers) == list(range(1, len(chapter.questions) + 1))
    assert dict(minutes) == {1: 90, 2: 90, 3: 90, 4: 90}


def test_the_companion_gives_each_meeting_and_the_members_pages(built):
    companion = built.out / f"{SLUG}-facilitator.pdf"
    text = " ".join(pdf_pages(companion))
    members = PdfReader(built.pdf)
    destinations = members.named_destinations
    page_of = {name: members.get_destination_page_number(d) + 1 for name, d in destinations.items()}
    for meeting in range(1, 5):
        assert f"Meeting {meeting} · 90 min" in text
    # The plan of part 4 and the pointers give the members' page of each paragraph named.
    assert (
        f"Read ¶ 9–10 (pp. {page_of['p-9']}" in text or f"Read ¶ 9–10 (p. {page_of['p-9']})" in text
    )
    assert f"¶ 19 (p. {page_of['p-19']})" in text
    assert "In the members’ edition (A4): pp." in text
    assert "For the facilitator: not for the members’ copies" in text
    book = load_book(ROOT)
    for chapter in book.article_chapters:  # every question is there, with its pointers
        for question in chapter.questions:
            words = " ".join(
                c.content for n in question.nodes for c in n.children or [] if c.type == "text"
            )
            assert normalise(words.split("[")[0])[:40] in text, words


def test_no_members_edition_holds_a_sentence_of_the_companion(built):
    sentences = [normalise(s) for s in companion_sentences(load_book(ROOT))]
    assert len(sentences) > 150
    shown = {
        "PDF": " ".join(pdf_pages(built.pdf)),
        "handout": " ".join(pdf_pages(built.out / f"{SLUG}-questions.pdf")),
    }
    for name, path in (("EPUB", built.epub), ("kepub", built.kepub)):
        with zipfile.ZipFile(path) as archive:
            shown[name] = " ".join(
                archive.read(n).decode("utf-8")
                for n in archive.namelist()
                if n.endswith((".xhtml", ".opf", ".ncx"))
            )
    web = built.out / f"{SLUG}-web"
    shown["web"] = " ".join(p.read_text(encoding="utf-8") for p in web.glob("*.html"))
    fragments = [
        gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
        for p in web.glob("pagefind/fragment/*")
    ]
    assert fragments  # the search index is there to search
    shown["search index"] = " ".join(fragments)
    for name, text in shown.items():
        flat = normalise(text)
        found = [s for s in sentences if s in flat]
        assert found == [], (name, found[:3])


CHAPTER = """\
---
title: One
---

First paragraph of the text.

Second paragraph of the text.

::: questions
1. What does [¶ 2] say?
:::
"""
FACILITATOR = """\
---
meeting: 1
---

::: plan
- 10 min: Read [¶ 1–2] aloud and ask what the text says.
:::

::: question 1
The second paragraph says little; let the group say why it matters.
:::
"""


def test_the_members_pdf_is_the_same_bytes_with_and_without_the_companion(tmp_path):
    """No SOURCE_DATE_EPOCH: the date too comes from the members' sources only."""
    book = make_book(
        tmp_path / "book",
        {"01-one.md": CHAPTER},
        article="# One\n\nFirst paragraph of the text.\n\nSecond paragraph of the text.\n",
    )
    without = studyguide(
        "build", "--pdf", "--out", tmp_path / "without", root=book, env={"SOURCE_DATE_EPOCH": ""}
    )
    assert without.code == 0, without.stderr
    (book / "facilitator").mkdir()
    (book / "facilitator" / "01-one.md").write_text(textwrap.dedent(FACILITATOR), encoding="utf-8")
    run = studyguide(
        "build",
        "--pdf",
        "--facilitator",
        "--out",
        tmp_path / "with",
        root=book,
        env={"SOURCE_DATE_EPOCH": ""},
    )
    assert run.code == 0, run.stderr
    pdf = f"{SLUG}.pdf"
    assert (tmp_path / "with" / pdf).read_bytes() == (tmp_path / "without" / pdf).read_bytes()
    companion = " ".join(pdf_pages(tmp_path / "with" / f"{SLUG}-facilitator.pdf"))
    assert "0:00 10 Read ¶ 1–2 (p. " in companion
    assert "The second paragraph says little" in companion
    # Editing the companion rebuilds it, and leaves the members' PDF as it was.
    (book / "facilitator" / "01-one.md").write_text(
        textwrap.dedent(FACILITATOR).replace("says little", "says more"), encoding="utf-8"
    )
    again = studyguide(
        "build",
        "--facilitator",
        "--out",
        tmp_path / "with",
        root=book,
        env={"SOURCE_DATE_EPOCH": ""},
    )
    assert again.code == 0 and "nothing to do" not in again.stderr, again.stderr
    assert "says more" in " ".join(pdf_pages(tmp_path / "with" / f"{SLUG}-facilitator.pdf"))
    shutil.rmtree(book / "facilitator")
