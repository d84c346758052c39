"""book.toml's [parallel] table as plain, frozen data: which translation faces its original in
the parallel edition, and where their paragraphs do not face one to one (read by
sources/parallelmeta.py, paired by sources/alignment.py). Part of the book's metadata
(model.BookMeta.parallel); it imports nothing of the package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Alignment:
    """An entry of book.toml's [parallel] `align`: paragraphs of the original that face
    paragraphs of its translation where they do not face one to one ("1 = 1-2")."""

    original: tuple[int, int]  # its first and last ¶ number
    translation: tuple[int, int]
    line: int = 0  # the line of `align` in book.toml


@dataclass(frozen=True)
class ParallelInfo:
    """book.toml's [parallel]: the parallel edition's text and its translation side by side."""

    translation: str = ""  # the id of the translation that faces its original ("": the first)
    align: tuple[Alignment, ...] = ()
    first: str = "original"  # which comes first on a screen: "original" or "translation"
    line: int = 0  # the line of [parallel] in book.toml (0: the book has none)
