"""The date the editions carry: the sources' own date, so that a rebuild gives the same bytes.

`SOURCE_DATE_EPOCH` if set (checked before any work); else the last commit's date, when the
sources are as committed; else the newest source file's. Git is run so that nothing the
book's folder configures runs with it: a book's `.git/config` can name programs (an
fsmonitor hook, clean filters, a signature checker) that `git status` or `git log` would
start. Only `git log` (signatures off) and `git ls-tree` run, with hooks and fsmonitor
switched off, and whether a file is as committed is decided here, by its blob hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
from pathlib import Path

from studyguide.errors import BuildError
from studyguide.sources.files import source_paths
from studyguide.sources.trust import read_source_bytes

EPOCH_VARIABLE = "SOURCE_DATE_EPOCH"
# 9999-12-31T23:59:59Z: the last second a four-digit year can write.
MAX_EPOCH = 253_402_300_799
_GIT = (
    "git",
    "--no-pager",
    "--literal-pathspecs",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "log.showSignature=false",
    "-c",
    "core.untrackedCache=false",
)


def epoch_date() -> dt.datetime | None:
    """The date SOURCE_DATE_EPOCH gives, None if it is unset or empty; our error if it is
    not a whole number of seconds a date can be written for."""
    raw = os.environ.get(EPOCH_VARIABLE, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", raw) or int(raw) > MAX_EPOCH:
        shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in raw[:40])
        raise BuildError(
            None,
            f"{EPOCH_VARIABLE} is '{shown}{'…' if len(raw) > 40 else ''}', not a whole "
            f"number of seconds from 0 to {MAX_EPOCH} (the end of the year 9999)",
            "unset it, or set it to a Unix time such as 1160006400 (digits 0-9 only)",
            "usage.epoch",
        )
    return dt.datetime.fromtimestamp(int(raw), dt.UTC)


def build_date(root: Path) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set; else the last commit's date if the sources are as
    committed; else the newest source file's."""
    stamp = epoch_date()
    if stamp is not None:
        return stamp
    paths = source_paths(root)
    newest = max((int(p.stat().st_mtime) for p in paths), default=0)
    committed = _commit_time(root)
    if committed is not None and all(_as_committed(root, paths)):
        return dt.datetime.fromtimestamp(committed, dt.UTC)
    return dt.datetime.fromtimestamp(newest, dt.UTC)


def _git(root: Path, *args: str) -> str | None:
    """Git's output, or None if git is missing, fails or is not asked about a repository."""
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        run = subprocess.run(
            [*_GIT, "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
            env=environment,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return run.stdout if run.returncode == 0 else None


def _commit_time(root: Path) -> int | None:
    out = _git(root, "log", "-1", "--no-show-signature", "--format=%ct", "--", ".")
    text = (out or "").strip()
    return int(text) if text.isdigit() else None


def _as_committed(root: Path, paths: list[Path]) -> list[bool]:
    """For each path, whether its bytes are those of HEAD's blob of the same name."""
    names = [path.relative_to(root).as_posix() for path in paths]
    listing = _git(root, "ls-tree", "-r", "-z", "HEAD", "--", *names)
    if listing is None:
        return [False]
    committed: dict[str, str] = {}
    for entry in filter(None, listing.split("\0")):
        info, _, name = entry.partition("\t")
        committed[name] = info.split()[-1]
    found = []
    for path, name in zip(paths, names, strict=True):
        blob = committed.get(name, "")
        data = read_source_bytes(root, path)
        algorithm = hashlib.sha256 if len(blob) == 64 else hashlib.sha1
        found.append(algorithm(b"blob %d\0" % len(data) + data).hexdigest() == blob)
    return found
