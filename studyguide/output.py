"""Write an edition safely: to a temporary file beside the target, renamed when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from studyguide.errors import BuildError


def prepare_output_dir(out: Path) -> Path:
    """Create the output folder, or say clearly why it cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(
            out,
            f"cannot create the output folder: {exc.strerror}",
            "choose another folder with --out, or fix its permissions",
            "output.create",
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BuildError(
            out,
            "the output folder cannot be written",
            "choose another folder with --out, or fix its permissions",
            "output.permission",
        )
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
            f"cannot write in the output folder: {exc.strerror}",
            "choose another folder with --out, or fix its permissions",
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
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
