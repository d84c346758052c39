"""Write safely: to a temporary file beside the target, renamed into place when complete; a
build's editions all together, once every one of them is complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from studyguide.errors import BuildError

_HINT = "choose another folder with --out, or fix its permissions"


def _blocking_file(out: Path) -> Path | None:
    """The file standing where the output folder or one of its parents should be."""
    for folder in (out, *out.parents):
        if folder.exists():
            return None if folder.is_dir() else folder
    return None


def prepare_output_dir(out: Path) -> Path:
    """Create the output folder, or say clearly why it cannot be written.

    Writing is tried for real: permission bits say nothing when the build runs as root,
    and a read-only or virtual file system (/proc) refuses writes that os.access allows.
    """
    blocking = _blocking_file(out)
    if blocking is not None:
        raise BuildError(
            out,
            f"cannot create the output folder: '{blocking.name}' is a file, not a folder",
            _HINT,
            "output.create",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out, prefix=".studyguide-probe-"):
            pass
    except OSError as exc:
        raise BuildError(
            out,
            f"cannot write in the output folder (a test file failed: {exc.strerror or exc})",
            _HINT,
            "output.permission",
        ) from None
    return out


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file; on success it replaces `target` in one rename.

    If anything fails (or the build is interrupted) the temporary file is removed and
    the edition from the last good build stays as it was.
    """
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise BuildError(
            target.parent,
            f"cannot write in the output folder: {exc.strerror or exc}",
            _HINT,
            "output.permission",
        ) from None
    temporary = Path(handle.name)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        # A full disk or a folder removed under our feet: a user's problem, not a crash.
        temporary.unlink(missing_ok=True)
        raise BuildError(
            target,
            f"cannot write the file: {exc.strerror or exc}",
            "free some space, or choose another folder with --out",
            "output.write",
        ) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _prefix(target: Path) -> str:
    """The start of a temporary file's name: hidden, the target's name, this process."""
    return f".{target.name}.{os.getpid()}-"


class Staging:
    """A build's editions, each written to a temporary file beside its target and put in
    place together by `commit`, once all are complete: a failed or interrupted build leaves
    every edition of the last good build as it was, never a mixed set."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temporary file, target)
        # Targets whose temporary file is being made: an interrupt (Ctrl-C) inside
        # NamedTemporaryFile, after it has made the file, leaves it behind otherwise.
        self.opening: list[Path] = []

    @contextlib.contextmanager
    def open(self, target: Path) -> Iterator[BinaryIO]:
        """A temporary file for `target`, kept (not renamed) when the block succeeds."""
        self.opening.append(target)
        try:
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below)
                dir=target.parent, prefix=_prefix(target), suffix=".part", delete=False
            )
        except OSError as exc:
            raise BuildError(
                target.parent,
                f"cannot write in the output folder: {exc.strerror or exc}",
                _HINT,
                "output.permission",
            ) from None
        temporary = Path(handle.name)
        try:
            with handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise BuildError(
                target,
                f"cannot write the file: {exc.strerror or exc}",
                "free some space, or choose another folder with --out",
                "output.write",
            ) from exc
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self.staged.append((temporary, target))

    def adopt(self, temporary: Path, target: Path) -> None:
        """A file staged by another process of the build."""
        self.staged.append((temporary, target))

    def commit(self) -> list[Path]:
        for temporary, target in self.staged:
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise BuildError(
                    target,
                    f"cannot write the file: {exc.strerror or exc}",
                    "free some space, or choose another folder with --out",
                    "output.write",
                ) from exc
        done = [target for _, target in self.staged]
        self.staged = []
        return done

    def discard(self) -> None:
        for temporary, _ in self.staged:
            temporary.unlink(missing_ok=True)
        self.staged = []
        for target in self.opening:  # this process's own, by the process id in the name
            for leftover in target.parent.glob(f"{_prefix(target)}*.part"):
                leftover.unlink(missing_ok=True)
        self.opening = []
