"""The EPUB's cover image, drawn from the book's metadata in the book's typeface."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from studyguide.model import Book
from studyguide.render.typeface import Face
from studyguide.render.views import BookView, book_labels

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
    view = BookView(book, [], [], book_labels(book), book.meta.edition.date or built)
    labels = view.labels
    draw.text((margin, y), labels.study_guide.upper(), font=caps, fill=RULE)
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
    first = book.meta.texts[0]
    names = labels["and"].join(f" {p.name} " for p in first.authors).replace("  ", " ").strip()
    footer = [
        f"{names}, {labels.date(first.date)}" if first.date else names,
        labels.format("annotated_edition", year=view.edition_year),
    ]
    y = HEIGHT - 150 - 80 * len(footer)
    for line in footer:
        draw.text((margin, y), line, font=small, fill=INK)
        y += 80
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
