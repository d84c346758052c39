"""The print edition laid out in parts of whole chapters, merged at the end (merge.py).

A part is the unit of page makeup (makeup.py): each chapter begins on a page of its own, so
a part's pages depend on the rest of the book only through the page numbers it prints. The
front matter (title page, colophon, contents) is a part, each chapter is one (chapters
shorter than `part_size` characters of HTML together are grouped), the glossary is one and
the sources for the notes are the last. Each part is written to a PDF of its own and dropped
before the next, so memory stays in bounds however long the book: WeasyPrint keeps every
laid-out page of a document until its PDF is written, about 1 MB a page.

Each part carries on the page numbers of the parts before it, and begins on a right-hand page
as every chapter does. A page number of a place in another part (the contents, a glossary
entry's "Linked from", "¶ N (p. M)", --glossary-pages) cannot be counted by WeasyPrint, so it
is written in (`data-page`, see print.css), and a link to another part is joined up in the
merge. Those numbers come from the parts' own layouts, so the parts are laid out in rounds
until no part's HTML changes. In practice: every part but the glossary (its locators need
every chapter's pages), then the glossary and the chapters that cite pages, then the front
matter once more, its contents complete. A layout made while some number it prints was not
known yet is provisional: only its length counts, and its PDF is not written.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from studyguide.errors import BuildError
from studyguide.model import Kind
from studyguide.render.documents import PrintPart

if TYPE_CHECKING:
    from studyguide.layout.geometry import Page
    from studyguide.layout.pagemap import PageStart
    from studyguide.layout.proof import Fault
    from studyguide.render.views import BookView, ChapterView

ANCHOR_URI = "urn:studyguide:anchor:"  # a link to another part, until the parts are merged
MAX_ROUNDS = 6
UNKNOWN_PAGE = "0"  # a page number not laid out yet, in the first round
_UNKNOWN = f' data-page="{UNKNOWN_PAGE}"'

_LINK = re.compile(r'<a\b([^>]*?) href="#([^"]+)"')
_CLASSES = re.compile(r'\bclass="([^"]*)"')
# Links that show the page number of their target in print (print.css, body.literal-pages).
PAGE_NUMBER_LINKS = {"toc-entry", "pageref"}
_ID = re.compile(r'\sid="([^"]+)"')


def _chapter_size(chapter: ChapterView) -> int:
    return len(chapter.body_html) + sum(len(question) for question in chapter.questions_html)


def plan(view: BookView, part_size: int) -> list[PrintPart]:
    """The book's parts: the front matter (laid out again once the page numbers of the rest
    are known), the chapters, one a part or in runs of at most `part_size` characters of
    HTML, the glossary, and the sources."""
    runs: list[list[ChapterView]] = []
    size = 0
    for chapter in view.chapters_html:
        if not runs or size + _chapter_size(chapter) > part_size:
            runs.append([])
            size = 0
        runs[-1].append(chapter)
        size += _chapter_size(chapter)
    parts = [PrintPart([], front=True, glossary=False)]
    articles = 0
    for run in runs:
        parts.append(PrintPart(run, front=False, glossary=False, articles_before=articles))
        articles += sum(1 for chapter in run if chapter.kind is Kind.ARTICLE)
    if view.glossary_html:
        parts.append(PrintPart([], front=False, glossary=True, articles_before=articles))
    if view.book.references:
        parts.append(
            PrintPart([], front=False, glossary=False, articles_before=articles, references=True)
        )
    return parts


def _name(part: PrintPart) -> str:
    """What a part is called in messages and file names: "front", "ch-3", "ch-4-to-ch-6",
    "glossary", "sources"."""
    if part.front:
        return "front"
    if part.glossary:
        return "glossary"
    if part.references:
        return "sources"
    first, last = part.chapters[0].id, part.chapters[-1].id
    return first if first == last else f"{first}-to-{last}"


def _shows_page(attributes: str, glossary_pages: bool) -> bool:
    """Whether a link (its attributes) shows the page number of its target in print."""
    showing = PAGE_NUMBER_LINKS | ({"term"} if glossary_pages else set())
    classes = _CLASSES.search(attributes)
    return bool(classes and showing & set(classes.group(1).split()))


def link_across_parts(html: str, numbers: dict[str, int], glossary_pages: bool = False) -> str:
    """Write the page number of its target into each link that shows one (`data-page`; term
    links too with `glossary_pages`), and point each link to another part at `ANCHOR_URI` + id,
    for the merge to join up."""
    local = set(_ID.findall(html))

    def rewrite(match: re.Match[str]) -> str:
        attributes, href = match.group(1), match.group(2)
        target = html_lib.unescape(href)
        if _shows_page(attributes, glossary_pages):
            page = numbers.get(target)
            attributes += f' data-page="{page if page is not None else UNKNOWN_PAGE}"'
        if target in local:
            return f'<a{attributes} href="#{href}"'
        return f'<a{attributes} href="{ANCHOR_URI}{href}"'

    return _LINK.sub(rewrite, html)


@dataclass
class PartLayout:
    """What laying a part out gives: where its pages begin, the printed page number of each
    id in it, its number of pages, and its pages' geometry and faults for the proof.

    The geometry (every line of every page) is what a proof reads; a build needs only which
    pages are blank (`blank`, for the folios), and drops it (`without_geometry`): a long
    book's geometry would be held through the merge, where memory peaks."""

    page_starts: list[PageStart]
    anchors: dict[str, int]
    pages: int
    geometry: list[Page] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    note_starts: list[PageStart] = field(default_factory=list)  # notes carried over
    blank: list[bool] = field(default_factory=list)  # each page: whether it is blank


