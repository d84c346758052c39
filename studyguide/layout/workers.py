"""The parts of a round laid out side by side, one forked process a part at a time on each
core (as many as the machine has, fewer where its memory would not hold them); a lone part
or the folios in a forked process too.

The work is a function of this process (a closure over the book and its options): the
workers are forked with it after WeasyPrint is imported and patched, so that none pays for
that again, and they send back only what a part gives (plain data) and write its PDF.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import Any

# About what one WeasyPrint layout of a chapter holds at its peak, with room to spare.
MEMORY_PER_WORKER = 700 * 1024 * 1024

_WORK: Callable[[Any], Any] | None = None  # set before the fork, read by the workers


def _available_memory() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return MEMORY_PER_WORKER


def worker_count(items: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    by_memory = max(1, _available_memory() // MEMORY_PER_WORKER)
    return max(1, min(items, cores or 1, by_memory))


def _run(item: Any) -> Any:
    assert _WORK is not None
    return _WORK(item)


def _ignore_interrupts() -> None:
    # The parent stops the build on a signal (interrupts.py) and ends the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def map_parts(work: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """`work(item)` for each item, in order, in forked workers: one item too, never in this
    process. What a WeasyPrint layout allocates (a long book's contents or glossary, the
    folios of thousands of pages) goes back to the system when its worker ends, instead of
    staying with the build, fragmented, through the merge, where its memory peaks."""
    global _WORK
    if not items:
        return []
    import multiprocessing

    _WORK = work
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(worker_count(len(items)), initializer=_ignore_interrupts) as pool:
            return pool.map(_run, items, chunksize=1)
    finally:
        _WORK = None
