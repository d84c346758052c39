"""The build, top to bottom: load → plan → lay out once → page map → editions, put in place
together.

1. load: the book's folder → the model (studyguide/sources), or every mistake in it;
2. plan: which editions, what they need of the print layout, whether the page map of
   unchanged sources is kept from an earlier build;
3. lay out once: the print layout (studyguide/layout/), only if an edition
   needs it and the kept page map does not do;
4. page map: where each print page begins, kept for the next build (studyguide/layout/pagemap.py);
5. editions: each prepared and written to a temporary file (or folder); with the layout to
   make and an edition waiting only for its page map, that edition is prepared in a second
   process meanwhile; all are renamed into place once every one is complete.

Whatever stops a build (a mistake found late, a full disk, SIGINT, SIGTERM or SIGHUP to
the build or its process group) leaves every edition of the last good build as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from studyguide import cache
from studyguide.editions import Edition, Job, Needs, extra_sources, registry
from studyguide.errors import BuildError, BuildErrors
from studyguide.interrupts import Stopper, stop_on_signals
from studyguide.layout import pagemap
from studyguide.layout.workers import in_one_process
from studyguide.model import Book
from studyguide.options import Options, Progress
from studyguide.output import Staging, output_lock, remove_stale_parts
from studyguide.sources.dates import build_date


@dataclass(frozen=True)
class Plan:
    editions: list[Edition]
    page_map_path: Path | None  # where the page map is kept, when an edition needs one
    kept_pages: pagemap.PageMap | None  # the page map of unchanged sources, if kept

    @property
    def missing_pages(self) -> bool:
        return self.page_map_path is not None and self.kept_pages is None

    @property
    def in_two_processes(self) -> bool:
        """The layout is made for an edition that writes it, and the page map's editions
        have work to do before they need it: they do it in a second process meanwhile
        (unless the build is to keep to one process: `STUDYGUIDE_JOBS=1`)."""
        return (
            self.missing_pages
            and any(e.needs is Needs.LAYOUT for e in self.editions)
            and not in_one_process()
        )


def lays_out(names: list[str]) -> bool:
    """Whether a build of these editions may lay the book out (the page map's editions: if
    the page map of unchanged sources is not kept)."""
    editions = registry()
    return any(editions[name].needs is not Needs.NOTHING for name in names)


def make_plan(book: Book, options: Options, editions: list[Edition]) -> Plan:
    if not any(e.needs is Needs.PAGE_MAP for e in editions):
        return Plan(editions, None, None)
    path = pagemap.cache_path(book, options)
    return Plan(editions, path, pagemap.load(path))


def build(book: Book, options: Options, names: list[str], progress: Progress) -> list[Path]:
    """Write the editions named (in the registry's order) for `book`; their paths."""
    from studyguide.render.typeface import check_book

    date = build_date(book.root)  # SOURCE_DATE_EPOCH is checked before any work
    check_book(book)  # the typeface is there, and shows every character of the sources
    key = _build_key(book.root, options, names, date.isoformat())  # before: sources may change
    editions = [edition for name, edition in registry().items() if name in names]
    for edition in editions:
        if edition.check:
            edition.check(book, options)
    check_layout(book, options, editions)  # a book's own templates: before any layout
    with stop_on_signals() as stopper, output_lock(options.out, progress) as locked:
        if locked:  # no other build is writing here: what is left is a killed build's
            remove_stale_parts(options.out)
        plan = make_plan(book, options, editions)
        try:
            written = _write_all(plan, Job(book, options, date, progress), stopper)
        except BaseException:
            # Each temporary file is removed where it is made, but a signal can fall between
            # making one and noting it; the EPUB's process has ended by now: sweep.
            if locked:
                remove_stale_parts(options.out)
            raise
    _remember(options, names, key, written)
    return written


def check_layout(book: Book, options: Options, editions: list[Edition] | None = None) -> None:
    """A book's own templates and styles rendered for every edition (or those given),
    nothing laid out or written: `check` finds their mistakes, and a build before it lays
    anything out. (A book without its own has nothing to find: the package's are tested.)"""
    from studyguide.errors import ErrorCollector
    from studyguide.sources.files import LAYOUT_DIRS

    if not any((book.root / name).is_dir() for name in LAYOUT_DIRS):
        return
    errors = ErrorCollector()
    for edition in registry().values() if editions is None else editions:
        try:
            if edition.render is not None:
                edition.render(book, options)
        except (BuildError, BuildErrors) as error:
            errors.add(error)
    # The same mistake (in a shared template) is found by every edition: say it once.
    unique = {error.format(): error for error in errors.errors}
    errors.errors = list(unique.values())
    errors.raise_if_any()


def _write_all(plan: Plan, job: Job, stopper: Stopper) -> list[Path]:
    staging = Staging()
    try:
        if plan.in_two_processes:
            _write_beside_the_layout(plan, job, staging)
        else:
            _write_in_order(plan, job, staging)
        stopper.hold()
        return staging.commit()
    finally:
        staging.discard()


# ------------------------------------------------------------ nothing to do


def _build_key(root: Path, options: Options, names: list[str], date: str) -> str:
    from studyguide.sources.trust import read_source_bytes

    extra = extra_sources(root, names)  # the facilitator's files, for its companion only
    read = [f"{p.relative_to(root).as_posix()}:{read_source_bytes(root, p).hex()}" for p in extra]
    return cache.inputs_digest(root, "build", repr(options), repr(sorted(names)), date, *read)


def _manifest(options: Options, names: list[str], key: str) -> Path:
    return cache.entry(options.out, "build-" + "-".join(sorted(names)), key, ".json")


def _fingerprint(path: Path) -> str:
    """A digest of an edition: a file's bytes, or a folder's files and their names."""
    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return cache.digest(
        part for p in files for part in (p.relative_to(path).as_posix(), p.read_bytes())
    )


def _remember(options: Options, names: list[str], key: str, written: list[Path]) -> None:
    files = {str(path): _fingerprint(path) for path in written}
    cache.write(_manifest(options, names, key), json.dumps(files, indent=1).encode("utf-8"))


def up_to_date(root: Path, options: Options, names: list[str]) -> list[Path] | None:
    """The editions of the last build, if it had these sources, options and date and its
    files are there unchanged: then there is nothing to do."""
    try:
        key = _build_key(root, options, names, build_date(root).isoformat())
    except (BuildError, BuildErrors):
        return None  # a source that cannot be read: the build says what is wrong with it
    data = cache.read(_manifest(options, names, key))
    try:
        files = json.loads(data) if data else None
    except ValueError:
        return None
    if not isinstance(files, dict) or not files:
        return None
    out = options.out.resolve()
    for name, digest in files.items():
        path = Path(name)
        # Only editions in the output folder, as this build would write them: a manifest
        # found in a book's own build/ folder is the book's, and the book is not trusted.
        if path.is_symlink() or not path.resolve().is_relative_to(out):
            return None
        if not digest or _fingerprint(path) != digest:
            return None
    return [Path(name) for name in files]


def lay_out(plan: Plan, job: Job) -> Any:
    """The one print layout of a build; its page map is kept for the next."""
    from studyguide.layout.book import lay_out_book

    job.progress(f"laying out the print edition ({job.options.paper.upper()}) with WeasyPrint")
    laid = lay_out_book(job.book, job.options, job.date, job.progress, geometry=False)
    pagemap.save(laid.page_map(), plan.page_map_path or pagemap.cache_path(job.book, job.options))
    return laid


def _write(edition: Edition, job: Job, prepared: Any, staging: Staging) -> None:
    target = edition.target(job.book.meta, job.options)
    job.progress(f"writing {target}")
    if edition.folder:
        with staging.open_folder(target) as folder:
            edition.write(job, prepared, folder)
        return
    with staging.open(target) as handle:
        edition.write(job, prepared, handle)


def _prepare(edition: Edition, job: Job, made: dict[Any, Any]) -> Any:
    """What the edition's `prepare` makes (it needs no layout): made once for the editions
    that share it, as the EPUB and the Kobo EPUB do."""
    if edition.prepare is None:
        return None
    if edition.prepare not in made:
        made[edition.prepare] = edition.prepare(job)
    return made[edition.prepare]


def _write_in_order(plan: Plan, job: Job, staging: Staging) -> None:
    laid = lay_out(plan, job) if any(e.needs is Needs.LAYOUT for e in plan.editions) else None
    pages = plan.kept_pages
    made: dict[Any, Any] = {}
    for edition in plan.editions:
        if edition.needs is Needs.PAGE_MAP:
            if laid is None and pages is None:
                job.progress(f"the {edition.label} needs the print edition's page numbers:")
                laid = lay_out(plan, job)
            if laid is not None:
                pages = laid.page_map()
            else:
                job.progress("print page numbers: using the page map of the unchanged sources")
        ready = replace(
            job,
            layout=laid if edition.needs is Needs.LAYOUT else None,
            page_map=pages if edition.needs is Needs.PAGE_MAP and pages else None,
        )
        _write(edition, ready, _prepare(edition, ready, made), staging)


# The page map's editions wait for the layout, the layout never for them: their process
# yields the cores to the build's and the layout's while there is more to do than cores.
BESIDE_NICENESS = 10


def _write_beside_the_layout(plan: Plan, job: Job, staging: Staging) -> None:
    """The page map's editions in a forked child, prepared while the parent lays the book
    out; they wait only for the page map. The parent writes the others."""
    from studyguide.parallel import fork

    waiting = [e for e in plan.editions if e.needs is Needs.PAGE_MAP]
    assert plan.page_map_path is not None
    child = fork(lambda ready: _in_child(waiting, job, plan.page_map_path, ready), job.book.root)
    try:
        laid = lay_out(plan, job)
        child.send_ready()
        made: dict[Any, Any] = {}
        for edition in plan.editions:
            if edition.needs is not Needs.PAGE_MAP:
                ready = replace(job, layout=laid if edition.needs is Needs.LAYOUT else None)
                _write(edition, ready, _prepare(edition, ready, made), staging)
        for temporary, target in child.wait():
            staging.adopt(Path(temporary), Path(target))
    except BaseException:
        # The child may be writing still: stop it; it removes its own temporary files, and
        # those of a child that finished all the same are removed here.
        child.stop(_remove_staged)
        raise
    order = {e.name: i for i, e in enumerate(plan.editions)}
    by_target = {e.target(job.book.meta, job.options): e.name for e in plan.editions}
    staging.staged.sort(key=lambda staged: order[by_target[staged[1]]])


def _remove_staged(staged: list[tuple[str, str]]) -> None:
    for temporary, _ in staged:
        Path(temporary).unlink(missing_ok=True)


def _in_child(
    editions: list[Edition], job: Job, page_map: Path, ready: Callable[[], None]
) -> list[tuple[str, str]]:
    os.nice(BESIDE_NICENESS)
    made: dict[Any, Any] = {}
    prepared = [_prepare(edition, job, made) for edition in editions]
    ready()  # blocks until the parent has laid the book out and kept the page map
    pages = pagemap.load(page_map)
    if pages is None:
        raise RuntimeError("the page map was not written")
    staging = Staging()
    try:
        for edition, made in zip(editions, prepared, strict=True):
            _write(edition, replace(job, page_map=pages), made, staging)
        return [(str(temporary), str(target)) for temporary, target in staging.staged]
    except BaseException:
        staging.discard()
        raise
