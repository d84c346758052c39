"""An imported text as blocks (headings and paragraphs of styled spans), cut to --start/--end,
and shaped into chapters: which block is a chapter's title, a heading, a paragraph or the
signature."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyguide.errors import BuildError, SourceRef

# What ends a sentence: a line ending so is prose, not a heading (! and ? end headings too).
END_PUNCTUATION = ".,;:…"
_CLOSERS = "\"'”’»›)]"
HEADING_WORDS = 20  # a heading is at most this many words …
HEADING_CHARS = 150  # … and characters
SIGNATURE_LINES = 5  # at most this many short lines at the end are a signature
_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")  # whitespace, but not the non-breaking kinds
_QUOTES = str.maketrans("‘’‚‛′ʼ`“”„‟″«»", '\'\'\'\'\'\'`"""""""')


def collapse(text: str) -> str:
    """Runs of whitespace as one space, the ends trimmed; non-breaking spaces are kept."""
    return _SPACE.sub(" ", text).strip()


def has_words(text: str) -> bool:
    return any(char.isalnum() for char in text)


@dataclass(frozen=True)
class Span:
    """A run of a paragraph's text, with its emphasis and the web address it links to."""

    text: str
    styles: frozenset[str] = frozenset()  # "em", "strong"
    href: str = ""


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph of the imported file, with the line it starts on."""

    spans: tuple[Span, ...]
    line: int
    kind: str = "paragraph"  # "paragraph", "heading", or "short": a line that may be a heading
    level: int = 0  # a heading's level, 1 to 6

    @property
    def text(self) -> str:
        return collapse("".join(span.text for span in self.spans))

    @property
    def heading_like(self) -> bool:
        return self.kind != "paragraph" or looks_like_heading(self.text)


def plain_block(text: str, line: int, kind: str = "paragraph", level: int = 0) -> Block:
    return Block((Span(text),), line, kind, level)


def looks_like_heading(text: str) -> bool:
    """A short line that does not end as a sentence does: `Workers' defence – for unity!`."""
    words = text.split()
    if not words or len(words) > HEADING_WORDS or len(text) > HEADING_CHARS:
        return False
    stripped = text.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] not in END_PUNCTUATION


def loose(text: str) -> str:
    """Text as --start and --end compare it: typographic quotes as straight ones, whitespace
    collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


@dataclass(frozen=True)
class Line:
    """A line that --start and --end may name (for HTML and Markdown, a whole block)."""

    text: str
    number: int


def _find(lines: Sequence[Line], wanted: str, last: bool) -> int | None:
    """The index of the first (or last) line reading exactly `wanted`, else of the first
    (or last) line beginning with it."""
    order = range(len(lines) - 1, -1, -1) if last else range(len(lines))
    key = loose(wanted)
    for test in (lambda s: s == key, lambda s: s.startswith(key)):
        found = next((i for i in order if test(loose(lines[i].text))), None)
        if found is not None:
            return found
    return None


def _closest(lines: Sequence[Line], wanted: str) -> str:
    import difflib

    texts = [loose(line.text)[: len(wanted) + 20] for line in lines]
    match = difflib.get_close_matches(loose(wanted), texts, n=1, cutoff=0.6)
    if not match:
        return ""
    line = lines[texts.index(match[0])]
    return f"the closest is line {line.number}: '{_short(line.text)}'; "


