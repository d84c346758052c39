"""The parts of a round laid out side by side, one forked process a part at a time on each
core (as many as the machine has, fewer where its memory would not hold them); a lone part
or the folios in a forked process too.

The work is a function of this process (a closure over the book and its options): the
workers are forked with it after WeasyPrint is imported and patched, so that none pays for
that again, and they send back only what a part gives (plain data) and write its PDF.

A command that will lay a book out starts its layout process first (`start_layout_process`),
before it reads the book: that process imports WeasyPrint meanwhile, on the other core, and
then does the work `map_parts` is given, sent to it pickled (a module's function and plain
data), in workers forked from it (a lone part too, in a child of its own).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from studyguide import interrupts

if TYPE_CHECKING:
    from studyguide.errors import BuildError

JOBS_VARIABLE = "STUDYGUIDE_JOBS"
# About what one WeasyPrint layout of a chapter holds at its peak, with room to spare.
MEMORY_PER_WORKER = 700 * 1024 * 1024

_WORK: Callable[[Any], Any] | None = None  # set before the fork, read by the workers
# The modules of the work `map_parts` is given: the layout process imports them once
# WeasyPrint is, while the build reads the book, not when the first request names them.
WORK_MODULES = ("studyguide.layout.book", "studyguide.layout.folios")


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


def _order(items: Sequence[Any], size: Callable[[Any], int] | None) -> list[int]:
    """The largest items first (by `size`), ties in their order; all in order without sizes."""
    order = list(range(len(items)))
    if size is not None:
        order.sort(key=lambda index: -size(items[index]))  # (stable: ties keep their order)
    return order


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
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """`work(item)` for each item, in forked workers: one item too, never in this process
    (once `start_layout_process` has, in that process, and the work must pickle: a module's
    function, its arguments plain data); the results in the items' order. What a WeasyPrint
    layout allocates (a long book's contents or glossary, the folios of thousands of pages)
    goes back to the system when its worker ends, instead of staying with the build,
    fragmented, through the merge, where its memory peaks. With `size` (a guess at an
    item's work), the largest items are handed out first: the last to start are small, and
    no long part is left running alone on one core while the others wait.

    With `JOBS_VARIABLE` at 1, in this process, one after the other (`in_one_process`: the
    tests, which run a build per test in two pytest workers already).

    `meanwhile`: what this process can do while the layout process works (from there only:
    elsewhere, it is left to be done when it is needed)."""
    if not items:
        return []
    if in_one_process():
        return [work(item) for item in items]
    if _STARTED is not None and _STARTED.owner == os.getpid():  # (not a forked child's)
        return _STARTED.map(work, items, _order(items, size), meanwhile)
    return _in_workers(work, items, _order(items, size))


def _in_workers(
    work: Callable[[Any], Any],
    items: Sequence[Any],
    order: list[int],
    initializer: Callable[[], None] = _ignore_interrupts,
) -> list[Any]:
    """`work(item)` for each item in forked workers, handed out in `order`."""
    global _WORK
    import multiprocessing

    from studyguide.layout.engine import prepare

    prepare()  # (WeasyPrint imported and patched once, before the workers fork)

    _WORK = work
    try:
        context = multiprocessing.get_context("fork")
        gc.freeze()  # (the workers' collections then leave this process's objects, and
        # their pages, shared: not copied into each worker as the collector touches them)
        try:
            with interrupts.held():  # (each worker takes them once set up: _worker_started)
                pool = context.Pool(
                    worker_count(len(items)),
                    initializer=functools.partial(_worker_started, initializer),
                )
            with pool:
                made = pool.map(_run, [items[index] for index in order], chunksize=1)
        finally:
            gc.unfreeze()
        results: list[Any] = [None] * len(items)
        for index, result in zip(order, made, strict=True):
            results[index] = result
        return results
    finally:
        _WORK = None


def _worker_started(initializer: Callable[[], None]) -> None:
    """A pool's worker, just forked: its signals set by `initializer`, then let through."""
    initializer()
    interrupts.let_through()


class _LayoutProcess:
    """The forked process that lays out what `map_parts` is given (see the module's doc)."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self.pid, self._requests, self._replies = pid, requests, replies
        self.owner = os.getpid()

    def map(
        self,
        work: Callable[[Any], Any],
        items: Sequence[Any],
        order: list[int],
        meanwhile: Callable[[], None] | None = None,
    ) -> list:
        _send(self._requests, (work, list(items), order))
        if meanwhile is not None:
            meanwhile()
        answer = _receive(self._replies)
        if answer is None:  # killed: by the system, for one, when memory runs out
            raise _ended(self._end())
        kind, value = answer
        if kind == "mistake":  # (the book's: said as the build says its own)
            raise value
        if kind == "crash":
            raise RuntimeError("the layout process failed:\n" + value)
        return value

    def _end(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        return status

    def stop(self, finished: bool) -> None:
        """End the process: told to, when the build has finished; else at once (SIGTERM:
        its workers are ended with it). Not from a process forked from the build's (the
        EPUB's): it only lets go of the pipes."""
        if os.getpid() != self.owner:
            self.pid = 0
        if self.pid and finished:
            with contextlib.suppress(OSError):
                _send(self._requests, None)
        elif self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
        os.close(self._requests)
        os.close(self._replies)
        if self.pid:
            self._end()


_STARTED: _LayoutProcess | None = None


def start_layout_process(wanted: bool = True) -> None:
    """From now on, `map_parts` hands its work to a process forked now (if `wanted`, and the
    build may fork: not with `JOBS_VARIABLE` at 1), which imports WeasyPrint and patches it
    while this one goes on; until `end_layout_process`. (Two calls, not a `with` block: a
    MemoryError leaving a `with` block, the build's memory all used, could leave Python
    spinning in malloc at the block's end, never to come out.)"""
    global _STARTED
    if not wanted or in_one_process() or _STARTED is not None:
        return
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    pid = interrupts.fork()  # (the child takes signals once in _serve)
    if not pid:
        gc.freeze()  # (what it has of this process, its collections leave alone: shared)
        os.close(requests_write)
        os.close(replies_read)
        _serve(requests_read, replies_write)  # (never returns)
    os.close(requests_read)
    os.close(replies_write)
    _STARTED = _LayoutProcess(pid, requests_write, replies_read)


def end_layout_process(finished: bool) -> None:
    """End the layout process this one started, if any: told to, if the build `finished`;
    else at once."""
    global _STARTED
    started, _STARTED = _STARTED, None
    if started is not None:
        started.stop(finished)


def _serve(requests: int, replies: int) -> None:
    """The layout process: WeasyPrint imported, then each request answered, until told to
    end (or the build has gone)."""
    code = 0
    try:
        _ignore_interrupts()
        # Ended by the build with SIGTERM: raised here, so that a pool's workers end too.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        interrupts.let_through()

        def initializer() -> None:
            _ignore_interrupts()
            os.close(requests)
            os.close(replies)

        from studyguide.layout.engine import collect_less_often, prepare

        collect_less_often()
        os.dup2(2, 1)  # (the build's stdout is its list of the files it wrote: not here)
        # WeasyPrint prints its advice when a library does not load (memory ran out, say):
        # the error is said instead, if the build asks for a layout.
        unprepared: BaseException | None = None
        shown, sys.stdout = sys.stdout, None  # (print() then prints nothing)
        try:
            prepare()
            for module in WORK_MODULES:
                importlib.import_module(module)
        except (MemoryError, OSError) as error:
            unprepared = error
        finally:  # (a SIGTERM while WeasyPrint is imported ends the process: see below)
            sys.stdout = shown
        while (request := _receive(requests)) is not None:
            work, items, order = request
            if unprepared is not None:
                answer = _outcome(functools.partial(_raise, unprepared))
            elif len(items) == 1:  # (no pool for one: a child, its end seen if killed)
                answer = _in_a_child(work, items[0], initializer)
            else:
                answer = _outcome(functools.partial(_in_workers, work, items, order, initializer))
            _send(replies, answer)
    except SystemExit:
        code = 1
    except BaseException:
        with contextlib.suppress(BaseException):
            _send(replies, ("crash", traceback.format_exc()))
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _raise(error: BaseException) -> None:
    raise error


def _outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    """What the layout process answers: ("done", what `run` gives), or the book's mistake it
    raised (said by the build as its own), or a crash's traceback."""
    from studyguide.errors import BuildError, BuildErrors

    try:
        return ("done", run())
    except (BuildError, BuildErrors, MemoryError) as mistake:
        return ("mistake", mistake)
    except Exception:
        return ("crash", traceback.format_exc())


def _in_a_child(
    work: Callable[[Any], Any], item: Any, initializer: Callable[[], None]
) -> tuple[str, Any]:
    """What `_serve` answers for one item, laid out in a child of the layout process: what
    its layout allocates goes back to the system when the child ends, not held by the
    layout process through the merge; a child killed is said as the build's memory."""
    read, write = os.pipe()
    pid = interrupts.fork()
    if not pid:
        gc.freeze()
        try:
            os.close(read)
            initializer()
            interrupts.let_through()
            _send(write, _outcome(lambda: [work(item)]))
        finally:
            os._exit(0)
    os.close(write)
    try:
        answer = _receive(read)
    except BaseException:  # (the layout process is ended: the child with it)
        os.kill(pid, signal.SIGTERM)
        raise
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    return answer if answer is not None else ("mistake", _ended(status))


def _ended(status: int) -> BuildError:
    """What the build says of a process of the layout ended without a result."""
    from studyguide.errors import ended_without_a_result

    return ended_without_a_result("laying the book out", status)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _send(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> Any:
    """The next value sent, or None at the end (the other end closed)."""
    header = _read(fd, 8)
    if header is None:
        return None
    data = _read(fd, int.from_bytes(header, "big"))
    return None if data is None else pickle.loads(data)


def _read(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