def without_geometry(laid: PartLayout) -> PartLayout:
    """The layout of a part without its pages' geometry (what a build keeps of it)."""
    return replace(laid, geometry=[])


def shifted(laid: PartLayout, delta: int) -> PartLayout:
    """The layout of a part moved `delta` pages on (laid out once, it is the same wherever
    in the book it falls: only its page numbers change)."""

    def label(text: str) -> str:
        return str(int(text) + delta) if text.isdigit() else text

    return PartLayout(
        [replace(start, label=label(start.label)) for start in laid.page_starts],
        {name: page + delta for name, page in laid.anchors.items()},
        laid.pages,
        [replace(page, number=page.number + delta) for page in laid.geometry],
        [replace(fault, page=fault.page + delta) for fault in laid.faults],
        [replace(start, label=label(start.label)) for start in laid.note_starts],
        laid.blank,
    )


@dataclass
class LaidPart:
    """One part as laid out: its PDF and what the other parts need from it."""

    digest: str  # of the HTML it was laid out from
    pdf: Path | None  # (None: a provisional layout, its PDF not written)
    first_page: int
    laid: PartLayout

    @property
    def pages(self) -> int:
        return self.laid.pages

    @property
    def page_starts(self) -> list[PageStart]:
        return self.laid.page_starts


@dataclass
class PartsLayout:
    """The parts of a print edition, laid out and written, ready to be merged in order."""

    parts: list[LaidPart]
    page_starts: list[PageStart] = field(init=False)

    def __post_init__(self) -> None:
        self.page_starts = [start for part in self.parts for start in part.page_starts]

    @property
    def note_starts(self) -> list[PageStart]:
        return [start for part in self.parts for start in part.laid.note_starts]

    @property
    def geometry(self) -> list[Page]:
        return [page for part in self.parts for page in part.laid.geometry]

    @property
    def faults(self) -> list[Fault]:
        return [fault for part in self.parts for fault in part.laid.faults]

    def blank_before(self) -> Iterable[bool]:
        """Whether a blank left-hand page goes before each part: where the part before ends
        on a right-hand page."""
        previous_end = 0
        for part in self.parts:
            yield part.first_page > previous_end + 1
            previous_end = part.first_page + part.pages - 1


@dataclass
class PartJob:
    """A part to lay out: its print HTML, its name (for messages and the cache), where to
    write its PDF (None for a provisional layout: only what it gives is wanted), and its
    place among the book's parts."""

    html: str
    name: str
    target: Path | None
    place: int = 0


# Lays out a round's parts; told the round (0: the other parts' page numbers not known yet),
# so that a part's layouts of each round are kept side by side. Gives each part's layout as
# laid out from page 1.
LayOutParts = Callable[[list[PartJob], int], list[PartLayout]]


def is_provisional(html: str) -> bool:
    """Whether the part prints a page number not known yet (`UNKNOWN_PAGE`)."""
    return _UNKNOWN in html


def _citing_back(parts: list[PrintPart], rendered: list[str], glossary_pages: bool) -> set[int]:
    """The parts that print page numbers only of places in the parts before them (a chapter's
    "¶ N (p. M)" of an earlier chapter), none of those laid out later itself: each waits for
    the first round to number them, and is laid out once, not first without its numbers."""
    owners = {name: i for i, html in enumerate(rendered) for name in _ID.findall(html)}
    later: set[int] = set()
    for i, (part, html) in enumerate(zip(parts, rendered, strict=True)):
        cited = {
            owners.get(html_lib.unescape(match.group(2)))
            for match in _LINK.finditer(html)
            if _shows_page(match.group(1), glossary_pages)
        }
        if (
            cited
            and not part.front
            and not part.glossary
            and all(
                owner is not None and owner < i and owner not in later and not parts[owner].glossary
                for owner in cited
            )
        ):
            later.add(i)
    return later


