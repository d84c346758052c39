"""pydyf (0.13) compresses each stream of a PDF (a page's drawing, a font, an object stream)
at zlib's level 9; here at level 6, zlib's own default. An A4 build of the default book
compresses 11.9 MB of streams: 0.57 CPU-s at level 9, 0.23 at level 6, for streams 1.2 %
larger (2.32 → 2.35 MB). The PDF is the same but for those bytes.

The check that the code it changes is the version it was written for is in
patches/__init__.py's way: a digest of `Stream.data`'s source, which asks for level 9.
"""

from __future__ import annotations

import types
import zlib
from typing import Any

from studyguide.layout.patches import log, source_digest

LEVEL = 6
# The digest of pydyf 0.13.0's Stream.data, which calls zlib.compressobj(level=9).
_EXPECTED = "bdc2bc513f286de7"


def _compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
    return zlib.compressobj(LEVEL, *args, **kwargs)


# What pydyf sees as `zlib`: the module's compress, and compressobj at LEVEL.
_ZLIB = types.SimpleNamespace(compress=zlib.compress, compressobj=_compressobj)


def apply() -> list[str]:
    """pydyf's streams compressed at LEVEL; the names of the patches applied."""
    import pydyf

    if pydyf.zlib is _ZLIB:
        return ["compression"]
    if source_digest(pydyf.Stream.data.fget) != _EXPECTED:
        log.warning(
            "studyguide: pydyf %s is not the version the compression patch was written for; "
            "the patch is skipped (the same PDF, compressed harder, more slowly): install "
            "from requirements.lock",
            pydyf.__version__,
        )
        return []
    pydyf.zlib = _ZLIB
    return ["compression"]
