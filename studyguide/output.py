"""Write safely: to a temporary file beside the target, renamed into place when complete; a
build's editions all together, once every one of them is complete, or none of them."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from studyguide.errors import BuildError
from studyguide.options import Progress

_HINT = "choose another folder with --out, or fix its permissions"
_FULL_HINT = "free some space, or choose another folder with --out"
# What a build leaves while it writes: `.<file name>.<8 random characters>.part`. One that
# outlives its build (killed by SIGKILL, a power cut) is removed by the next build.
_PART = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")
LOCK_FILE = ".studyguide.lock"
EDITION_SUFFIXES = (".epub", ".pdf")


def _blocking_file(out: Path) -> Path | None:
    """The file standing where the output folder or one of its parents should be."""
    for folder in (out, *out.parents):
        if folder.exists():
            return None if folder.is_dir() else folder
    return None


def prepare_output_dir(out: Path, book: Path | None = None) -> Path:
    """Create the output folder, or say clearly why it cannot be written.

    Writing is tried for real: permission bits say nothing when the build runs as root,
    and a read-only or virtual file system (/proc) refuses writes that os.access allows.
    With `book`, the folder is the book's own (build/, not one chosen with --out): the book
    is not trusted, and a link there must not send the editions elsewhere.
    """
    if book is not None and not out.resolve().is_relative_to(book.resolve()):
        raise BuildError(
            out,
            "the output folder is a link to a folder outside the book's folder",
            "remove the link, or choose the output folder with --out",
            "output.outside",
        )
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


@dataclass
class _Part:
    handle: BinaryIO
    path: Path


def _part_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


@contextlib.contextmanager
def _part(target: Path) -> Iterator[_Part]:
    """A temporary file beside `target`, complete on disk when the block ends; removed if
    anything fails or the build is interrupted."""
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below)
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise BuildError(
            target.parent,
            f"cannot write in the output folder: {exc.strerror or exc}",
            _HINT,
            "output.permission",
        ) from None
    part = _Part(handle, Path(handle.name))  # type: ignore[arg-type]
    try:
        with handle:
            yield part
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(part.path, 0o644)
    except OSError as exc:
        # A full disk or a folder removed under our feet: a user's problem, not a crash.
        part.path.unlink(missing_ok=True)
        raise write_error(target, exc) from exc
    except BaseException:
        part.path.unlink(missing_ok=True)
        raise


def write_error(target: Path, exc: OSError) -> BuildError:
    return BuildError(
        target, f"cannot write the file: {exc.strerror or exc}", _FULL_HINT, "output.write"
    )


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file; on success it replaces `target` in one rename.

    If anything fails (or the build is interrupted) the temporary file is removed and
    the file from the last good build stays as it was.
    """
    with _part(target) as part:
        yield part.handle
    try:
        os.replace(part.path, target)
    except OSError as exc:
        part.path.unlink(missing_ok=True)
        raise write_error(target, exc) from exc


class PartialCommit(BuildError):
    """Some editions were put in place and others not, and the old ones could not be put
    back: the closing message must not say that nothing was written."""


class Staging:
    """A build's editions, each written to a temporary file beside its target and put in
    place together by `commit`, once all are complete: a failed or interrupted build leaves
    every edition of the last good build as it was, never a mixed set."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temporary file, target)

    @contextlib.contextmanager
    def open(self, target: Path) -> Iterator[BinaryIO]:
        """A temporary file for `target`, kept (not renamed) when the block succeeds."""
        with _part(target) as part:
            yield part.handle
        self.staged.append((part.path, target))

    def adopt(self, temporary: Path, target: Path) -> None:
        """A file staged by another process of the build."""
        self.staged.append((temporary, target))

    def commit(self) -> list[Path]:
        """Put every staged file in place, or none: the old editions are kept (hard links,
        or copies) until all new ones are in place, and put back if one rename fails.
        The caller keeps signals from interrupting this (studyguide/interrupts.py)."""
        kept: dict[Path, Path] = {}  # target → its old edition, kept aside
        replaced: list[Path] = []
        try:
            for _, target in self.staged:
                if target.exists():
                    kept[target] = _keep_aside(target)
            for temporary, target in self.staged:
                os.replace(temporary, target)
                replaced.append(target)
        except OSError as exc:
            failed = next((t for _, t in self.staged if t not in replaced), self.staged[0][1])
            _put_back(replaced, kept, write_error(failed, exc))
            raise write_error(failed, exc) from exc
        finally:
            for old in kept.values():
                old.unlink(missing_ok=True)
        done = [target for _, target in self.staged]
        self.staged = []
        return done

    def discard(self) -> None:
        for temporary, _ in self.staged:
            temporary.unlink(missing_ok=True)
        self.staged = []


def _keep_aside(target: Path) -> Path:
    """A second name for the old edition, beside it: a hard link where the file system has
    them, else a copy."""
    aside = _part_name(target)
    try:
        os.link(target, aside)
    except OSError:
        shutil.copy2(target, aside)
    return aside


def _put_back(replaced: list[Path], kept: dict[Path, Path], error: BuildError) -> None:
    """Undo a commit that failed half-way: each replaced edition back as it was."""
    try:
        for target in reversed(replaced):
            if target in kept:
                os.replace(kept.pop(target), target)
            else:
                target.unlink()
    except OSError as exc:
        raise PartialCommit(
            error.where,
            f"{error.message}; and the editions already replaced could not be put back "
            f"({exc.strerror or exc}): the output folder holds new and old editions",
            "build again once the problem is fixed",
            "output.partial",
        ) from exc


def remove_stale_parts(out: Path) -> None:
    """Remove the temporary files of builds that were killed (SIGKILL, a power cut): only
    call it holding the output folder's lock, when no other build is writing there."""
    for folder in (out, out / ".cache"):
        with contextlib.suppress(OSError):
            for path in folder.iterdir():
                if _PART.match(path.name) and path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)


@contextlib.contextmanager
def output_lock(out: Path, progress: Progress) -> Iterator[bool]:
    """Hold the output folder's lock while a build writes there: two builds at once could
    mix their editions, or take each other's temporary files for stale ones. Yields whether
    the lock is held (a file system without locks builds without)."""
    try:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC  # never a link's target
        descriptor = os.open(out / LOCK_FILE, flags, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting for the other build writing in {out}")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


def has_editions(out: Path) -> bool:
    """Whether the output folder holds editions (of an earlier build)."""
    try:
        return any(
            p.suffix in EDITION_SUFFIXES and not p.name.startswith(".") for p in out.iterdir()
        )
    except OSError:
        return False


def closing_message(how: str, out: Path, error: BaseException | None = None) -> str:
    """The last line of a build that stopped (`how`: stopped, interrupted): true to what is
    in the output folder."""
    if isinstance(error, PartialCommit):
        return f"studyguide: {how}; some editions were replaced and others not (see above)"
    kept = ", the editions from the last good build are unchanged" if has_editions(out) else ""
    return f"studyguide: {how}; no edition was written{kept}"
