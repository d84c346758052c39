"""Write safely: to a temporary file (or folder) beside the target, renamed into place when
complete; a build's editions all together, once every one of them is complete."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
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
    """A build's editions, each written to a temporary file (or folder) beside its target
    and put in place together by `commit`, once all are complete: a failed or interrupted
    build leaves every edition of the last good build as it was, never a mixed set."""

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

    @contextlib.contextmanager
    def open_folder(self, target: Path) -> Iterator[Path]:
        """An empty temporary folder for `target`, kept (not renamed) when the block succeeds."""
        try:
            temporary = Path(
                tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            )
        except OSError as exc:
            raise BuildError(
                target.parent,
                f"cannot write in the output folder: {exc.strerror or exc}",
                _HINT,
                "output.permission",
            ) from None
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
        for temporary, target in self.staged:
            try:
                if temporary.is_dir():
                    replace_folder(temporary, target)
                else:
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
            if temporary.is_dir():
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
        self.staged = []
        for target in self.opening:  # this process's own, by the process id in the name
            for leftover in target.parent.glob(f"{_prefix(target)}*.part"):
                leftover.unlink(missing_ok=True)
        self.opening = []


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
