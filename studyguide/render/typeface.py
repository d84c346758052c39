"""The book's typeface: its installed faces (through fontconfig), the characters it covers, and
subsets of it for the EPUB."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from studyguide.errors import BuildError, SourceRef
from studyguide.model import Book

_INSTALL_HINT = (
    "install it, or name an installed family in book.toml (`fc-list : family` lists them); "
    "the default, Charis SIL, is Debian's fonts-sil-charis (`make setup` installs it)"
)
# (CSS weight, CSS style) of the four faces a book uses; a missing one falls back to regular.
STYLES = (("normal", "normal"), ("normal", "italic"), ("bold", "normal"), ("bold", "italic"))


@dataclass(frozen=True)
class Face:
    path: Path
    weight: str  # CSS font-weight: normal, bold
    style: str  # CSS font-style: normal, italic
    stem: str  # its file name in the EPUB, without .ttf
    index: int = 0  # the face's number in a font collection (.ttc)


def _slug(family: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", family.lower())) or "font"


@cache
def _installed(family: str) -> tuple[tuple[str, int, int, int, str], ...]:
    """(style, weight, slant, index, file) of each installed face of `family`."""
    if shutil.which("fc-list") is None:
        return ()
    result = subprocess.run(
        ["fc-list", "--format", "%{family}|%{style}|%{weight}|%{slant}|%{index}|%{file}\n", family],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    faces = []
    for line in result.stdout.splitlines():
        parts = line.split("|")
        if len(parts) != 6 or family not in [f.strip() for f in parts[0].split(",")]:
            continue
        try:
            weight, slant, index = int(parts[2]), int(parts[3]), int(parts[4])
        except ValueError:
            continue
        faces.append((parts[1], weight, slant, index, parts[5]))
    return tuple(sorted(faces, key=lambda f: (f[4], f[3])))


def find_faces(family: str, where: SourceRef | None = None) -> list[Face]:
    """The book's regular, italic, bold and bold italic faces, as installed here."""
    installed = _installed(family)
    if not installed:
        raise BuildError(
            where, f"the typeface '{family}' is not installed", _INSTALL_HINT, "typeface.missing"
        )
    faces = []
    for weight, style in STYLES:
        wanted_weight = 200 if weight == "bold" else 80  # fontconfig: regular 80, bold 200
        candidates = [f for f in installed if (f[2] > 0) == (style == "italic")] or list(installed)
        best = min(candidates, key=lambda f: (abs(f[1] - wanted_weight), f[4]))
        stem = f"{_slug(family)}-{'bold' if weight == 'bold' else 'regular'}"
        stem += "-italic" if style == "italic" else ""
        faces.append(Face(Path(best[4]), weight, style, stem, best[3]))
    return faces


@cache
def covered(path: Path, index: int = 0) -> frozenset[int]:
    """The code points a face has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _uncovered(text: str, faces: list[Face]) -> Iterable[tuple[int, str]]:
    have = covered(faces[0].path, faces[0].index)
    for index, char in enumerate(text):
        if ord(char) in have or char.isspace() or ord(char) < 0x20:
            continue
        # Format characters (the bidi isolates a Hebrew name in an English title needs, the
        # joiners, the soft hyphen) are not drawn: they need no glyph.
        if unicodedata.category(char) != "Cf":
            yield index, char


def coverage_errors(book: Book, faces: list[Face], texts: dict[Path, str]) -> list[BuildError]:
    """A character of the sources that the typeface cannot show: where it first is, in each
    file (a reader would otherwise see it in some other font, or as a box)."""
    errors = []
    for path, text in texts.items():
        seen: set[str] = set()
        for index, char in _uncovered(text, faces):
            if char in seen:
                continue
            seen.add(char)
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
            errors.append(
                BuildError(
                    SourceRef(path, line, column),
                    f"the typeface {book.meta.typeface} has no glyph for '{char}' "
                    f"(U+{ord(char):04X})",
                    "set a typeface that covers it in book.toml (typeface = …), or remove "
                    "the character",
                    "typeface.coverage",
                )
            )
    return errors


# What a subset keeps of the face's OpenType layout, and the tables it drops: Graphite's
# (SIL's own shaping), which e-readers do not use (they shape with OpenType).
SUBSET_FEATURES = ("kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk")
GRAPHITE_TABLES = ("Silf", "Silt", "Sill", "Glat", "Gloc", "Feat")


def subset_font(face: Face, text: str) -> bytes:
    """The face cut down to the characters the book uses (plus printable ASCII): by
    HarfBuzz's subsetter (hbsubset.py), or by fontTools' where that library is missing."""
    from studyguide.render import hbsubset

    characters = set(text) | {chr(c) for c in range(0x20, 0x7F)} | {"\u2010", "\u00ad"}
    made = hbsubset.subset(
        face.path.read_bytes(), face.index, characters, SUBSET_FEATURES, GRAPHITE_TABLES
    )
    return made if made is not None else _fonttools_subset(face, characters)


def _fonttools_subset(face: Face, characters: set[str]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = list(SUBSET_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += list(GRAPHITE_TABLES)  # (fontTools cannot subset them)
    options.recalc_timestamp = False  # the same input gives the same bytes
    font = TTFont(face.path, fontNumber=face.index, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def check_book(book: Book) -> list[Face]:
    """The book's faces, once the typeface is found and covers every character of the
    sources; every character it lacks is an error, at its first place in each file."""
    from studyguide.errors import ErrorCollector
    from studyguide.sources.files import displayed_sources
    from studyguide.sources.tomlfile import locate

    meta_text = book.meta.path.read_text(encoding="utf-8") if book.meta.path.is_file() else ""
    where = SourceRef(book.meta.path, locate(meta_text).get(("typeface",), 0))
    faces = find_faces(book.meta.typeface, where)
    errors = ErrorCollector()
    errors.errors.extend(coverage_errors(book, faces, displayed_sources(book.root)))
    errors.raise_if_any()
    return faces


def is_font(data: bytes) -> bool:
    """Whether `data` is a whole font that fontTools reads (a kept subset, checked)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=False, recalcTimestamp=False)
    font.ensureDecompiled()
    return "cmap" in font and "glyf" in font and len(font.getGlyphOrder()) > 1
