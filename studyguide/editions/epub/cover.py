"""The EPUB's cover image, drawn from the book's metadata in the book's typeface."""

from __future__ import annotations

import io
from collections.abc import Sequence

from studyguide.model import Book
from studyguide.render.typeface import Face

WIDTH, HEIGHT = 1600, 2560
BACKGROUND = (122, 28, 22)  # tin-oxide red
INK = (250, 244, 232)
RULE = (214, 170, 96)


def _wrap(draw: object, text: str, font: object, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:  # type: ignore[attr-defined]
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


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
    for line in _wrap(draw, book.meta.title, bold, WIDTH - 2 * margin):
        draw.text((margin, y), line, font=bold, fill=INK)
        y += 160
    y += 60
    draw.rectangle((margin, y, margin + 420, y + 10), fill=RULE)
    y += 110
    for line in _wrap(draw, book.meta.subtitle, italic, WIDTH - 2 * margin):
        draw.text((margin, y), line, font=italic, fill=INK)
        y += 88
    original = book.meta.original
    footer = [
        f"{original.author}, {original.date.day} {original.date:%B %Y}",
        f"Annotated edition, {book.meta.edition.year}",
    ]
    y = HEIGHT - 150 - 80 * len(footer)
    for line in footer:
        draw.text((margin, y), line, font=small, fill=INK)
        y += 80
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
