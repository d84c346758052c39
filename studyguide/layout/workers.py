"""The parts of a round laid out side by side, one forked process a part at a time on each
core (as many as the machine has, fewer where its memory would not hold them); a lone part
or the folios in a forked process too.

The work is a function of this process (a closure over the book and its options): the
workers are forked with it after WeasyPrint is imported and patched, so that none pays for
that again, and they send back only what a part gives (plain data) and write its PDF.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

JOBS_VARIABLE = "STUDYGUIDE_JOBS"
# About what one WeasyPrint layout of a chapter holds at its peak, with room to spare.
MEMORY_PER_WORKER = 700 * 1024 * 1024

_WORK: Callable[[Any], Any] | None = None  # set before the fork, read by the workers


def _available_memory() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return MEMORY_PER_WORKER


def _jobs() -> int | None:
    """The most workers `JOBS_VARIABLE` allows (unset, empty or 0: as many as there are
    cores), for a machine shared with other work: `STUDYGUIDE_JOBS=1 make`."""
    value = os.environ.get(JOBS_VARIABLE, "").strip()
    if value and not value.isdigit():
        from studyguide.errors import BuildError

        raise BuildError(
            None,
            f"{JOBS_VARIABLE} is {value!r}, not a number of layout workers",
            f"set {JOBS_VARIABLE} to 1 or more (0 or unset: one a core)",
            "options.jobs",
        )
    return int(value) if value and int(value) > 0 else None


def in_one_process() -> bool:
    """Whether the build is to do all its work in its own process (`JOBS_VARIABLE` at 1): the
    parts laid out one after the other, and the editions that need only the page numbers
    written after the layout, not beside it (build.py): no fork at all."""
    return _jobs() == 1


def worker_count(items: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    by_memory = max(1, _available_memory() // MEMORY_PER_WORKER)
    return max(1, min(items, cores or 1, by_memory, _jobs() or items))


def _run(item: Any) -> Any:
    assert _WORK is not None
    return _WORK(item)


def _ignore_interrupts() -> None:
    # The parent stops the build on a signal (interrupts.py) and ends the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def map_parts(
    work: Callable[[Any], Any],
    items: Sequence[Any],
    size: Callable[[Any], int] | None = None,
) -> list[Any]:
    """`work(item)` for each item, in forked workers: one item too, never in this process;
    the results in the items' order. What a WeasyPrint layout allocates (a long book's
    contents or glossary, the folios of thousands of pages) goes back to the system when its
    worker ends, instead of staying with the build, fragmented, through the merge, where its
    memory peaks. With `size` (a guess at an item's work), the largest items are handed out
    first: the last to start are small, and no long part is left running alone on one core
    while the others wait (the default book's sources, a quarter of its layout, came last).

    With `JOBS_VARIABLE` at 1, in this process, one after the other (`in_one_process`: the
    tests, which run a build per test in two pytest workers already)."""
    global _WORK
    if not items:
        return []
    if in_one_process():
        return [work(item) for item in items]
    import multiprocessing

    _WORK = work
    try:
        context = multiprocessing.get_context("fork")
        order = list(range(len(items)))
        if size is not None:
            order.sort(key=lambda index: -size(items[index]))  # (stable: ties keep their order)
        gc.freeze()  # (the workers' collections then leave this process's objects, and
        # their pages, shared: not copied into each worker as the collector touches them)
        try:
            with context.Pool(worker_count(len(items)), initializer=_ignore_interrupts) as pool:
                made = pool.map(_run, [items[index] for index in order], chunksize=1)
        finally:
            gc.unfreeze()
        results: list[Any] = [None] * len(items)
        for index, result in zip(order, made, strict=True):
            results[index] = result
        return results
    finally:
        _WORK = None
