"""Run editions in a forked child while the parent lays the book out (two cores, one layout)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studyguide import interrupts
from studyguide.errors import BuildError, BuildErrors, ended_without_a_result, out_of_memory
from studyguide.interrupts import STOPPING, Interrupted


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

    def _collect(self) -> tuple[bytes, int]:
        """What the child wrote, once it has ended, and its exit status."""
        chunks = []
        while chunk := os.read(self._results, 65536):
            chunks.append(chunk)
        os.close(self._results)
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        return b"".join(chunks), status

    def wait(self) -> Any:
        data, status = self._collect()
        if not data:  # killed: by the system, for one, when memory runs out
            raise ended_without_a_result("writing the EPUB", status)
        result = json.loads(data)
        if "result" in result:
            return result["result"]
        if "error" in result:
            raise ChildFailed(result["error"])
        if "interrupted" in result:
            raise Interrupted(int(result["interrupted"]))
        raise RuntimeError("the EPUB's process failed:\n" + result["crash"])

    def stop(self, cleanup: Callable[[Any], None]) -> None:
        """The parent stops: end the child (SIGTERM: it removes its own temporary files) and
        wait for it; `cleanup` gets what it returned if it finished all the same."""
        if not self.pid:
            return
        if self._go >= 0:
            os.close(self._go)
            self._go = -1
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        data, _ = self._collect()
        with contextlib.suppress(ValueError):
            result = json.loads(data)
            if "result" in result:
                cleanup(result["result"])


def fork(job: Callable[[Callable[[], None]], Any], root: Path | None = None) -> ChildJob:
    """Start `job(ready)` in a child process; `ready()` blocks until the parent says go.
    What the job returns must be JSON: the parent's `wait()` returns it."""
    go_read, go_write = os.pipe()
    results_read, results_write = os.pipe()
    pid = interrupts.fork()  # (the child takes signals once in _outcome's `try`)
    if pid:
        os.close(go_read)
        os.close(results_write)
        return ChildJob(pid, go_write, results_read)

    gc.freeze()  # (what it has of the parent, its collections leave alone: shared, not copied)
    os.close(go_write)
    os.close(results_read)

    def ready() -> None:
        if os.read(go_read, 1) != b"1":  # the parent gave up
            os._exit(0)

    try:  # (whatever happens, the child ends here: it never goes on with the parent's code)
        os.write(results_write, json.dumps(_outcome(job, ready, root)).encode("utf-8"))
    finally:
        os._exit(0)


def _outcome(
    job: Callable[[Callable[[], None]], Any], ready: Callable[[], None], root: Path | None
) -> dict[str, Any]:
    """What the child says of its job: its result, or why it has none."""
    try:
        interrupts.let_through()
        outcome = job(ready)
        # Done: what it made is the parent's to keep or remove now, so a signal from here
        # on must not stop the child before it says what that is.
        for signum in STOPPING:
            signal.signal(signum, signal.SIG_IGN)
        return {"result": outcome}
    except (BuildError, BuildErrors) as error:
        return {"error": error.format(root)}
    except MemoryError:
        return {"error": out_of_memory().format(root)}
    except KeyboardInterrupt as stop:
        return {"interrupted": getattr(stop, "signum", signal.SIGINT)}
    except BaseException:
        return {"crash": traceback.format_exc()}
