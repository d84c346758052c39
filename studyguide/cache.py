"""Build products kept between runs under <out>/.cache, keyed by a digest of their inputs.

An unchanged input never costs twice: the page map (one WeasyPrint layout), the EPUB's
font subsets and its cover image are looked up here before they are made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

from studyguide import __version__
from studyguide.errors import BuildError
from studyguide.output import atomic_output

CACHE_DIR = ".cache"


def digest(parts: Iterable[bytes | str]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()[:32]


def _package_files() -> list[tuple[str, bytes]]:
    """The package's code, templates and styles: a change to any may change an edition."""
    found: list[tuple[str, bytes]] = []

    def walk(folder: object, prefix: str) -> None:
        for item in sorted(folder.iterdir(), key=lambda i: i.name):  # type: ignore[attr-defined]
            if item.is_dir() and item.name != "__pycache__":
                walk(item, f"{prefix}{item.name}/")
            elif item.name.endswith((".py", ".j2", ".css")):
                found.append((prefix + item.name, item.read_bytes()))

    walk(resources.files("studyguide"), "")
    return found


def inputs_digest(root: Path, *extra: str) -> str:
    """A digest of the book's sources, the package, and `extra` (the options that matter)."""
    from studyguide.sources.files import source_paths

    parts: list[bytes | str] = [__version__, *extra]
    for path in source_paths(root):
        parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    for name, data in _package_files():
        parts += [name, data]
    return digest(parts)


def entry(out: Path, kind: str, key: str, suffix: str = "") -> Path:
    return out / CACHE_DIR / f"{kind}.{key}{suffix}"


def read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def write(path: Path, data: bytes) -> None:
    """Store `data`, and drop older entries of the same kind: they are stale."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        kind = path.name.split(".", 1)[0]
        for old in path.parent.glob(f"{kind}.*"):
            if old != path and not old.name.endswith(".part"):
                old.unlink(missing_ok=True)
    except OSError as exc:
        raise BuildError(
            path.parent,
            f"cannot keep the build cache here: {exc.strerror}",
            f"remove or rename what stands at {path.parent}; the build recreates it",
            "output.cache",
        ) from None
    with atomic_output(path) as handle:
        handle.write(data)


def get_or_make(path: Path, make: Callable[[], bytes]) -> bytes:
    data = read(path)
    if data is None:
        data = make()
        write(path, data)
    return data
