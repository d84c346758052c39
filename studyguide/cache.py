"""Build products kept between runs under <out>/.cache, keyed by a digest of their inputs.

An unchanged input never costs twice: the page map (one WeasyPrint layout), the EPUB's
font subsets and its cover image are looked up here before they are made. Nothing read
here is trusted: each entry carries the SHA-256 of its content, and the caller checks
what the content must be (a font that fontTools opens, a PNG that Pillow decodes, a page
map of the right shape). An entry that fails either check is made again, never used.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

from studyguide import __version__
from studyguide.errors import BuildError
from studyguide.output import atomic_output

CACHE_DIR = ".cache"
# Each entry: this line, then its content. A truncated or changed entry fails the digest.
_HEADER = b"studyguide-cache sha256:"
_DIGEST_LENGTH = 64
# The largest entry read back: far above a font subset, a cover or a long book's page map.
MAX_ENTRY_BYTES = 64_000_000

Check = Callable[[bytes], bool]

# What get_or_make made in this process, by entry name (its kind and digest say what it
# holds, whatever the folder): a process that builds books one after another (the preview,
# the tests' in-process builds) draws a cover or cuts a font subset once, and still keeps
# each entry in each folder. The most recent few only.
_MADE: OrderedDict[str, bytes] = OrderedDict()
_MADE_MOST = 32


def digest(parts: Iterable[bytes | str]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()[:32]


def package_files() -> list[tuple[str, bytes]]:
    """The package's code, templates, styles and words (labels/*.toml): a change to any may
    change an edition."""
    found: list[tuple[str, bytes]] = []

    def walk(folder: object, prefix: str) -> None:
        for item in sorted(folder.iterdir(), key=lambda i: i.name):  # type: ignore[attr-defined]
            if item.is_dir() and item.name != "__pycache__":
                walk(item, f"{prefix}{item.name}/")
            elif item.name.endswith((".py", ".j2", ".css", ".toml")):
                found.append((prefix + item.name, item.read_bytes()))

    walk(resources.files("studyguide"), "")
    return found


def inputs_digest(root: Path, *extra: str) -> str:
    """A digest of the book's sources, the package, and `extra` (the options that matter)."""
    from studyguide.sources.files import source_paths
    from studyguide.sources.trust import read_source_bytes

    parts: list[bytes | str] = [__version__, *extra]
    for path in source_paths(root):
        parts += [path.relative_to(root).as_posix(), read_source_bytes(root, path)]
    for name, data in package_files():
        parts += [name, data]
    return digest(parts)


def entry(out: Path, kind: str, key: str, suffix: str = "") -> Path:
    return out / CACHE_DIR / f"{kind}.{key}{suffix}"


def _read_regular(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file (not a link, FIFO or device) of at most
    MAX_ENTRY_BYTES: the output folder may be the book's, and the book is not trusted."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = handle.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
    return data if len(data) <= MAX_ENTRY_BYTES else None


def read(path: Path, check: Check | None = None) -> bytes | None:
    """An entry's content, if its digest matches and it passes `check`; else None."""
    raw = _read_regular(path)
    if raw is None or not raw.startswith(_HEADER):
        return None
    start = len(_HEADER)
    stored = raw[start : start + _DIGEST_LENGTH]
    data = raw[start + _DIGEST_LENGTH + 1 :]
    if raw[start + _DIGEST_LENGTH : start + _DIGEST_LENGTH + 1] != b"\n":
        return None
    if hashlib.sha256(data).hexdigest().encode("ascii") != stored:
        return None
    try:
        return data if check is None or check(data) else None
    except Exception:  # a check of bytes that are not what they should be may raise anything
        return None


def write(path: Path, data: bytes) -> None:
    """Store `data` with its digest, and drop older entries of the same kind: they are stale."""
    folder = path.parent
    try:
        if folder.is_symlink():
            raise OSError(0, "it is a link")  # entries are written only inside the output folder
        folder.mkdir(parents=True, exist_ok=True)
        kind = path.name.split(".", 1)[0]
        for old in folder.glob(f"{kind}.*"):
            if old != path and not old.name.endswith(".part"):
                old.unlink(missing_ok=True)
    except OSError as exc:
        raise BuildError(
            folder,
            f"cannot keep the build cache here: {exc.strerror}",
            f"remove or rename what stands at {folder}; the build recreates it",
            "output.cache",
        ) from None
    with atomic_output(path) as handle:
        handle.write(_HEADER + hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data)


def get_or_make(path: Path, make: Callable[[], bytes], check: Check | None = None) -> bytes:
    """The kept entry if it is sound, else `make()`'s result, kept for the next build."""
    data = read(path, check)
    if data is None:
        data = _MADE.get(path.name)
        if data is None:
            data = _MADE[path.name] = make()
            while len(_MADE) > _MADE_MOST:
                _MADE.popitem(last=False)
        _MADE.move_to_end(path.name)
        write(path, data)
    return data
