"""The booklet's orientation test: two sheets, eight numbered pages, imposed and turned as the
booklet is (the same --flip and paper), to print before the booklet and see whether the
printer turns the sheets on the edge the booklet expects."""

from __future__ import annotations

from typing import IO, Any

from studyguide.editions import Edition, Job, register
from studyguide.model import BookMeta
from studyguide.options import Options

PAGES = 8  # two sheets
SIZES = {"a4": "A5", "a5": "A5", "letter": "5.5in 8.5in"}  # the booklet's pages, as CSS says


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}-booklet-test{'-letter' if options.paper == 'letter' else ''}.pdf"


def test_html(job: Job) -> str:
    from studyguide.render.documents import font_stylesheet
    from studyguide.render.markup import render_template
    from studyguide.render.views import BookView

    labels = job.book.labels
    edges = {"short": labels["flip_short"], "long": labels["flip_long"]}
    other = "long" if job.options.flip == "short" else "short"
    return render_template(
        job.book.root,
        "booklet_test.html.j2",
        book=BookView(job.book, []),
        pages=PAGES,
        size=SIZES[job.options.paper],
        edge=edges[job.options.flip],
        other=other,
        css=font_stylesheet(job.book, print_=True),
    )


def write(job: Job, prepared: Any, handle: IO[bytes]) -> None:
    import io

    from studyguide.layout.engine import lay_out_html
    from studyguide.layout.imposition import SHEETS, impose

    pages = io.BytesIO()
    lay_out_html(test_html(job), job.book.root).write_pdf(pages)
    labels = job.book.labels
    title = f"{job.book.meta.title}: {labels['booklet_test_title']}"
    handle.write(
        impose(
            pages.getvalue(),
            SHEETS["letter" if job.options.paper == "letter" else "a4"],
            job.options.flip,
            title=title,
            subject=title,
        )
    )


BOOKLET_TEST = register(
    Edition(
        "booklet-test",
        "booklet's orientation test",
        "write the booklet's orientation test: two sheets to print first (written with --booklet)",
        file_name,
        write,
    )
)
