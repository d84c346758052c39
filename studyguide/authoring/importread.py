"""The file `studyguide import` reads → its blocks: a web page's furniture and --drop's blocks
left out (each said), cut to --start and --end."""

from __future__ import annotations

import stat
from dataclasses import dataclass, replace
from pathlib import Path

from studyguide.authoring import blocks as shaping
from studyguide.authoring.blocks import Block, Dropped, Line
from studyguide.errors import BuildError, SourceRef
from studyguide.sources.trust import kind_of

KINDS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown"}
KINDS |= {".html": "html", ".htm": "html", ".xhtml": "html"}


@dataclass(frozen=True)
class Request:
    file: Path
    root: Path
    start: str | None = None
    end: str | None = None
    text: str | None = None  # the [[texts]] id to fill
    title: str | None = None
    force: bool = False
    exclude: tuple[str, ...] = ()  # CSS selectors of a web page's elements to leave out
    drop: tuple[str, ...] = ()  # blocks that begin with these words are left out
    split_at: tuple[str, ...] = ()  # a chapter begins at each block that begins so
    dry_run: bool = False  # say what would be kept and left out; write nothing
    encoding: str | None = None  # of a text or Markdown file (default UTF-8)
    furniture_rule: bool = True  # leave a web page's furniture out (off: --keep-furniture)


@dataclass(frozen=True)
class Imported:
    """What the file gave, between --start and --end."""

    blocks: list[Block]
    title: str  # the title the file gives itself ("" if none)
    lines: tuple[int, int]  # the first and last line taken
    guessed: bool  # headings guessed from the lines' shape (plain text)
    dropped: tuple[Dropped, ...] = ()  # what was left out, and why


def read_import(request: Request) -> Imported:
    """The file's blocks between --start and --end, furniture and --drop left out."""
    imported = _read(request)
    blocks, dropped = shaping.drop(imported.blocks, request.drop, request.file)
    return replace(imported, blocks=blocks, dropped=imported.dropped + tuple(dropped))


def _read(request: Request) -> Imported:
    """The file's blocks between --start and --end (a web page's furniture left out)."""
    path = request.file
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise BuildError(
            path,
            f"cannot import a '{path.suffix or 'file without an extension'}' file",
            "import a text as plain text (.txt), Markdown (.md) or a web page (.html, .htm)",
            "import.file-type",
        )
    _check_is_file(path)
    if request.exclude and kind != "html":
        raise BuildError(
            None,
            "--exclude selects elements of a web page, and this is not one",
            "leave out blocks of a text or Markdown file with --drop TEXT",
            "import.option",
        )
    if request.encoding and kind == "html":
        raise BuildError(
            None,
            "--encoding is for text and Markdown files; a web page says its own",
            "leave --encoding out: the page's <meta charset> is read",
            "import.option",
        )
    if kind == "text":
        from studyguide.authoring import plaintext

        lines = plaintext.read_lines(path, request.encoding)
        first, last = shaping.cut(plaintext.named_lines(lines), request.start, request.end, path)
        taken = lines[first : last + 1]
        blocks = plaintext.text_blocks(taken)
        span = (taken[0].number, taken[-1].number) if taken else (0, 0)
        return Imported(blocks, "", span, not plaintext.is_marked(taken))
    title = ""
    if kind == "markdown":
        from studyguide.authoring.markdownfile import read_markdown

        blocks, title = read_markdown(path, request.encoding)
        dropped: list[Dropped] = []
    else:
        from studyguide.authoring import webpage

        page = webpage.read_page(path)
        blocks, dropped = webpage.page_blocks(page, request.exclude, request.furniture_rule)
        title = webpage.page_title(page)
        _check_characters(blocks, path)
    named = [Line(block.text, block.line) for block in blocks]
    first, last = shaping.cut(named, request.start, request.end, path)
    blocks = blocks[first : last + 1]
    span = (blocks[0].line, blocks[-1].line) if blocks else (0, 0)
    # What was left out where the text is: between --start and --end, if they are given.
    low = span[0] if request.start is not None else 0
    high = span[1] if request.end is not None else float("inf")
    inside = [d for d in dropped if low <= d.line <= high] if blocks else dropped
    return Imported(blocks, title, span, False, tuple(inside))


def _check_is_file(path: Path) -> None:
    """The file to import is a regular file (a FIFO would never end, a folder is no text)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        raise BuildError(
            path, "there is no such file", "check the file's name", "import.missing"
        ) from None
    if not stat.S_ISREG(mode):
        raise BuildError(
            path,
            f"cannot import this: it is {kind_of(mode)}, not a file",
            "give the path of the text's own file (.txt, .md or .html)",
            "import.not-a-file",
        )


def _check_characters(blocks: list[Block], path: Path) -> None:
    """A web page may spell a control character as an entity; the editions cannot hold it."""
    from studyguide.sources.characters import forbidden_character, forbidden_character_error

    for block in blocks:
        index = forbidden_character(block.text)
        if index >= 0:
            raise forbidden_character_error(SourceRef(path, block.line), block.text, index)
