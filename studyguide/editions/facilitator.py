"""The facilitator's companion: meeting by meeting, each chapter's pages in the members' print
edition, the plan, every discussion question with its pointers and the key terms with their
glossary pages; every [¶ N] as "¶ N (p. 17)" of the members' edition at the same paper size.

It is laid out on its own, from facilitator/ (sources/facilitator.py), beside the members'
layout, whose pages it reads and never changes: no members' edition holds a word of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from studyguide.companion import FacilitatorPart
from studyguide.editions import Edition, Job, Needs, register
from studyguide.errors import BuildError
from studyguide.model import Book, BookMeta, Chapter, Medium, Reference
from studyguide.options import Options
from studyguide.sources.files import FACILITATOR_DIR, facilitator_paths

PAPER_NAMES = {"a4": "A4", "letter": "Letter", "a5": "A5"}


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-facilitator{options.paper_suffix}.pdf"


def check(book: Book, options: Options) -> None:
    """A companion needs the facilitator's files, and they must be right: checked before the
    members' edition is laid out."""
    from studyguide.sources.facilitator import load_companion

    if not load_companion(book).parts:
        raise BuildError(
            book.root / FACILITATOR_DIR,
            "the book has no facilitator's files, so the companion would be empty",
            f"add {FACILITATOR_DIR}/NN-slug.md, named as the chapter it is for, with a "
            "`::: plan` and `::: question N` blocks (docs/authoring.md)",
            "facilitator.empty",
        )


@dataclass(frozen=True)
class PartView:
    """One chapter of a meeting, as the template shows it."""

    chapter: Chapter
    pages: str  # "pp. 11–16" in the members' edition
    plan: list[tuple[str, int, Any]]  # (start "0:10", minutes, the activity's HTML)
    notes: Any
    questions: list[tuple[Any, Any]]  # (the question's HTML, its pointers' HTML or None)
    terms: list[tuple[str, int | None]]  # (headword, glossary page)


@dataclass(frozen=True)
class MeetingView:
    number: int
    minutes: int
    parts: list[PartView]


def _pages(labels: Any, first: int, last: int) -> str:
    if first == last:
        return f"{labels['page_abbreviation']}\u00a0{first}"
    return f"{labels['pages_abbreviation']}\u00a0{first}–{last}"


def chapter_pages(book: Book, anchors: dict[str, int], starts: list[int]) -> dict[int, str]:
    """Each chapter's pages in the members' edition: from its first page to the last page
    with text before the next chapter (or the glossary) begins: a blank page is not its."""
    last_page = max(starts, default=0) + 1
    after = [anchors.get(name) for name in ("glossary", "references") if name in anchors]
    ends = [anchors.get(c.id, last_page) for c in book.chapters[1:]] + [min(after or [last_page])]
    found = {}
    for chapter, stop in zip(book.chapters, ends, strict=True):
        first = anchors.get(chapter.id)
        if first is None:
            continue
        last = max((page for page in starts if first <= page < stop), default=first)
        found[chapter.number] = _pages(book.labels, first, last)
    return found


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _views(book: Book, parts: tuple[FacilitatorPart, ...], layout: Any) -> list[MeetingView]:
    from studyguide.render.html import Fragment, render
    from studyguide.render.views import targets

    anchors = layout.anchor_pages()
    starts = [int(s.label) for s in layout.page_starts() if s.label.isdigit()]
    pages = chapter_pages(book, anchors, starts)
    printed = targets(book, Medium.PRINT)
    links = replace(
        printed,
        term_href=lambda slug: "",
        paragraph_page=lambda text, n: str(anchors.get(book.paragraph_id(text, n), "?")),
    )
    chapters = {chapter.number: chapter for chapter in book.chapters}
    first_text = book.meta.texts[0].id if book.meta.texts else ""
    meetings: dict[int, MeetingView] = {}
    for part in parts:
        chapter = chapters[part.chapter_number]
        text = chapter.text or first_text
        meeting = meetings.setdefault(part.meeting, MeetingView(part.meeting, 0, []))
        plan, clock = [], meeting.minutes
        for activity in part.plan:
            html = render(activity.nodes, Fragment(links, text, paragraphs_inline=True))
            plan.append((_clock(clock), activity.minutes, html))
            clock += activity.minutes
        questions = [
            (
                render(q.nodes, Fragment(links, text, paragraphs_inline=True)),
                render(part.pointers[n], Fragment(links, text)) if n in part.pointers else None,
            )
            for n, q in enumerate(chapter.questions, 1)
        ]
        # The key terms of a part of the text (a front chapter links every name it tells of).
        slugs = dict.fromkeys(link.slug for link in chapter.term_links if chapter.part_number)
        terms = [
            (term.headword, anchors.get(term.id)) for term in book.glossary if term.slug in slugs
        ]
        view = PartView(
            chapter,
            pages.get(chapter.number, ""),
            plan,
            render(part.notes, Fragment(links, text)),
            questions,
            terms,
        )
        meetings[part.meeting] = MeetingView(part.meeting, clock, [*meeting.parts, view])
    return [meetings[number] for number in sorted(meetings)]


def _cited(book: Book, parts: tuple[FacilitatorPart, ...]) -> list[Reference]:
    keys = {citation.key for part in parts for citation in part.citations}
    return [reference for reference in book.references if reference.key in keys]


def facilitator_html(job: Job, parts: tuple[FacilitatorPart, ...]) -> str:
    from studyguide.render.documents import font_stylesheet, style_text
    from studyguide.render.markup import render_template
    from studyguide.render.views import BookView

    book, paper = job.book, job.options.paper
    css = "\n".join(
        [
            style_text("base.css", book.root),
            style_text("facilitator.css", book.root),
            font_stylesheet(book, print_=True),
        ]
    )
    return render_template(
        book.root,
        "facilitator.html.j2",
        book=BookView(book, []),
        meetings=_views(book, parts, job.layout),
        references=_cited(book, parts),
        paper=paper,
        paper_name=PAPER_NAMES.get(paper, paper.upper()),
        date=job.date.date(),
        css=css,
    )


def write(job: Job, prepared: Any, handle: IO[bytes]) -> None:
    from studyguide.layout.engine import lay_out_html, write_pdf
    from studyguide.sources.facilitator import load_companion

    job.progress("laying out the facilitator's companion with WeasyPrint")
    html = facilitator_html(job, load_companion(job.book).parts)
    write_pdf(lay_out_html(html, job.book.root), handle, f"{job.book.meta.identifier}#facilitator")


def reads(root: Path) -> list[Path]:
    return facilitator_paths(root)


FACILITATOR = register(
    Edition(
        "facilitator",
        "facilitator's companion",
        "write the facilitator's companion (from facilitator/): each meeting's plan, pointers "
        "for every question, the members' pages",
        file_name,
        write,
        needs=Needs.LAYOUT,
        check=check,
        reads=reads,
    )
)
