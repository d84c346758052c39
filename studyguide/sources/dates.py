"""The date the editions carry: the sources' own date, so that a rebuild gives the same bytes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from studyguide.errors import BuildError
from studyguide.sources.files import source_paths


def build_date(root: Path) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set; else the last commit's date; else the newest source file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise BuildError(
                None,
                f"SOURCE_DATE_EPOCH is '{epoch}', not a number of seconds",
                "unset it, or set it to a Unix time such as 1160006400",
                "usage.epoch",
            )
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    paths = source_paths(root)
    newest = max(int(p.stat().st_mtime) for p in paths)
    try:
        committed = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", "."],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
        if committed.isdigit():
            # Uncommitted edits are newer than the last commit: they date the build.
            dirty = subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain", "--", *map(str, paths)],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            ).stdout.strip()
            return dt.datetime.fromtimestamp(newest if dirty else int(committed), dt.UTC)
    except (OSError, subprocess.SubprocessError):
        pass
    return dt.datetime.fromtimestamp(newest, dt.UTC)
