"""The meeting handout: each chapter's discussion questions on a page of its own, dated."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from studyguide.build import LoadedBook, Options, Progress, build_date
from studyguide.layout import ChapterView, environment, render_book
from studyguide.model import Book, Edition

if TYPE_CHECKING:
    from weasyprint import Document

# Ruled lines under each question, tried from the most down to the fewest until the
# chapter's questions fit on one page.
MOST_LINES = 4
FEWEST_LINES = 0


def handout_path(book: Book, options: Options) -> Path:
    suffix = "" if options.paper == "a4" else f"-{options.paper}"
    return options.out / f"{book.meta.slug}-questions{suffix}.pdf"


def handout_css(paper: str) -> str:
    from studyguide.pdf import stylesheet_text

    handout = resources.files("studyguide") / "styles" / "handout.css"
    return stylesheet_text(paper) + "\n" + handout.read_text(encoding="utf-8")


def handout_html(
    chapters: list[ChapterView],
    book: Book,
    paper: str,
    date: dt.datetime,
    lines: dict[str, int],
) -> str:
    """The handout as one HTML document; `lines` gives each chapter's ruled lines (0: none)."""
    return (
        environment()
        .get_template("handout.html.j2")
        .render(
            book=book,
            chapters=chapters,
            paper=paper,
            date=date,
            created=date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            lines=lines,
            css=handout_css(paper),
        )
    )


def overflowing(document: Document, chapters: list[ChapterView]) -> list[str]:
    """The ids of the chapters whose questions run over more than one page."""
    wanted = {chapter.id for chapter in chapters}
    starts: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor in wanted:
                starts.setdefault(anchor, index)
    ends = [starts[c.id] for c in chapters[1:]] + [len(document.pages)]
    return [c.id for c, end in zip(chapters, ends, strict=True) if end - starts[c.id] > 1]


def build_handout(loaded: LoadedBook, options: Options, progress: Progress) -> Path:
    """Write the handout PDF: one page a chapter, fewer ruled lines where a page is full."""
    from studyguide import pdf

    book = loaded.book
    view = render_book(loaded.md, book, Edition.PRINT)
    chapters = [chapter for chapter in view.chapters_html if chapter.questions_html]
    date = build_date(book.root)
    lines = {c.id: MOST_LINES if options.writing_space else 0 for c in chapters}
    progress(f"laying out the question handout ({options.paper.upper()}) with WeasyPrint")
    while True:
        html = handout_html(chapters, book, options.paper, date, lines)
        document = pdf.layout(html, book.root)
        shrinkable = [i for i in overflowing(document, chapters) if lines[i] > FEWEST_LINES]
        if not shrinkable:
            break
        for chapter_id in shrinkable:
            lines[chapter_id] -= 1
    for chapter_id in overflowing(document, chapters):
        progress(f"warning: the questions of {chapter_id} take more than one page")
    target = handout_path(book, options)
    progress(f"writing {target}")
    return pdf.write_pdf(document, target, f"{book.meta.identifier}#questions")
