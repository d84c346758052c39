"""The EPUB's cover image, drawn from the book's metadata in the book's typeface."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from studyguide.model import Book
from studyguide.render.typeface import Face
from studyguide.render.views import BookView

WIDTH, HEIGHT = 1600, 2560
BACKGROUND = (122, 28, 22)  # tin-oxide red
INK = (250, 244, 232)
RULE = (214, 170, 96)


# The most lines each text may take: a title of any length still leaves room for the rest.
TITLE_LINES, SUBTITLE_LINES, FOOTER_LINES = 6, 5, 1
_ELLIPSIS = "…"


def _longest_fitting(draw: Any, text: str, font: Any, width: int) -> int:
    """How many leading characters of `text` (at least one) fit in `width`."""
    low, high = 1, min(len(text), 400)  # no line of the cover holds more
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(text[:middle], font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _wrap(draw: Any, text: str, font: Any, width: int, most: int) -> list[str]:
    """`text` in lines of at most `width`, at most `most` of them: a word wider than a line
    is broken, and text that does not fit ends in an ellipsis. (Pillow draws a line as one
    bitmap: an unbroken 100,000-character title would be a decompression bomb.)"""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while word:
            if len(lines) == most:  # more to place, and no room: end in an ellipsis
                return _ended(draw, lines, font, width)
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) <= width:
                line, word = candidate, ""
            elif line:
                lines.append(line)
                line = ""
            else:
                cut = _longest_fitting(draw, word, font, width)
                lines.append(word[:cut])
                word = word[cut:]
    if line:
        lines.append(line)
    return lines


def _ended(draw: Any, lines: list[str], font: Any, width: int) -> list[str]:
    """The lines, the last one cut to end in an ellipsis within `width`."""
    last = lines[-1]
    while last and draw.textlength(last + _ELLIPSIS, font=font) > width:
        last = last[:-1]
    return [*lines[:-1], last.rstrip() + _ELLIPSIS]


def render_cover(book: Book, faces: Sequence[Face], built: dt.date) -> bytes:
    """A 1600×2560 PNG: title, subtitle and the original author, in Charis SIL."""
    from PIL import Image, ImageDraw, ImageFont

    by_style = {(f.weight, f.style): f for f in faces}

    def font(weight: str, style: str, size: int) -> ImageFont.FreeTypeFont:
        face = by_style[(weight, style)]
        return ImageFont.truetype(str(face.path), size, index=face.index)

    bold = font("bold", "normal", 132)
    italic = font("normal", "italic", 64)
    small = font("normal", "normal", 56)
    caps = font("normal", "normal", 60)

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 150
    y = 330
    view = BookView(book, [], [], book.meta.edition.date or built)
    labels = view.labels
    draw.text((margin, y), labels.study_guide.upper(), font=caps, fill=RULE)
    y += 130
    for line in _wrap(draw, book.meta.title, bold, WIDTH - 2 * margin, TITLE_LINES):
        draw.text((margin, y), line, font=bold, fill=INK)
        y += 160
    y += 60
    draw.rectangle((margin, y, margin + 420, y + 10), fill=RULE)
    y += 110
    for line in _wrap(draw, book.meta.subtitle, italic, WIDTH - 2 * margin, SUBTITLE_LINES):
        draw.text((margin, y), line, font=italic, fill=INK)
        y += 88
    first = book.meta.texts[0]
    names = labels["and"].join(f" {p.name} " for p in first.authors).replace("  ", " ").strip()
    footer = [
        f"{names}, {labels.date(first.date)}" if first.date else names,
        labels.format("annotated_edition", year=view.edition_year),
    ]
    y = HEIGHT - 150 - 80 * len(footer)
    for text in footer:
        if draw.textlength(text, font=small) > WIDTH - 2 * margin:
            text = "".join(_wrap(draw, text, small, WIDTH - 2 * margin, FOOTER_LINES))
        draw.text((margin, y), text, font=small, fill=INK)
        y += 80
    buffer = io.BytesIO()
    # zlib's default level: 2 % larger than its best (148 kB, not 145), a third of the time
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def is_cover(data: bytes) -> bool:
    """Whether `data` is a whole cover: a PNG of the cover's size that Pillow decodes (a
    kept cover, checked; its size is checked before any pixel is decoded)."""
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
        if image.size != (WIDTH, HEIGHT):
            return False
        image.load()
    return True
