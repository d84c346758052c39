"""The book's print layout: its print HTML → WeasyPrint (engine.py) → a laid-out document.

One layout serves the PDF (written from it) and the page map (read from it); a long book is
laid out in parts (parts.py) and merged (merge.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from studyguide import cache as build_cache
from studyguide import interrupts
from studyguide.layout import folios, makeup, partcache, parts
from studyguide.layout.engine import lay_out_html, write_pdf
from studyguide.layout.pagemap import PageMap
from studyguide.layout.pages import anchor_pages, from_document, note_continuations
from studyguide.layout.workers import map_parts, worker_count
from studyguide.model import Book, Medium
from studyguide.options import Options, Progress, quiet
from studyguide.output import atomic_output
from studyguide.render import typeset
from studyguide.render.documents import PrintPart, print_stylesheet, render_print_html
from studyguide.render.views import render_book

if TYPE_CHECKING:
    from studyguide.layout import merge
    from studyguide.layout.geometry import Page
    from studyguide.layout.pagemap import PageStart
    from studyguide.layout.proof import Fault
    from studyguide.render.views import BookView

DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def print_html(book: Book, options: Options, date: dt.datetime | None = None) -> str:
    """The whole book as one HTML document with its stylesheet inline: what WeasyPrint lays out.

    With `options.glossary_pages`, the first link to a term in each chapter gives its
    glossary page.
    """
    return _renderer(book, options, date)[1](None)


def _renderer(
    book: Book, options: Options, date: dt.datetime | None
) -> tuple[BookView, Callable[[PrintPart | None], str]]:
    """The book's print view, and what renders it (or one part of it) as the print HTML."""
    view = render_book(book, Medium.PRINT, date.date() if date else None)
    css = print_stylesheet(book, options.paper, one_sided=not options.blank_pages)
    # A part is laid out undated, so that its layout is kept across builds of other dates;
    # the merged file is given the date (merge.py).
    stamp = date.strftime(DATE_FORMAT) if date else ""

    def render(part: PrintPart | None) -> str:
        stamp_here = stamp if part is None else ""
        return render_print_html(
            view,
            options.paper,
            options.writing_space,
            css,
            stamp_here,
            options.glossary_pages,
            part,
        )

    return view, render


@dataclass
class PrintLayout:
    """The print edition laid out in parts (parts.py), each made up (makeup.py) and already
    written; merged into one PDF when it is written."""

    laid: parts.PartsLayout
    folder: tempfile.TemporaryDirectory
    date: dt.datetime | None = None  # the editions' date, given to the merged file
    css: str = ""  # the print stylesheet, for the folios
    root: Path | None = None
    out: Path | None = None
    geometry: bool = True  # whether the pages' geometry was kept (see lay_out_book)
    ahead: _PartsInCache | None = None  # (what opened the parts' PDFs ahead of the merge)

    def page_starts(self) -> list[PageStart]:
        return self.laid.page_starts

    def page_map(self) -> PageMap:
        """Where each page begins, and where each note carried over goes on."""
        return PageMap(tuple(self.laid.page_starts), tuple(self.laid.note_starts))

    def anchor_pages(self) -> dict[str, int]:
        """The printed page of every element id of the book (where an element runs over
        several pages, its first): for documents that refer to the print edition's pages."""
        return {k: v for part in self.laid.parts for k, v in part.laid.anchors.items()}

    @property
    def pages(self) -> list[Page]:
        """Every page's geometry, for the proof."""
        if not self.geometry:
            raise ValueError("the pages' geometry was not kept (lay_out_book: geometry=False)")
        return self.laid.geometry

    @property
    def faults(self) -> list[Fault]:
        """What the proof finds on the pages that the makeup could not mend."""
        return self.laid.faults

    def write_to(self, handle: IO[bytes], identifier: str) -> None:
        with interrupts.held():  # (see interrupts.held: pikepdf is a native extension)
            from studyguide.layout import merge

        pieces = [part.pdf for part in self.laid.parts if part.pdf is not None]
        assert len(pieces) == len(self.laid.parts), "a provisional layout was not written"
        ahead = self.ahead.open_ahead if self.ahead else None
        try:
            shown = self.folios_shown()
            stamped = (
                folios.folio_pdf(self.css, shown, self.root, self.out, ahead) if self.root else None
            )
            merge.merge(
                list(zip(pieces, self.laid.blank_before(), strict=True)),
                handle,
                self.date,
                (stamped, shown) if stamped else None,
                self.ahead.opened if self.ahead else None,
            )
        finally:
            self.discard()

    def discard(self) -> None:
        if self.ahead is not None:
            self.ahead.ready.clear()
            if self.ahead.opened is not None:
                self.ahead.opened.close()
        self.folder.cleanup()

    def folios_shown(self) -> list[bool]:
        """Which pages of the book show their number: a chapter's (or the glossary's, the
        sources'), not the front matter's nor a blank page."""
        shown: list[bool] = []
        for part, blank in zip(self.laid.parts, self.laid.blank_before(), strict=True):
            shown += [False] * blank
            front = part.first_page == 1  # (the title page, the colophon, the contents)
            shown += [not front and not blank for blank in part.laid.blank]
        return shown


