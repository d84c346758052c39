"""The meeting handout: each chapter's discussion questions on a page of its own, dated."""

from __future__ import annotations

import datetime as dt
from typing import IO, TYPE_CHECKING, Any

from studyguide.editions import Edition, Job, register
from studyguide.errors import BuildError
from studyguide.model import Book, BookMeta
from studyguide.options import Options
from studyguide.sources.files import CHAPTERS_DIR

if TYPE_CHECKING:
    from studyguide.render.views import BookView, ChapterView

# Ruled lines under each question, tried from the most (as many as in the book) down to the
# fewest until the chapter's questions fit on one page.
FEWEST_LINES = 0


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-questions{options.paper_suffix}.pdf"


def handout_css(book: BookView, paper: str) -> str:
    from studyguide.render.documents import print_stylesheet, style_text

    return print_stylesheet(book.book, paper) + "\n" + style_text("handout.css", book.book.root)


def handout_html(
    chapters: list[ChapterView],
    book: BookView,
    paper: str,
    date: dt.datetime,
    lines: dict[str, int],
) -> str:
    """The handout as one HTML document; `lines` gives each chapter's ruled lines (0: none)."""
    from studyguide.layout.book import DATE_FORMAT
    from studyguide.render.markup import render_template

    return render_template(
        book.book.root,
        "handout.html.j2",
        book=book,
        chapters=chapters,
        paper=paper,
        date=date,
        created=date.strftime(DATE_FORMAT),
        lines=lines,
        css=handout_css(book, paper),
    )


def overflowing(document: Any, chapters: list[ChapterView]) -> list[str]:
    """The ids of the chapters whose questions run over more than one page."""
    from studyguide.layout.pages import anchor_pages

    starts = anchor_pages(document)
    ends = [starts[c.id] for c in chapters[1:]] + [len(document.pages)]
    return [c.id for c, end in zip(chapters, ends, strict=True) if end - starts[c.id] > 1]


def check(book: Book, options: Options) -> None:
    """A handout needs questions: without any it would be a PDF of no pages."""
    if not any(chapter.questions for chapter in book.chapters):
        raise BuildError(
            book.root / CHAPTERS_DIR,
            "the book has no discussion questions, so the handout would be empty",
            "add a `::: questions` block holding a numbered list to a chapter, "
            "or build without the handout",
            "handout.empty",
        )


def prepare(job: Job) -> Any:
    """The handout laid out: one page a chapter, fewer ruled lines where a page is full."""
    from studyguide.layout.book import check_paper
    from studyguide.layout.engine import lay_out_html
    from studyguide.model import Medium
    from studyguide.render.views import render_book

    book, options = job.book, job.options
    check_paper(options.paper)
    view = render_book(book, Medium.PRINT, job.date.date())
    chapters = [chapter for chapter in view.chapters_html if chapter.questions_html]
    from studyguide.render.documents import ANSWER_LINES

    lines = {c.id: ANSWER_LINES if options.writing_space else 0 for c in chapters}
    job.progress(f"laying out the question handout ({options.paper.upper()}) with WeasyPrint")
    while True:
        html = handout_html(chapters, view, options.paper, job.date, lines)
        document = lay_out_html(html, book.root)
        shrinkable = [i for i in overflowing(document, chapters) if lines[i] > FEWEST_LINES]
        if not shrinkable:
            break
        for chapter_id in shrinkable:
            lines[chapter_id] -= 1
    for chapter_id in overflowing(document, chapters):
        job.progress(f"warning: the questions of {chapter_id} take more than one page")
    return document


def render(book: Book, options: Options) -> None:
    from studyguide.model import Medium
    from studyguide.render.views import render_book

    view = render_book(book, Medium.PRINT)
    chapters = [chapter for chapter in view.chapters_html if chapter.questions_html]
    date = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # (any date: nothing is written)
    handout_html(chapters, view, options.paper, date, {c.id: 1 for c in chapters})


def write(job: Job, document: Any, handle: IO[bytes]) -> None:
    from studyguide.layout.engine import write_pdf

    write_pdf(document, handle, f"{job.book.meta.identifier}#questions")


HANDOUT = register(
    Edition(
        "handout",
        "handout",
        "write the discussion questions as a PDF handout, one chapter a page",
        file_name,
        write,
        prepare=prepare,
        check=check,
        render=render,
    )
)
