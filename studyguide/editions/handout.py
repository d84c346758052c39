"""The meeting handout: each chapter's discussion questions on a page of their own, with room
to write, and the meeting's date where one is given (`--date`)."""

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

# Ruled lines under each question, at the least; each page's spare room is then shared out
# among its questions as more lines. A chapter whose questions do not fit on one page with
# this many lines each goes on over the next.
FEWEST_LINES = 3


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
    meeting: dt.date | None = None,
    new_pages: frozenset[str] = frozenset(),
) -> str:
    """The handout as one HTML document; `lines` gives each question's ruled lines (by its
    id, "ch-3-q1"; none where it is not given); the questions of `new_pages` begin a page."""
    from studyguide.layout.book import DATE_FORMAT
    from studyguide.render.markup import render_template

    return render_template(
        book.book.root,
        "handout.html.j2",
        book=book,
        chapters=chapters,
        paper=paper,
        meeting=meeting,
        created=date.strftime(DATE_FORMAT),
        lines=lines,
        new_pages=new_pages,
        css=handout_css(book, paper),
    )


def spare_lines(document: Any, questions: list[str]) -> dict[str, int]:
    """The ruled lines each question can have more: each page's spare room at its foot, in
    whole ruled lines, shared out evenly among the questions that begin on it."""
    from studyguide.layout.geometry import read_page

    extra: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        geometry = read_page(page, number)
        on_page = [q for q in questions if q in page.anchors]
        rules = [line for line in geometry.lines if line.kind == "answer"]
        bottom = geometry.content_bottom
        if not on_page or not rules or bottom is None:
            continue
        spare = int((geometry.bottom - bottom) // rules[0].height)
        share, rest = divmod(max(0, spare), len(on_page))
        for index, question in enumerate(on_page):
            extra[question] = share + (1 if index < rest else 0)
    return extra


def even_pages(document: Any, chapters: list[ChapterView]) -> frozenset[str]:
    """For each chapter whose questions run over several pages, the questions that should
    begin a page so that each of its pages holds about as many."""
    where = {anchor: n for n, page in enumerate(document.pages) for anchor in page.anchors}
    starts: set[str] = set()
    for chapter in chapters:
        ids = [f"{chapter.id}-q{i}" for i in range(1, len(chapter.questions_html) + 1)]
        pages = len({where[q] for q in ids if q in where})
        if pages > 1:
            per_page = -(-len(ids) // pages)
            starts.update(ids[i] for i in range(per_page, len(ids), per_page))
    return frozenset(starts)


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
    """The handout laid out: a chapter a page, at least `FEWEST_LINES` ruled lines under
    each question and the page's spare room shared out among its questions."""
    from studyguide.layout.engine import lay_out_html
    from studyguide.model import Medium
    from studyguide.render.views import render_book

    book, options = job.book, job.options
    view = render_book(book, Medium.PRINT, job.date.date())
    chapters = [chapter for chapter in view.chapters_html if chapter.questions_html]
    questions = [
        f"{chapter.id}-q{index}"
        for chapter in chapters
        for index in range(1, len(chapter.questions_html) + 1)
    ]
    fewest = FEWEST_LINES if options.writing_space else 0
    lines = dict.fromkeys(questions, fewest)

    new_pages: frozenset[str] = frozenset()

    def lay_out() -> Any:
        html = handout_html(
            chapters, view, options.paper, job.date, lines, options.meeting, new_pages
        )
        return lay_out_html(html, book.root)

    job.progress(f"laying out the question handout ({options.paper.upper()}) with WeasyPrint")
    document = lay_out()
    new_pages = even_pages(document, chapters)
    if new_pages:
        document = lay_out()
    if options.writing_space:
        pages = {q: n for n, page in enumerate(document.pages) for q in page.anchors}
        for question, more in spare_lines(document, questions).items():
            lines[question] += more
        shared = lay_out()
        after = {q: n for n, page in enumerate(shared.pages) for q in page.anchors}
        # The shared room only fills each page's foot: no question may move to another page.
        if all(after.get(q) == pages.get(q) for q in questions):
            document = shared
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