def _lay_out_part(
    root: Path,
    identifier: str,
    blank_pages: bool,
    geometry: bool,
    job: tuple[parts.PartJob, Path],
) -> parts.PartLayout:
    """One part laid out from page 1 (where it falls is set after), its PDF written unless
    the layout is provisional, and kept (at `job`'s path) with its pages' geometry; what it
    gives without that geometry unless `geometry` (it is kept here, in the worker, so that
    the build does not receive and hold every page's lines)."""
    part, kept = job
    provisional = part.target is None
    made = makeup.lay_out(part.html, root, 1, lay_out_html, blank_pages, provisional)
    document = made.document
    pdf = io.BytesIO()
    if part.target is not None:
        write_pdf(document, pdf, identifier)
        with atomic_output(part.target) as handle:
            handle.write(pdf.getvalue())
    laid = parts.PartLayout(
        from_document(document, 1),
        anchor_pages(document, 1),
        len(document.pages),
        made.pages,
        made.faults,
        note_continuations(document, 1),
        [page.blank for page in made.pages],
    )
    partcache.save(kept, pdf.getvalue(), laid)
    return laid if geometry else parts.without_geometry(laid)


@dataclass
class _PartsInCache:
    """Lays out the parts of a round (parts.LayOutParts): those kept read back, the others
    laid out side by side. A part is kept in a slot of its own for each paper, sides and
    round: its layout of one round (say, before the other parts' page numbers are known) is
    not dropped for the next round's. It is looked for in every round's slot, this one's
    first: a build on one core lays some parts out a round later than a build on several
    (parts.lay_out's `in_turn`). A provisional layout is kept without a PDF."""

    book: Book
    options: Options
    progress: Progress
    geometry: bool
    ready: list[tuple[int, Path]] = field(default_factory=list)  # (place, PDF) to open
    opened: merge.Opened | None = None

    def open_ahead(self) -> None:
        """While the layout process works: the PDFs of the parts laid out (or kept) so far
        opened for the merge. (Work ahead only: a PDF that cannot be opened is opened again,
        and said, by the merge.)"""
        with interrupts.held():  # (see interrupts.held: pikepdf is a native extension)
            from studyguide.layout.merge import Opened

        self.opened = self.opened or Opened()
        for place, pdf in self.ready:
            with contextlib.suppress(Exception):
                self.opened.open(place, pdf)
        self.ready.clear()

    def kept_at(self, job: parts.PartJob, key: str, round_: int) -> Path:
        sides = "2" if self.options.blank_pages else "1"
        slot = f"{self.options.paper}-{sides}-{job.name}-r{round_}"
        return partcache.entry(self.options.out, slot, key)

    def kept(
        self, job: parts.PartJob, key: str, round_: int
    ) -> tuple[bytes, parts.PartLayout] | None:
        for other in (round_, *(r for r in range(parts.MAX_ROUNDS) if r != round_)):
            path = self.kept_at(job, key, other)
            found = partcache.load(path, pdf=job.target is not None, geometry=self.geometry)
            if found is not None:
                return found
        return None

    def __call__(self, jobs: list[parts.PartJob], round_: int) -> list[parts.PartLayout]:
        keys = [partcache.key(job.html) for job in jobs]
        results: dict[int, parts.PartLayout] = {}
        for index, job in enumerate(jobs):
            found = self.kept(job, keys[index], round_)
            if found is not None:
                if job.target is not None:
                    with atomic_output(job.target) as handle:
                        handle.write(found[0])
                    self.ready.append((job.place, job.target))
                results[index] = found[1]
        todo = [index for index in range(len(jobs)) if index not in results]
        if todo:
            self.progress(f"laying out {', '.join(jobs[index].name[3:] for index in todo)}")
            one = functools.partial(
                _lay_out_part,
                self.book.root,
                self.book.meta.identifier,
                self.options.blank_pages,
                self.geometry,
            )
            work = [(jobs[i], self.kept_at(jobs[i], keys[i], round_)) for i in todo]
            made = map_parts(one, work, lambda item: len(item[0].html), self.open_ahead)
            for index, laid in zip(todo, made, strict=True):  # (size: a part's HTML's)
                results[index] = laid
                if jobs[index].target is not None:
                    self.ready.append((jobs[index].place, jobs[index].target))
        return [results[index] for index in range(len(jobs))]


def lay_out_book(
    book: Book,
    options: Options,
    date: dt.datetime | None = None,
    progress: Progress = quiet,
    geometry: bool = True,
) -> PrintLayout:
    """The print edition laid out, part by part (see parts.py), each part made up; with its
    pages' geometry (`PrintLayout.pages`, for a proof) unless not `geometry`."""
    kept = partcache.word_breaks(options.out)
    typeset.learn_breaks(build_cache.read(kept) or b"{}")
    known = typeset.breaks_count()
    view, render = _renderer(book, options, date)
    plan = parts.plan(view, options.part_size)
    if typeset.breaks_count() > known:  # (words looked up in the dictionary: kept for the next)
        build_cache.write(kept, typeset.known_breaks())

    lay_out_parts = _PartsInCache(book, options, progress, geometry)
    folder = tempfile.TemporaryDirectory(prefix="studyguide-parts-")
    try:
        laid = parts.lay_out(
            plan,
            render,
            lay_out_parts,
            Path(folder.name),
            options.glossary_pages,
            right_hand=options.blank_pages,
            in_turn=worker_count(len(plan)) == 1,
        )
    except BaseException:
        folder.cleanup()
        raise
    css = print_stylesheet(book, options.paper, one_sided=not options.blank_pages)
    return PrintLayout(laid, folder, date, css, book.root, options.out, geometry, lay_out_parts)
