"""Signals that stop a build (SIGINT, SIGTERM, SIGHUP) raised where the build is, so that it
cleans up: every temporary file removed, every old edition kept, never half a set replaced.

A signal that comes while the editions are put in place (a few renames) does not stop the
build: it finishes, and the whole new set is in place.
A signal the build was started to ignore (`nohup`, a shell's background job) stays ignored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The build was stopped by a signal: exit with 128 + its number, as a shell expects."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _in_finalizer(frame: FrameType | None) -> bool:
    """Whether the signal came while an object was being finalized (a `__del__`, or a
    weakref.finalize callback such as a temporary folder's clean-up): an exception raised
    there is not the build's to catch, Python prints it as "Exception ignored" and goes on."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or code.co_filename.endswith("weakref.py"):
            return True
        frame = frame.f_back
    return False


def _send_again(signum: int) -> None:
    """The same signal to this process again, in a moment (from a thread of its own)."""
    timer = threading.Timer(RETRY_SECONDS, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


RETRY_SECONDS = 0.05


def fork() -> int:
    """os.fork() with the stopping signals held back across it. In the parent they are let
    through again at once. In the child they stay held until it calls `let_through()`, once it
    is where it can take them (its own handlers set, or inside its `try`): a signal that came
    while the fork ran its hooks in the child (logging's, re-making its locks) was raised in
    them, where Python prints "Exception ignored … Traceback" and drops it, and one that came
    just after could be raised in the parent's code, run on in the child."""
    global _HELD_BEFORE
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        raise
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    else:
        _HELD_BEFORE = before
    return pid


def let_through() -> None:
    """In a child of `fork()` (or of a pool started under `held()`): the signals it held back
    let through, as before the fork; one that came meanwhile is taken now."""
    signal.pthread_sigmask(signal.SIG_SETMASK, _HELD_BEFORE)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """The stopping signals held back while the block forks processes by other means (a
    multiprocessing pool): each child calls `let_through()` once it can take them; this
    process takes any that came at the block's end. Or while it imports a native extension
    (pikepdf): one that fails to initialise says so as an ImportError, whatever the cause,
    a signal's exception raised during its initialisation too, which would end the build
    with a traceback instead of stopping it."""
    global _HELD_BEFORE
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    _HELD_BEFORE = before
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


_HELD_BEFORE: set[signal.Signals] = set()  # (the mask `let_through` restores in a child)


class Stopper:
    """Raises Interrupted when a stopping signal comes, except while the build finishes;
    one that comes during a finalizer is taken again a moment later, outside it."""

    def __init__(self, again: Callable[[int], None] = _send_again) -> None:
        self.finishing = False
        self.again = again

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.finishing:
            return
        if _in_finalizer(frame):
            self.again(signum)
            return
        raise Interrupted(signum)

    def hold(self) -> None:
        """From now on, let the build run to its end whatever signal comes: the editions
        are being put in place, and stopping half-way would leave a mixed set."""
        self.finishing = True


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Stopper]:
    """Stop the build cleanly on SIGINT, SIGTERM or SIGHUP while the block runs (the
    handlers are Python's, so a forked child inherits them)."""
    stopper = Stopper()
    if threading.current_thread() is not threading.main_thread():
        yield stopper  # only the main thread may handle signals; the caller's rules apply
        return
    previous = {signum: signal.getsignal(signum) for signum in STOPPING}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, stopper.handle)
    try:
        yield stopper
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
