"""A plain-text file (.txt) → blocks: paragraphs, and headings guessed from the lines' shape.

Blocks are separated by blank lines. A file that marks its headings `# Heading` (the
source-text format) is read as it says. Otherwise a short line without end punctuation is a
possible heading; in a block with a long line, each line is a block of its own (a capture
that ran a heading or a paragraph break into the next line), and a block of short lines
only is one paragraph, hard-wrapped.
"""

from __future__ import annotations

from pathlib import Path

from studyguide.authoring.blocks import (
    Block,
    Line,
    collapse,
    has_words,
    looks_like_heading,
    plain_block,
)
from studyguide.errors import BuildError
from studyguide.sources.checks import HEADING
from studyguide.sources.files import read_text

LONG_LINE = 100  # characters: text wrapped by hand has shorter lines than this


def read_file(path: Path, encoding: str | None) -> str:
    """A text or Markdown file to import, in UTF-8 or the encoding given (--encoding)."""
    import codecs

    if encoding is not None:
        try:
            codecs.lookup(encoding)
            b"ab".decode(encoding, "ignore")  # (a text encoding: not rot13 or zlib)
        except LookupError:
            raise BuildError(
                None,
                f"--encoding '{encoding}' is not an encoding Python knows",
                "give one such as latin-1, cp1252 (a file from Windows) or utf-16",
                "import.option",
            ) from None
    try:
        return read_text(path.parent, path, encoding or "utf-8")  # (the user's file)
    except BuildError as error:
        if error.code != "source.encoding":
            raise
        raise BuildError(
            error.where,
            error.message,
            "give the file's encoding with --encoding (latin-1, or cp1252 for a file from "
            "Windows), or save it as UTF-8",
            "import.encoding",
        ) from None


def read_lines(path: Path, encoding: str | None = None) -> list[Line]:
    """The file's lines, numbered from 1."""
    text = read_file(path, encoding)
    return [Line(line, number) for number, line in enumerate(text.split("\n"), start=1)]


def _groups(lines: list[Line]) -> list[list[Line]]:
    """Runs of lines with words, separated by blank lines; lines without a letter or digit
    (ornaments such as `* * *`) are left out."""
    groups: list[list[Line]] = [[]]
    for line in lines:
        if not line.text.strip():
            if groups[-1]:
                groups.append([])
        elif has_words(line.text):
            groups[-1].append(line)
    return [group for group in groups if group]


def _marked(group: list[Line]) -> list[Block]:
    first = group[0]
    if not first.text.startswith(HEADING):
        return [plain_block(collapse(" ".join(line.text for line in group)), first.number)]
    blocks = [plain_block(collapse(first.text[len(HEADING) :]), first.number, "heading", 1)]
    if len(group) > 1:
        rest = collapse(" ".join(line.text for line in group[1:]))
        blocks.append(plain_block(rest, group[1].number))
    return blocks


def _guessed(group: list[Line]) -> list[Block]:
    if len(group) > 1 and not any(len(line.text.strip()) > LONG_LINE for line in group):
        return [plain_block(collapse(" ".join(line.text for line in group)), group[0].number)]
    blocks = []
    for line in group:
        text = collapse(line.text)
        kind = "short" if looks_like_heading(text) else "paragraph"
        blocks.append(plain_block(text, line.number, kind, 1 if kind == "short" else 0))
    return blocks


def text_blocks(lines: list[Line]) -> list[Block]:
    """The blocks of the lines (the file, or the part of it between --start and --end)."""
    groups = _groups(lines)
    read = _marked if is_marked(lines) else _guessed
    return [block for group in groups for block in read(group)]


def is_marked(lines: list[Line]) -> bool:
    """Whether the text marks its headings itself (`# Heading`): then nothing is guessed."""
    return any(line.text.startswith(HEADING) for line in lines)


def named_lines(lines: list[Line]) -> list[Line]:
    """The lines as --start and --end name them: without a `# ` heading mark."""
    return [Line(line.text.removeprefix(HEADING), line.number) for line in lines]
