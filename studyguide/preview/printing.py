"""The preview's print layout: `studyguide build --pdf` in a child process, one at a time, for
the page numbers of the sources being shown and for the print view.

A child process, so that a WeasyPrint layout (seconds) never holds up the server's answers
or the next save's rebuild; it writes the PDF and the page map into the preview's folder.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from studyguide.options import Options, Progress


class PrintLayout:
    """Lays the book out in the background, asked for by the cache key of the sources it
    should match (pagemap.cache_key); `done(key)` is called when one ends."""

    def __init__(
        self, root: Path, options: Options, done: Callable[[str], None], progress: Progress
    ) -> None:
        self.root = root
        self.options = options
        self._done = done
        self._progress = progress
        self._state = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._running: str | None = None  # the key being laid out
        self._queued: str | None = None  # the key to lay out next
        self._laid: str | None = None  # the key whose PDF and page map are in the folder
        self._ended: str | None = None  # the key of the last layout that ended, or failed
        self._stopped = False

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
            self._process = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            process = self._process
        threading.Thread(target=self._wait, args=(process, key), daemon=True).start()

    def wait_for(self, key: str, timeout: float) -> bool:
        """Wait until a layout of the sources with `key` has ended; whether it succeeded."""
        with self._state:
            self._state.wait_for(lambda: key in (self._laid, self._ended) or self._stopped, timeout)
            return self._laid == key

    def stop(self) -> None:
        """End the layout under way (our own child process) and start no other."""
        with self._state:
            self._stopped = True
            process = self._process
            self._state.notify_all()
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "studyguide", "--root", str(self.root), "build"]
        command += ["--pdf", "--paper", self.options.paper, "--out", str(self.options.out)]
        if not self.options.writing_space:
            command.append("--no-writing-space")
        return command

    def _wait(self, process: subprocess.Popen[bytes], key: str) -> None:
        _, stderr = process.communicate()
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
