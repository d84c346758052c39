"""The book's typeface: find the installed font files, and subset them for the EPUB."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError

FAMILY = "Charis SIL"
# (style name for fontconfig, CSS weight, CSS style, file stem in the EPUB)
FACES = [
    ("Regular", "normal", "normal", "charis-regular"),
    ("Italic", "normal", "italic", "charis-italic"),
    ("Bold", "bold", "normal", "charis-bold"),
    ("Bold Italic", "bold", "italic", "charis-bold-italic"),
]
KNOWN_DIRS = [Path("/usr/share/fonts/truetype/charis"), Path("/usr/local/share/fonts")]
_INSTALL_HINT = "run `make setup` (it installs Debian's fonts-sil-charis)"


@dataclass(frozen=True)
class Face:
    path: Path
    weight: str
    style: str
    stem: str


def find_faces() -> list[Face]:
    """The four faces of the book's typeface, as installed on this machine."""
    faces: list[Face] = []
    for style_name, weight, style, stem in FACES:
        # Debian's place first: asking fontconfig costs a process per face.
        guess = f"CharisSIL-{style_name.replace(' ', '')}.ttf"
        path = next((d / guess for d in KNOWN_DIRS if (d / guess).is_file()), None)
        if path is None:
            path = _fontconfig_file(f"{FAMILY}:style={style_name}")
        if path is None:
            raise BuildError(
                None,
                f"the font {FAMILY} {style_name} is not installed",
                _INSTALL_HINT,
                "fonts.missing",
            )
        faces.append(Face(path, weight, style, stem))
    return faces


def _fontconfig_file(pattern: str) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    result = subprocess.run(
        ["fc-match", "-f", "%{family}\n%{file}", pattern],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.splitlines()
    if result.returncode or len(lines) < 2 or FAMILY not in lines[0]:
        return None
    return Path(lines[1])


def subset_font(face: Face, text: str) -> bytes:
    """The face cut down to the characters the book uses (plus printable ASCII)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    # Graphite tables (SIL's own shaping): e-readers use OpenType; fontTools cannot subset them.
    options.drop_tables += ["Silf", "Silt", "Sill", "Glat", "Gloc", "Feat"]
    options.recalc_timestamp = False  # the same input gives the same bytes
    font = TTFont(face.path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    characters = set(text) | {chr(c) for c in range(0x20, 0x7F)} | {"\u2010", "\u00ad"}
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def is_font(data: bytes) -> bool:
    """Whether `data` is a whole font that fontTools reads (a kept subset, checked)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=False, recalcTimestamp=False)
    font.ensureDecompiled()
    return "cmap" in font and "glyf" in font and len(font.getGlyphOrder()) > 1
