"""The trust rules for a book's folder: only regular files inside it are read, each up to a limit.

A book folder is untrusted input. A chapter that is a symbolic link to /etc/passwd, a FIFO
that never ends, a device that never stops giving bytes: each is refused before any byte of
it is read, with an error naming the file. Links that stay inside the book are followed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from studyguide.errors import BuildError

# Sources are hand-written prose: anything bigger is a mistake, not a chapter.
MAX_SOURCE_BYTES = 2_000_000

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is: "a folder", "a FIFO (named pipe)", …"""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def not_a_file_error(path: Path, mode: int) -> BuildError:
    return BuildError(
        path,
        f"the book's sources are regular files, and this is {kind_of(mode)}",
        "replace it with a text file, or remove it",
        "source.not-a-file",
    )


def outside_error(path: Path, what: str = "file") -> BuildError:
    return BuildError(
        path,
        f"this {what} is a link to a {what} outside the book's folder",
        f"copy the {what} into the book's folder instead of linking to it",
        "source.outside",
    )


def read_error(path: Path, exc: OSError | RuntimeError) -> BuildError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a loop of links"
    return BuildError(path, f"cannot read the file: {reason}", code="source.read")


def _size_error(path: Path, size: int, limit: int) -> BuildError:
    return BuildError(
        path,
        f"the file is {size:,} bytes, more than the limit of {limit:,}",
        "split it into smaller files",
        "source.size",
    )


def resolve_inside(root: Path, path: Path, what: str = "file") -> Path:
    """`path` with every link followed, if that stays inside the book's folder `root`."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise read_error(path, exc) from None
    if not real.is_relative_to(root.resolve()):
        raise outside_error(path, what)
    return real


def read_source_bytes(root: Path, path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of `path`, a regular file inside the book's folder `root`, of at most `limit`
    bytes; a BuildError naming the file otherwise. Nothing else is opened: opening a device
    can have effects of its own, and a FIFO would block."""
    real = resolve_inside(root, path)
    try:
        mode = os.stat(real).st_mode
        if not stat.S_ISREG(mode):
            raise not_a_file_error(path, mode)
        # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO since is not followed
        # or waited on, and fstat below refuses it.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        descriptor = os.open(real, flags)
    except OSError as exc:
        raise read_error(path, exc) from None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise not_a_file_error(path, status.st_mode)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise read_error(path, exc) from None
    if len(data) > limit:
        raise _size_error(path, max(status.st_size, len(data)), limit)
    return data


def check_source(root: Path, path: Path, limit: int = MAX_SOURCE_BYTES) -> None:
    """Refuse `path` unless it is a regular file inside the book of at most `limit` bytes
    (for a file another module reads: book.toml)."""
    real = resolve_inside(root, path)
    try:
        status = os.stat(real)
    except OSError as exc:
        raise read_error(path, exc) from None
    if not stat.S_ISREG(status.st_mode):
        raise not_a_file_error(path, status.st_mode)
    if status.st_size > limit:
        raise _size_error(path, status.st_size, limit)


def is_regular_inside(root: Path, path: Path) -> bool:
    """Whether `path` is a regular file inside the book's folder (links followed)."""
    try:
        real = path.resolve(strict=True)
        return real.is_relative_to(root.resolve()) and stat.S_ISREG(os.stat(real).st_mode)
    except (OSError, RuntimeError):
        return False


def url_refusal(url: str, root: Path, max_bytes: int) -> str:
    """Why a layout may not read `url`, or "" if it may: a `data:` URL of at most `max_bytes`,
    or a `file:` URL of a regular file inside the book's folder (links followed). Anything
    else (`http:`, `https:`, every other scheme) is refused before any connection is made.
    A relative URL is read from the book's folder. (The print layout's fetcher and the
    check of the EPUB's and the web edition's stylesheets both go by this rule.)"""
    url = urljoin(root.resolve().as_uri() + "/", url.strip())
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "data":
        return f"data URL larger than {max_bytes:,} bytes" if len(url) > max_bytes else ""
    if scheme != "file":
        return "not a file in the book's folder; nothing is fetched remotely"
    try:
        path = Path(unquote(urlparse(url).path)).resolve()
    except (OSError, RuntimeError):
        return "the path cannot be resolved"
    if not path.is_relative_to(root.resolve()):
        return f"outside the book's folder {root.resolve()}"
    return "" if path.is_file() else "no such file"
