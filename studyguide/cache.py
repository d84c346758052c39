"""Build products kept between runs under <out>/.cache, keyed by a digest of their inputs.

An unchanged input never costs twice: the page map (one WeasyPrint layout), the EPUB's
font subsets and its cover image are looked up here before they are made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from studyguide.errors import BuildError
from studyguide.output import atomic_output

CACHE_DIR = ".cache"


def digest(parts: Iterable[bytes | str]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()[:32]


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