def _short(text: str, length: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def cut(lines: Sequence[Line], start: str | None, end: str | None, path: Path) -> tuple[int, int]:
    """The indices of the first and last line of the text (both included)."""
    for option, value in (("--start", start), ("--end", end)):
        if value is not None and not loose(value):
            raise BuildError(
                None,
                f"{option} is empty",
                f"give {option} the words of a line of the text, in quotes",
                "import.option",
            )
    first = 0
    if start is not None:
        found = _find(lines, start, last=False)
        if found is None:
            raise BuildError(
                path,
                f"no line reads or begins with '{_short(start)}' (--start)",
                _closest(lines, start) + "quotes and spaces are compared loosely, "
                "everything else exactly",
                "import.start-not-found",
            )
        first = found
    last = len(lines) - 1
    if end is not None:
        found = _find(lines[first:], end, last=True)
        if found is None:
            before = _find(lines[:first], end, last=True)
            where = f"line {lines[first].number}" if lines else "the start"
            raise BuildError(
                SourceRef(path, lines[first].number if lines else 0),
                f"no line from {where} on reads or begins with '{_short(end)}' (--end)",
                (
                    f"it is on line {lines[before].number}, before the start; "
                    if before is not None
                    else ""
                )
                + _closest(lines[first:], end)
                + "quotes and spaces are compared loosely, everything else exactly",
                "import.end-not-found",
            )
        last = first + found
    return first, last


@dataclass(frozen=True)
class Dropped:
    """A piece of the page left out of the text: where it began, its words, and why."""

    line: int
    text: str
    reason: str

    def said(self) -> str:
        return f"left out line {self.line}: '{_short(self.text, 60)}' ({self.reason})"


def drop(
    blocks: list[Block], texts: tuple[str, ...], path: Path
) -> tuple[list[Block], list[Dropped]]:
    """The blocks without those that begin with one of `texts` (--drop), and those left out;
    a --drop that matches no block is a mistake (a typo, most likely)."""
    if any(not loose(text) for text in texts):
        raise BuildError(None, "--drop is empty", "give --drop the first words of a block to "
                         "leave out, in quotes", "import.option")  # fmt: skip
    kept: list[Block] = []
    dropped: list[Dropped] = []
    used: set[str] = set()
    for block in blocks:
        found = next((t for t in texts if loose(block.text).startswith(loose(t))), None)
        if found is None:
            kept.append(block)
        else:
            used.add(found)
            dropped.append(Dropped(block.line, block.text, f"--drop '{_short(found, 30)}'"))
    for text in texts:
        if text not in used:
            raise BuildError(
                path,
                f"--drop '{_short(text)}' matches no block: no heading or paragraph begins so",
                _closest(_lines(blocks), text) + "quotes and spaces are compared "
                "loosely, everything else exactly",
                "import.option",
            )
    return kept, dropped


def _lines(blocks: list[Block]) -> list[Line]:
    return [Line(block.text, block.line) for block in blocks]


_NUMBERED = re.compile(
    r"(?:art(?:icle|ículo|ikel|icolo|igo)?|§|chap(?:ter|itre)|section|part|partie|parte)"
    r"\.?\s*[0-9IVXLC]+[a-zº°]*",
    re.IGNORECASE,
)


def split_title(text: str) -> str:
    """A title for a chapter that begins inside the text (--split-at): its number ("Art.
    1er", "Article 3"), the words before a dash, else the first few words."""
    numbered = _NUMBERED.match(text)
    if numbered:
        return numbered[0]
    head = re.split(r"\s[–—]\s", text, maxsplit=1)[0].rstrip(" .:")
    if head != text and len(head) <= 40:
        return head
    words = text.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def split_points(blocks: list[Block], texts: tuple[str, ...], path: Path) -> set[int]:
    """The indices of the blocks a chapter begins at (--split-at: each block that begins with
    one of `texts`); one that matches no block is a mistake."""
    points: set[int] = set()
    for text in texts:
        if not loose(text):
            raise BuildError(None, "--split-at is empty", "give --split-at the first words "
                             "of the block a chapter begins with", "import.option")  # fmt: skip
        found = {i for i, b in enumerate(blocks) if loose(b.text).startswith(loose(text))}
        if not found:
            raise BuildError(
                path,
                f"--split-at '{_short(text)}' matches no block: no heading or paragraph begins so",
                _closest(_lines(blocks), text) + "quotes and spaces are compared loosely, "
                "everything else exactly",
                "import.option",
            )
        points |= found
    return points


@dataclass
class ChapterPlan:
    """One chapter to write: its title, and its blocks with their roles."""

    title: str
    line: int
    title_is_heading: bool  # the text's own heading (compared), or the guide's own title
    blocks: list[tuple[str, Block]] = field(default_factory=list)  # heading|paragraph|signature


def _tail(blocks: list[Block]) -> int:
    """Where the short lines at the end begin, after the text's last paragraph."""
    start = len(blocks)
    while start > 0 and blocks[start - 1].heading_like:
        start -= 1
    return start


def shape(blocks: list[Block], title: str, splits: set[int] | None = None) -> list[ChapterPlan]:
    """The chapters: a heading of level 1 to 3 begins one (the first of several headings in
    a row; the others are headings in it); text before the first heading is a chapter
    titled `title`. A heading must be followed by text: a few short lines at the end (up to
    SIGNATURE_LINES) are the signature, more are paragraphs; a possible heading (`short`)
    before the text's last paragraph is a heading. A chapter also begins at each block of
    `splits` (--split-at): a paragraph there begins one titled with its first words."""
    splits = splits or set()
    tail = _tail(blocks)
    signature = tail > 0 and len(blocks) - tail <= SIGNATURE_LINES
    chapters: list[ChapterPlan] = []
    after_heading = False
    for index, block in enumerate(blocks[:tail]):
        is_heading = block.kind != "paragraph"
        if index in splits and not is_heading and chapters and chapters[-1].blocks:
            chapters.append(ChapterPlan(split_title(block.text), block.line, False))
        if (
            is_heading
            and (index in splits or not after_heading)
            and (block.level <= 3 or not chapters or index in splits)
        ):
            chapters.append(ChapterPlan(block.text, block.line, True))
        elif is_heading:
            chapters[-1].blocks.append(("heading", block))
        else:
            if not chapters:
                chapters.append(ChapterPlan(title, block.line, False))
            chapters[-1].blocks.append(("paragraph", block))
        after_heading = is_heading
    for block in blocks[tail:]:
        if not chapters:
            chapters.append(ChapterPlan(title, block.line, False))
        chapters[-1].blocks.append(("signature" if signature else "paragraph", block))
    return chapters
