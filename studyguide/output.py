"""Write safely: to a temporary file (or folder) beside the target, renamed into place when
complete; a build's editions all together, once every one of them is complete, or none of
them."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import secrets
import shutil
import sys
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


def _cannot_write_in(target: Path, exc: OSError) -> BuildError:
    return BuildError(
        target.parent,
        f"cannot write in the output folder: {exc.strerror or exc}",
        _HINT,
        "output.permission",
    )


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
        raise _cannot_write_in(target, exc) from None
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
    """A build's editions, each written to a temporary file (or folder) beside its target
    and put in place together by `commit`, once all are complete: a failed or interrupted
    build leaves every edition of the last good build as it was, never a mixed set."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temporary file, target)

    @contextlib.contextmanager
    def open(self, target: Path) -> Iterator[BinaryIO]:
        """A temporary file for `target`, kept (not renamed) when the block succeeds."""
        with _part(target) as part:
            yield part.handle
        self.staged.append((part.path, target))

    @contextlib.contextmanager
    def open_folder(self, target: Path) -> Iterator[Path]:
        """An empty temporary folder for `target`, kept (not renamed) when the block succeeds."""
        try:
            temporary = Path(
                tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            )
        except OSError as exc:
            raise _cannot_write_in(target, exc) from None
        try:
            yield temporary
            os.chmod(temporary, 0o755)
        except OSError as exc:
            shutil.rmtree(temporary, ignore_errors=True)
            raise BuildError(
                target,
                f"cannot write the folder: {exc.strerror or exc}",
                "free some space, or choose another folder with --out",
                "output.write",
            ) from exc
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        self.staged.append((temporary, target))

    def adopt(self, temporary: Path, target: Path) -> None:
        """A file staged by another process of the build."""
        self.staged.append((temporary, target))

    def commit(self) -> list[Path]:
        """Put every staged edition in place, or none: the old editions are kept (hard links,
        or copies) until all new ones are in place, and put back if one rename fails. A
        folder (the web edition) is swapped in last, whole.
        The caller keeps signals from interrupting this (studyguide/interrupts.py)."""
        kept: dict[Path, Path] = {}  # target → its old edition, kept aside
        replaced: list[Path] = []
        staged = sorted(self.staged, key=lambda pair: pair[0].is_dir())  # folders last
        try:
            for temporary, target in staged:
                if target.exists() and not temporary.is_dir():
                    kept[target] = _keep_aside(target)
            for temporary, target in staged:
                if temporary.is_dir():
                    replace_folder(temporary, target)
                else:
                    os.replace(temporary, target)
                replaced.append(target)
        except OSError as exc:
            failed = next((t for _, t in staged if t not in replaced), staged[0][1])
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
            if temporary.is_dir():
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
        self.staged = []


def replace_folder(temporary: Path, target: Path, swap: bool = True) -> None:
    """Put the complete folder `temporary` at `target`, in place of the folder there.

    Where the system can exchange two names in one step (Linux's renameat2), a reader of
    `target` sees the old folder or the new one, never none; elsewhere (or with
    swap=False) the old folder is moved aside first. The old folder is removed after.
    """
    if not os.path.lexists(target):
        os.rename(temporary, target)
        return
    if not target.is_dir() or target.is_symlink():
        raise NotADirectoryError(errno.ENOTDIR, "a file stands where the folder goes", str(target))
    if swap and _exchange(temporary, target):
        shutil.rmtree(temporary)  # it holds the old folder now
        return
    aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
    os.rename(target, aside / target.name)
    os.rename(temporary, target)
    shutil.rmtree(aside)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step; False where the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library older than glibc 2.28
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(second))


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
                if not _PART.match(path.name) or path.is_symlink():
                    continue
                if path.is_dir():  # a folder edition's (the web edition)
                    shutil.rmtree(path, ignore_errors=True)
                elif path.is_file():
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
            not p.name.startswith(".")
            and (p.suffix in EDITION_SUFFIXES or (p.is_dir() and p.name.endswith("-web")))
            for p in out.iterdir()
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