def lay_out(
    parts: list[PrintPart],
    render: Callable[[PrintPart], str],
    lay_out_parts: LayOutParts,
    folder: Path,
    glossary_pages: bool = False,
    right_hand: bool = True,
    in_turn: bool = False,
) -> PartsLayout:
    """Lay the parts out in rounds until every page number written into them is right.

    A part's layout does not depend on where in the book it falls (its folios are set at
    the merge), so each round lays out every part whose HTML changed at once
    (`lay_out_parts`, on every core), then numbers the parts in order. The first round
    lays out every part but the glossary, which prints the pages of the others; the next
    ones, the parts that print page numbers (the contents, the glossary's locators, "¶ N
    (p. M)"), once those are known. A part laid out before that still waits for a number
    another part of the round will give is left for the next round: laid out once more,
    not twice. Laid out `in_turn` (one part at a time, no core to spare), a part that cites
    only parts before it waits for the first round, to be laid out once with its numbers;
    on several cores, it is laid out beside the others at once, its numbers not known yet,
    and again in the second round (which lays out the glossary beside it: a round saved).
    """
    numbers: dict[str, int] = {}
    laid: list[LaidPart | None] = [None] * len(parts)
    rendered = [render(part) for part in parts]  # (the same each round but for the numbers)
    citing_back = _citing_back(parts, rendered, glossary_pages) if in_turn else set()
    for round_ in range(MAX_ROUNDS):
        pages = [link_across_parts(html, numbers, glossary_pages) for html in rendered]
        digests = [hashlib.sha256(html.encode("utf-8")).hexdigest() for html in pages]
        changed = [i for i, done in enumerate(laid) if done is None or done.digest != digests[i]]
        todo = _todo(changed, parts, pages, numbers, citing_back)
        if not todo:
            final = [part for part in laid if part is not None]
            _write_provisional(final, pages, parts, lay_out_parts, folder, round_)
            return PartsLayout(final)
        jobs = [
            PartJob(
                pages[i],
                f"{i:02d}-{_name(parts[i])}",
                None if is_provisional(pages[i]) else folder / f"{i:02d}-{_name(parts[i])}.pdf",
                i,
            )
            for i in todo
        ]
        made = lay_out_parts(jobs, round_)
        for i, job, result in zip(todo, jobs, made, strict=True):
            laid[i] = LaidPart(digests[i], job.target, 1, result)
        _number(parts, laid, numbers, right_hand)
    raise BuildError(
        None,
        f"the page numbers of the print edition did not settle after {MAX_ROUNDS} layouts",
        "lay the book out in larger parts (--part-size), or build without --glossary-pages",
        "pdf.parts",
    )


def _todo(
    changed: list[int],
    parts: list[PrintPart],
    pages: list[str],
    numbers: dict[str, int],
    citing_back: set[int],
) -> list[int]:
    """The parts a round lays out, of those whose HTML `changed` since their last layout."""
    todo = changed
    if not numbers and len(todo) > 1:
        # The glossary prints the pages of the others: it waits for them, and only the
        # contents print anything of where the parts after it begin; a part citing only
        # earlier ones waits for their numbers.
        todo = [i for i in todo if not parts[i].glossary and i not in citing_back]
    # (from the second round on, a part still printing a number not known yet waits while
    # the others of the round give it: laid out once more, not twice)
    waiting = [i for i in todo if numbers and is_provisional(pages[i])]
    if len(waiting) < len(todo):  # (some other part gives what they wait for)
        todo = [i for i in todo if i not in waiting]
    return todo


def _number(
    parts: list[PrintPart], laid: list[LaidPart | None], numbers: dict[str, int], right_hand: bool
) -> None:
    """Set where each laid-out part begins (moving its page numbers with it), and gather the
    page of every id, up to the first part not laid out yet."""
    page = 1
    for part, done in zip(parts, laid, strict=True):
        if done is None:  # (the glossary, waiting: the parts after it are not numbered)
            break
        part.first_page = page
        if done.first_page != page:  # moved: its page numbers with it
            done.laid = shifted(done.laid, page - done.first_page)
            done.first_page = page
        numbers.update(done.laid.anchors)
        page += done.pages
        if right_hand and page % 2 == 0:  # the next part opens on a right-hand page
            page += 1


def _write_provisional(
    final: list[LaidPart],
    pages: list[str],
    parts: list[PrintPart],
    lay_out_parts: LayOutParts,
    folder: Path,
    round_: int,
) -> None:
    """A part whose last layout still prints an unknown page number (a link to nowhere
    the other parts know) is laid out once more, its PDF written this time."""
    unwritten = [i for i, part in enumerate(final) if part.pdf is None]  # (every part laid)
    if not unwritten:
        return
    names = {i: f"{i:02d}-{_name(parts[i])}" for i in unwritten}
    jobs = [PartJob(pages[i], names[i], folder / f"{names[i]}.pdf", i) for i in unwritten]
    for i, job, result in zip(unwritten, jobs, lay_out_parts(jobs, round_), strict=True):
        final[i].pdf = job.target
        final[i].laid = shifted(result, final[i].first_page - 1)
