"""What every patch of WeasyPrint and pydyf here shares: the check that the code it replaces
is the version it was written for (a digest of its source; pyproject.toml pins the
versions), and a warning, not a failure, where it is not."""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("studyguide")


def source_digest(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def wrap_checked(
    module: Any, name: str, wrap: Callable[[Any], Any], expected: str, patch: str
) -> bool:
    """Replace WeasyPrint's `module.name` by `wrap` of it, if it is the version `expected`
    (or wrapped already); else leave it, with a warning. Whether it is wrapped."""
    function = getattr(module, name)
    if getattr(function, "_studyguide", False):
        return True
    if source_digest(function) != expected:
        log.warning(
            "studyguide: WeasyPrint's %s is not the version the %s patch was written "
            "for; the patch is skipped: install from requirements.lock",
            name,
            patch,
        )
        return False
    setattr(module, name, wrap(function))
    return True
