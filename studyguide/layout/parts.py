"""A long print edition laid out in parts, so that memory stays in bounds.

WeasyPrint keeps every laid-out page of a document until its PDF is written: a book of a few
thousand pages needs gigabytes. A book whose print HTML is longer than `part_size` characters
is therefore laid out in parts of whole chapters, one after the other; each part is written
to a PDF of its own and dropped before the next, and the parts are merged into one tagged PDF
at the end (merge.py). A book that fits in one part is laid out in one piece.

Each part carries on the page numbers of the parts before it, and begins on a right-hand page
as every chapter does. A page number of a place in another part (the contents, a glossary
entry's "Linked from", --glossary-pages) cannot be counted by WeasyPrint, so it is written
in (`data-page`, see print.css), and a link to another part is joined up in the merge.
Those numbers come from the parts' own layouts, so the parts are laid out in rounds until
no part's HTML changes: in practice the first part (title page, contents, front matter)
twice, as its contents wait for the page numbers of the rest, and every other part once.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studyguide.errors import BuildError
from studyguide.model import Kind
from studyguide.render.documents import PrintPart

if TYPE_CHECKING:
    from studyguide.layout.pagemap import PageStart
    from studyguide.render.views import BookView, ChapterView

ANCHOR_URI = "urn:studyguide:anchor:"  # a link to another part, until the parts are merged
MAX_ROUNDS = 5
UNKNOWN_PAGE = "0"  # a page number not laid out yet, in the first round

_LINK = re.compile(r'<a\b([^>]*?) href="#([^"]+)"')
_CLASSES = re.compile(r'\bclass="([^"]*)"')
# Links that show the page number of their target in print (print.css, body.literal-pages).
PAGE_NUMBER_LINKS = {"toc-entry", "pageref"}
_ID = re.compile(r'\sid="([^"]+)"')


def _chapter_size(chapter: ChapterView) -> int:
    return len(chapter.body_html) + sum(len(question) for question in chapter.questions_html)


def _glossary_size(view: BookView) -> int:
    """The glossary's HTML and the sources' after it, roughly."""
    glossary = sum(len(entry.html) + 40 * len(entry.links) for entry in view.glossary_html)
    return glossary + sum(
        len(r.author) + len(r.title) + len(r.publisher) + len(r.url) + 80
        for r in view.book.references
    )


def plan(view: BookView, part_size: int) -> list[PrintPart]:
    """The book's chapters in runs of at most about `part_size` characters of HTML.

    The first part holds the title page, the contents and the front matter only, as it is
    laid out again once the page numbers of the rest are known; the glossary ends the last.
    One part means the book is laid out in one piece.
    """
    chapters = view.chapters_html
    total = sum(map(_chapter_size, chapters)) + _glossary_size(view)
    if total <= part_size:
        return [PrintPart(list(chapters), front=True, glossary=True)]
    leading = 0
    while leading < len(chapters) and chapters[leading].kind is Kind.FRONT:
        leading += 1
    runs: list[list[ChapterView]] = [[]]
    size = 0
    for chapter in chapters[leading:]:
        if runs[-1] and size + _chapter_size(chapter) > part_size:
            runs.append([])
            size = 0
        runs[-1].append(chapter)
        size += _chapter_size(chapter)
    if runs[-1] and size + _glossary_size(view) > part_size:
        runs.append([])  # the glossary (and no chapter) in a part of its own
    parts = [PrintPart(list(chapters[:leading]), front=True, glossary=False)]
    articles = 0
    for run in runs:
        parts.append(PrintPart(run, front=False, glossary=False, articles_before=articles))
        articles += sum(1 for chapter in run if chapter.kind is Kind.ARTICLE)
    parts[-1].glossary = True
    return parts


def link_across_parts(html: str, numbers: dict[str, int], glossary_pages: bool = False) -> str:
    """Write the page number of its target into each link that shows one (`data-page`; term
    links too with `glossary_pages`), and point each link to another part at `ANCHOR_URI` + id,
    for the merge to join up."""
    local = set(_ID.findall(html))
    showing = PAGE_NUMBER_LINKS | ({"term"} if glossary_pages else set())

    def rewrite(match: re.Match[str]) -> str:
        attributes, href = match.group(1), match.group(2)
        target = html_lib.unescape(href)
        classes = _CLASSES.search(attributes)
        if classes and showing & set(classes.group(1).split()):
            page = numbers.get(target)
            attributes += f' data-page="{page if page is not None else UNKNOWN_PAGE}"'
        if target in local:
            return f'<a{attributes} href="#{href}"'
        return f'<a{attributes} href="{ANCHOR_URI}{href}"'

    return _LINK.sub(rewrite, html)


@dataclass
class LaidPart:
    """One part as laid out: its PDF and what the other parts need from it."""

    digest: str  # of the HTML it was laid out from
    pdf: Path
    first_page: int
    pages: int
    page_starts: list[PageStart]


@dataclass
class PartsLayout:
    """The parts of a print edition, laid out and written, ready to be merged in order."""

    parts: list[LaidPart]
    page_starts: list[PageStart] = field(init=False)

    def __post_init__(self) -> None:
        self.page_starts = [start for part in self.parts for start in part.page_starts]

    def blank_before(self) -> Iterable[bool]:
        """Whether a blank left-hand page goes before each part: where the part before ends
        on a right-hand page."""
        previous_end = 0
        for part in self.parts:
            yield part.first_page > previous_end + 1
            previous_end = part.first_page + part.pages - 1


# (a part's HTML, its first page number, where to write its PDF)
#   → (where its pages begin, the printed page number of each id in it, its number of pages)
LayOutPart = Callable[[str, int, Path], tuple["list[PageStart]", dict[str, int], int]]


def lay_out(
    parts: list[PrintPart],
    render: Callable[[PrintPart], str],
    lay_out_part: LayOutPart,
    folder: Path,
    progress: Callable[[str], None],
    glossary_pages: bool = False,
    right_hand: bool = True,
) -> PartsLayout:
    """Lay the parts out in rounds until every page number written into them is right.

    `render` gives a part's HTML; `lay_out_part(html, first_page, pdf_path)` lays it out,
    writes its PDF and returns its page starts, its anchors' page numbers and its page count.
    """
    numbers: dict[str, int] = {}
    laid: list[LaidPart | None] = [None] * len(parts)
    for _round in range(MAX_ROUNDS):
        changed = False
        page = 1
        for index, part in enumerate(parts):
            part.first_page = page
            html = link_across_parts(render(part), numbers, glossary_pages)
            digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
            done = laid[index]
            if done is None or done.digest != digest:
                progress(f"laying out part {index + 1} of {len(parts)}, from page {page}")
                target = folder / f"part-{index:04d}.pdf"
                starts, anchors, pages = lay_out_part(html, page, target)
                numbers.update(anchors)
                done = laid[index] = LaidPart(digest, target, page, pages, starts)
                changed = True
            page += done.pages
            if right_hand and page % 2 == 0:  # the next part opens on a right-hand page
                page += 1
        if not changed:
            return PartsLayout([part for part in laid if part is not None])
    raise BuildError(
        None,
        f"the page numbers of the print edition did not settle after {MAX_ROUNDS} layouts",
        "lay the book out in larger parts (--part-size), or build without --glossary-pages",
        "pdf.parts",
    )
