"""A figure's image file: named inside the book's images/ folder, read as the trust rules
say, its kind told by its bytes, its size checked; an SVG checked by svgcheck.py.

Nothing is fetched: a remote image is refused before anything is opened. A PNG or JPEG is
measured from its header before a pixel is decoded (a small file can declare a huge
picture: a decompression bomb), then decoded once to prove it is whole.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path, PurePosixPath

from studyguide.errors import BuildError, SourceRef
from studyguide.model import Image
from studyguide.sources.files import IMAGES_DIR
from studyguide.sources.svgcheck import check_svg
from studyguide.sources.trust import read_source_bytes

MAX_IMAGE_BYTES = 5_000_000  # a figure's file; an A4 page's photograph at 300 dpi is less
MAX_SIDE = 10_000  # pixels, either side of a PNG or a JPEG
MAX_PIXELS = 30_000_000  # pixels in all (about 120 MB decoded): past it, a bomb or a mistake
KINDS = {  # suffix → media type; the bytes must say the same
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXPORT = "export it again as a PNG or JPEG"
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")
_HINT = (
    "put the picture in the book's images/ folder and give its path from the book's "
    'folder: ![What it shows](images/map.svg "Caption")'
)


def reference_problem(src: str, root: Path) -> tuple[str, str, str] | None:
    """What is wrong with how a figure names its file, before anything is opened: (message,
    code, hint), or None."""
    shown = src if len(src) <= 80 else src[:79] + "…"
    if _SCHEME.match(src) and not src.lower().startswith("data:"):
        return (
            f"image '{shown}' is not allowed: it is remote, and the build never fetches "
            "anything from the network",
            "markdown.remote",
            "save the picture in the book's images/ folder and name it there: "
            "![What it shows](images/….png)",
        )
    if src.lower().startswith("data:"):
        return (f"image '{shown}' is written into the chapter (a data: URL)", "figure.path", _HINT)
    path = PurePosixPath(src)
    parts = path.parts
    if (
        not parts
        or parts[0] != IMAGES_DIR
        or len(parts) < 2
        or ".." in parts
        or "?" in src
        or "#" in src
    ):
        where = (
            "outside the book's folder"
            if ".." in parts or src.startswith("/")
            else ("not in the book's images/ folder")
        )
        return (f"image '{shown}' is {where}", "figure.path", _HINT)
    if not all(_NAME.fullmatch(part) for part in parts):
        return (
            f"image '{shown}': a file name of a figure may hold letters, digits, '-', '_' "
            "and '.' only",
            "figure.path",
            "rename the file (no spaces or accents: e-readers differ in what they accept)",
        )
    if path.suffix.lower() not in KINDS:
        return (
            f"image '{shown}' is of a kind the editions cannot carry "
            f"('{path.suffix or 'no suffix'}')",
            "figure.format",
            "use an SVG drawing (.svg), a PNG (.png) or a JPEG (.jpg): every e-reader shows them",
        )
    return None


def _sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE")) and b"<svg" in data[:65536]:
        return "image/svg+xml"
    return ""


def _raster_size(data: bytes, kind: str, path: Path, where: SourceRef) -> tuple[float, float]:
    """A PNG's or JPEG's size in pixels, checked before and by decoding it."""
    from PIL import Image as PILImage

    def refused(message: str, hint: str, code: str = "figure.size") -> BuildError:
        return BuildError(where, f"image '{path.as_posix()}' {message}", hint, code)

    limits = f"the limit of {MAX_SIDE:,} a side and {MAX_PIXELS:,} in all"
    hint = "scale it down: 2,500 pixels across print a full A4 measure at 300 dpi"
    try:
        formats = ["PNG" if kind == "image/png" else "JPEG"]
        with warnings.catch_warnings():  # (Pillow's own warning: ours is the error below)
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            picture = PILImage.open(io.BytesIO(data), formats=formats)
        width, height = picture.size
    except PILImage.DecompressionBombError:
        raise refused(
            f"declares more than {2 * PILImage.MAX_IMAGE_PIXELS:,} pixels, past {limits}",
            hint,
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise refused(f"cannot be read: {exc}", _EXPORT, "figure.format") from None
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise refused(f"declares {width:,} × {height:,} pixels, more than {limits}", hint)
    try:
        picture.load()  # within the limits: decoded once, to prove it whole
    except (OSError, ValueError, SyntaxError) as exc:
        raise refused(f"is damaged: {exc}", _EXPORT, "figure.format") from None
    return float(width), float(height)


def read_image(root: Path, src: str, where: SourceRef) -> Image:
    """The image `src` names (from the book's folder), read and checked; our error, at
    `where`, if it may not or cannot be a figure."""
    problem = reference_problem(src, root)
    if problem is not None:
        raise BuildError(where, problem[0], problem[2], problem[1])
    path = root / src
    if not path.exists() and not path.is_symlink():
        raise BuildError(
            where,
            f"image '{src}' does not exist",
            "check the name (it is case-sensitive) and that the file is in the book's images/ "
            "folder",
            "figure.missing",
        )
    try:
        data = read_source_bytes(root, path, MAX_IMAGE_BYTES)
    except BuildError as error:  # a link out, a FIFO, too large: said of the image
        hint = error.hint
        if error.code == "source.size":
            hint = "make the picture smaller: a PNG of fewer pixels, a JPEG of lower quality"
        raise BuildError(where, f"image '{src}': {error.message}", hint, error.code) from None
    kind = _sniff(data)
    expected = KINDS[PurePosixPath(src).suffix.lower()]
    if kind != expected:
        said = {"image/png": "a PNG", "image/jpeg": "a JPEG", "image/svg+xml": "an SVG"}
        raise BuildError(
            where,
            f"image '{src}' is named as {said[expected]} but is "
            + (said[kind] if kind else "not a picture the editions can carry"),
            "give the file the suffix of what it is, or export it again as SVG, PNG or JPEG",
            "figure.format",
        )
    if kind == "image/svg+xml":
        width, height = check_svg(data, path, f"(used at {where.display(root)})")
    else:
        width, height = _raster_size(data, kind, Path(src), where)
    return Image(src, kind, data, width, height)
