"""Run editions in a forked child while the parent lays the book out (two cores, one layout)."""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studyguide.errors import BuildError, BuildErrors


class ChildFailed(BuildError):
    """A user mistake reported by the child, already formatted."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(None, text)

    def format(self, root: Path | None = None) -> str:
        return self.text


class ChildJob:
    def __init__(self, pid: int, go: int, results: int) -> None:
        self.pid, self._go, self._results = pid, go, results

    def send_ready(self) -> None:
        """Tell the child that what it waits for is there."""
        os.write(self._go, b"1")
        os.close(self._go)
        self._go = -1

    def cancel(self) -> None:
        """Stop waiting for the child: it sees the closed pipe and exits."""
        if self._go >= 0:
            os.close(self._go)
            self._go = -1
        if self.pid:
            os.waitpid(self.pid, 0)
            os.close(self._results)
            self.pid = 0

    def wait(self) -> Any:
        chunks = []
        while chunk := os.read(self._results, 65536):
            chunks.append(chunk)
        os.close(self._results)
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if not chunks:
            raise RuntimeError(f"the EPUB's process ended without a result (status {status})")
        result = json.loads(b"".join(chunks))
        if "result" in result:
            return result["result"]
        if "error" in result:
            raise ChildFailed(result["error"])
        if "interrupted" in result:
            raise KeyboardInterrupt
        raise RuntimeError("the EPUB's process failed:\n" + result["crash"])


def fork(job: Callable[[Callable[[], None]], Any], root: Path | None = None) -> ChildJob:
    """Start `job(ready)` in a child process; `ready()` blocks until the parent says go.
    What the job returns must be JSON: the parent's `wait()` returns it."""
    go_read, go_write = os.pipe()
    results_read, results_write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(go_read)
        os.close(results_write)
        return ChildJob(pid, go_write, results_read)

    os.close(go_write)
    os.close(results_read)

    def ready() -> None:
        if os.read(go_read, 1) != b"1":  # the parent gave up
            os._exit(0)

    try:
        result = {"result": job(ready)}
    except (BuildError, BuildErrors) as error:
        result = {"error": error.format(root)}
    except KeyboardInterrupt:
        result = {"interrupted": "1"}
    except BaseException:
        result = {"crash": traceback.format_exc()}
    try:
        os.write(results_write, json.dumps(result).encode("utf-8"))
    finally:
        os._exit(0)
