"""What an authoring command writes in a book, made together or not at all.

A book is untrusted input: a file an authoring command creates is never written over an
existing one nor through a link (O_EXCL, O_NOFOLLOW), a file it replaces is swapped by a
rename (a link there is replaced, never written through), and folders are made only inside
the book. Everything is read and checked first; if one write fails, the ones before it are
undone, so the book is as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError
from studyguide.sources.trust import read_source_bytes

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Change:
    """One file: created (`new`, it must not exist yet), replaced, or removed (`content` None)."""

    path: Path
    content: str | bytes | None
    new: bool = True


class Undone(Exception):
    """A write failed, and what was written before it was undone."""


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _kind(path: Path) -> str:
    """What is at `path`: "absent", "file" or "link"; anything else cannot be changed."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return "absent"
    if stat.S_ISLNK(status.st_mode):
        return "link"
    if not stat.S_ISREG(status.st_mode):
        raise OSError(errno.EEXIST, "something other than a file is there", str(path))
    return "file"


def _create(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a new file: never over an existing file or link; nothing left if it fails."""
    descriptor = os.open(path, _CREATE, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def _temporary(path: Path, suffix: str, data: bytes = b"", mode: int = 0o600) -> Path:
    """A new, hidden file beside `path` holding `data` (made with O_EXCL: no planted link is
    followed); nothing is left if writing it fails."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(name, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def _put_aside(path: Path) -> Path:
    """Move what is at `path` (a file, or a link) to a hidden name beside it: undoing is a
    rename back, which needs no space."""
    aside = _temporary(path, ".undo")  # (a name of our own, which the rename takes over)
    try:
        os.replace(path, aside)
    except BaseException:
        os.unlink(aside)
        raise
    return aside


def _folders(path: Path, root: Path, steps: list[tuple[str, Path, Path]]) -> None:
    """Make the folders above `path` that are missing, each inside the book."""
    missing = [p for p in reversed(path.parents) if p.is_relative_to(root) and not p.exists()]
    for folder in missing:
        os.mkdir(folder)
        steps.append(("folder", folder, folder))
    if not path.parent.resolve().is_relative_to(root.resolve()):
        raise _outside(path.parent)


def _outside(folder: Path) -> BuildError:
    return BuildError(
        folder,
        "this folder is a link to a folder outside the book's folder; nothing is written "
        "through it",
        "replace the link with a folder, or remove it",
        "source.outside",
    )


def check_inside(root: Path, folders: Sequence[Path]) -> None:
    """Refuse, before anything is written, a folder of the book that leads outside it."""
    for folder in folders:
        if (folder.exists() or folder.is_symlink()) and not folder.resolve().is_relative_to(
            root.resolve()
        ):
            raise _outside(folder)


def apply(root: Path, changes: Sequence[Change]) -> None:
    """Make every change, in order. If one fails, the ones before it are undone (by renames
    and removals only, which need no space) and Undone is raised, or the BuildError as it
    is; if they cannot be undone, the OSError itself."""
    steps: list[tuple[str, Path, Path]] = []  # ("made" | "folder" | "aside", path, old file)
    try:
        for change in changes:
            _folders(change.path, root, steps)
            _change(change, steps)
    except (OSError, BuildError) as failure:
        if isinstance(failure, OSError) and failure.filename is None:
            failure.filename = str(change.path)  # (a failed write names no file)
        try:
            _undo(steps)
        except OSError as undo_failure:  # the book is half-changed
            raise (failure if isinstance(failure, OSError) else undo_failure) from None
        if isinstance(failure, BuildError):
            raise
        raise Undone(failure) from failure
    for step, _, old in steps:
        if step == "aside":
            with contextlib.suppress(OSError):
                os.unlink(old)


def _change(change: Change, steps: list[tuple[str, Path, Path]]) -> None:
    """One change, each step recorded (as it is made) for an undo."""
    path = change.path
    kind = _kind(path)
    if change.new:
        if kind != "absent":
            raise FileExistsError(errno.EEXIST, "the file exists already", str(path))
        _create(path, _bytes(change.content or b""))
        steps.append(("made", path, path))
        return
    new = None
    if change.content is not None:  # written in full before anything is moved
        mode = path.stat().st_mode & 0o777 if kind == "file" else 0o644
        new = _temporary(path, ".part", _bytes(change.content), mode)
    if kind != "absent":
        try:
            steps.append(("aside", path, _put_aside(path)))
        except BaseException:
            if new is not None:
                new.unlink()
            raise
    if new is not None:
        os.replace(new, path)
        steps.append(("made", path, path))


def _undo(steps: list[tuple[str, Path, Path]]) -> None:
    for step, path, old in reversed(steps):
        if step == "aside":
            os.replace(old, path)
        elif step == "folder":
            os.rmdir(path)
        else:
            os.unlink(path)


def reverse(root: Path, changes: Sequence[Change]) -> list[Change]:
    """The changes that put back what `changes` will change, read before they are made (for
    a command that checks the book after writing it, and puts it back if it does not read)."""
    out = []
    for change in changes:
        if change.path.exists() or change.path.is_symlink():
            out.append(
                Change(change.path, read_source_bytes(root, change.path), change.content is None)
            )
        else:
            out.append(Change(change.path, None))
    return sorted(out, key=lambda c: c.content is not None)  # (names freed first)


def write_error(path: Path, failure: Undone | OSError, hint: str, code: str) -> BuildError:
    """The error for a failed write: nothing was changed (Undone), or the book is half-changed."""
    cause = failure.__cause__ if isinstance(failure, Undone) else failure
    where = Path(cause.filename) if isinstance(cause, OSError) and cause.filename else path
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
    if isinstance(failure, Undone):
        return BuildError(where, f"cannot write the file: {reason}", hint, code)
    return BuildError(
        where,
        f"cannot write the file, nor undo what was written before it: {reason}",
        hint + "; some of the book's files may be changed: compare them with your copy",
        code.replace(".write", ".partial"),
    )
