"""The one error type for user mistakes: where it is, what is wrong, how to fix it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Errors of one run are collected and reported together, up to this many.
MAX_REPORTED = 20
# Shown escaped (\u202e) in a message: control characters, which a terminal would act on,
# bidi controls, which would reorder what it shows, and lone surrogates, which it cannot.
_UNSHOWN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def shown(text: str) -> str:
    """Text as a message may show it: what the book holds, and nothing a terminal acts on."""
    return _UNSHOWN.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def counted(number: int, noun: str, plural: str = "") -> str:
    """'1 note', '2 notes', '1 glossary entry', '0 glossary entries': for the tool's messages."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


@dataclass(frozen=True)
class SourceRef:
    """A place in a source file: 1-based line and column (0 = unknown)."""

    path: Path
    line: int = 0
    column: int = 0

    def display(self, root: Path | None = None) -> str:
        path = self.path
        if root is not None:
            # As written first (a link inside the book is named, not what it points to),
            # then with every link followed.
            try:
                path = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
            except ValueError:
                with contextlib.suppress(ValueError):
                    path = path.resolve().relative_to(root.resolve())
        text = shown(str(path))
        if self.line:
            text += f":{self.line}"
            if self.column:
                text += f":{self.column}"
        return text


class BuildError(Exception):
    """A mistake in the book's sources or in how the tool was called.

    Raised where the mistake is found and printed once by the command line as
    `path:line:column: error: message [code]` followed by a hint.
    """

    def __init__(
        self,
        where: SourceRef | Path | None,
        message: str,
        hint: str = "",
        code: str = "error",
    ) -> None:
        if isinstance(where, Path):
            where = SourceRef(where)
        self.where = where
        self.message = message
        self.hint = hint
        self.code = code
        super().__init__(self.format())

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process (layout/workers.py), it is sent back pickled: made again
        # from what it was made of, not from its text (a worker's error the build could not
        # read back would leave the build waiting for it).
        return (BuildError, (self.where, self.message, self.hint, self.code))

    def format(self, root: Path | None = None) -> str:
        place = f"{self.where.display(root)}: " if self.where else ""
        text = f"{place}error: {shown(self.message)} [{self.code}]"
        if self.hint:
            text += f"\n  hint: {shown(self.hint)}"
        return text


def out_of_memory() -> BuildError:
    """What a build says when the memory it may use runs out (a MemoryError, raised
    anywhere): like any failed build, it wrote nothing."""
    return BuildError(
        None,
        "studyguide ran out of memory",
        "free some memory or raise the limit (ulimit -v), build one edition at a time "
        "(--epub, --pdf), or lay a long book out in smaller parts (--part-size)",
        "memory",
    )


def ended_without_a_result(process: str, status: int) -> BuildError:
    """What a build says of one of its processes (`process`: what it was doing) that ended
    without a result, from its exit `status`: killed, for one, by the system when the
    memory runs out."""
    if os.WIFSIGNALED(status):
        how = f"stopped by {signal.Signals(os.WTERMSIG(status)).name}"
    else:
        how = f"exit status {os.WEXITSTATUS(status)}"
    return BuildError(
        None,
        f"the process {process} ended without a result ({how})",
        out_of_memory().hint,
        "memory",
    )


class BuildErrors(Exception):
    """Several user mistakes found in one run, reported together."""

    def __init__(self, errors: Iterable[BuildError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.format() for e in self.errors))

    def __reduce__(self) -> tuple[Any, ...]:
        return (BuildErrors, (self.errors,))

    def format(self, root: Path | None = None) -> str:
        shown = self.errors[:MAX_REPORTED]
        lines = [e.format(root) for e in shown]
        if len(self.errors) > len(shown):
            lines.append(f"… and {len(self.errors) - len(shown)} more errors")
        return "\n".join(lines)


class ErrorCollector:
    """Gathers user mistakes during a stage, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: list[BuildError] = []

    def add(self, error: BuildError | BuildErrors) -> None:
        if isinstance(error, BuildErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise BuildErrors(self.errors)
