"""The EPUB's cover image, drawn from the book's metadata in the book's typeface."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from studyguide.model import Book
from studyguide.render.typeface import Face

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


def render_cover(book: Book, faces: Sequence[Face]) -> bytes:
    """A 1600×2560 PNG: title, subtitle and the original author, in Charis SIL."""
    from PIL import Image, ImageDraw, ImageFont

    by_style = {(f.weight, f.style): f.path for f in faces}
    bold = ImageFont.truetype(str(by_style[("bold", "normal")]), 132)
    italic = ImageFont.truetype(str(by_style[("normal", "italic")]), 64)
    small = ImageFont.truetype(str(by_style[("normal", "normal")]), 56)
    caps = ImageFont.truetype(str(by_style[("normal", "normal")]), 60)

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    margin = 150
    y = 330
    draw.text((margin, y), "A STUDY GUIDE", font=caps, fill=RULE)
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
    original = book.meta.original
    footer = [
        f"{original.author}, {original.date.day} {original.date:%B %Y}",
        f"Annotated edition, {book.meta.edition.year}",
    ]
    y = HEIGHT - 150 - 80 * len(footer)
    for text in footer:
        if draw.textlength(text, font=small) > WIDTH - 2 * margin:
            text = "".join(_wrap(draw, text, small, WIDTH - 2 * margin, FOOTER_LINES))
        draw.text((margin, y), text, font=small, fill=INK)
        y += 80
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
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
