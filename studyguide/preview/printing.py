"""The preview's print layout: the PDF edition's build in a child process (printjob.py), one
at a time, for the page numbers of the sources being shown and for the print view.

A child process, so that a WeasyPrint layout (seconds) never holds up the server's answers
or the next save's rebuild; it writes the PDF and the page map into the preview's folder,
with the preview's Options whole (as JSON). The next child is started as one ends, and
waits with its imports done: a save does not wait for Python and WeasyPrint to start. The
layout itself is the build's, parts kept in the cache: an edited chapter is laid out again,
the rest read back.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from studyguide.layout import pagemap
from studyguide.options import Options, Progress

PAGE_MAP_POLL = 0.05  # seconds between looks for the page map, while a layout runs


class PrintLayout:
    """Lays the book out in the background, asked for by the cache key of the sources it
    should match (pagemap.cache_key); `numbers(key)` is called when its page map is written,
    `done(key)` when it ends."""

    def __init__(
        self,
        root: Path,
        options: Options,
        done: Callable[[str], None],
        progress: Progress,
        numbers: Callable[[str], None] | None = None,
    ) -> None:
        self.root = root
        self.options = options
        self._done = done
        self._numbers = numbers or done  # the page map of `key` is written, the PDF not yet
        self._progress = progress
        self._state = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._running: str | None = None  # the key being laid out
        self._queued: str | None = None  # the key to lay out next
        self._laid: str | None = None  # the key whose PDF and page map are in the folder
        self._ended: str | None = None  # the key of the last layout that ended, or failed
        self._stopped = False
        self._ready: subprocess.Popen[bytes] | None = None  # a child waiting for its options

    @property
    def running(self) -> bool:
        return self._running is not None

    def start(self, key: str) -> None:
        """Lay out the sources with `key`, now or after the layout under way."""
        with self._state:
            if self._stopped or key in (self._laid, self._running):
                return
            if self._running is not None:
                self._queued = key
                return
            self._running = key
            process, self._ready = self._ready or self._spawn(), None
            self._process = process
        threading.Thread(target=self._wait, args=(process, key), daemon=True).start()

    def warm_up(self) -> None:
        """Start a child that waits for its options, if none is waiting or laying out."""
        with self._state:
            if not self._stopped and self._ready is None and self._running is None:
                self._ready = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        # -P: the folder the preview was started in (the book's, often) is not put first on
        # the module path, as `-m` would: a `studyguide` folder in an untrusted book is not
        # what runs.
        return subprocess.Popen(
            [sys.executable, "-P", "-m", "studyguide.printjob", str(self.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_for(self, key: str, timeout: float) -> bool:
        """Wait until a layout of the sources with `key` has ended; whether it succeeded."""
        with self._state:
            self._state.wait_for(lambda: key in (self._laid, self._ended) or self._stopped, timeout)
            return self._laid == key

    def stop(self) -> None:
        """End the layout under way (our own child process) and start no other."""
        with self._state:
            self._stopped = True
            process, ready = self._process, self._ready
            self._ready = None
            self._state.notify_all()
        for child in (process, ready):
            if child is not None and child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        if ready is not None:  # (the running one's pipes are closed by its own thread)
            for pipe in (ready.stdin, ready.stderr):
                if pipe is not None:
                    pipe.close()

    def _wait(self, process: subprocess.Popen[bytes], key: str) -> None:
        # The page map is written once the book is laid out, before the PDF (its parts
        # merged): the page numbers are shown as soon as it is there.
        page_map = pagemap.entry_path(self.options.out, key)
        told = page_map.is_file()
        sent: bytes | None = self.options.to_json().encode("utf-8")
        try:
            while True:
                try:
                    _, stderr = process.communicate(sent, timeout=PAGE_MAP_POLL)
                    break
                except subprocess.TimeoutExpired:
                    sent = None  # (sent with the first call)
                    if not told and page_map.is_file():
                        told = True
                        self._numbers(key)
        except (BrokenPipeError, ValueError):  # it was stopped before it read its options
            _, stderr = b"", b""
            process.wait()
        with self._state:
            if self._stopped:
                return
            if process.returncode == 0:
                self._laid = key
            self._ended = key
            self._running, self._process = None, None
            queued, self._queued = self._queued, None
            self._state.notify_all()
        if process.returncode != 0:
            lines = stderr.decode("utf-8", "replace").strip().splitlines()
            self._progress("the print layout stopped: " + (lines[-1] if lines else "no message"))
        self._done(key)
        if queued is not None:
            self.start(queued)
        else:
            self.warm_up()
