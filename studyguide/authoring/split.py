"""`studyguide split CHAPTER --at TEXT`: a chapter in two, the second beginning at the block
that begins with TEXT; each note goes with its call, the questions stay in the first part,
and the chapters after it are renumbered. The text's words are not touched: the book reads
and checks as before, or nothing is written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from studyguide.authoring.blocks import loose, split_title
from studyguide.authoring.bookfiles import chapter_files, rewrites
from studyguide.authoring.changes import Change, Undone, apply, reverse, write_error
from studyguide.authoring.slugs import slugify
from studyguide.errors import BuildError, BuildErrors, ErrorCollector, SourceRef
from studyguide.sources.files import CHAPTER_NAME, CHAPTERS_DIR, read_text
from studyguide.sources.frontmatter import read_front_matter
from studyguide.sources.markdown import QUESTIONS, make_parser
from studyguide.sources.nodes import plain_text, walk_inline
from studyguide.sources.textblocks import SPLIT


@dataclass(frozen=True)
class _Piece:
    """Lines of the chapter's body: [start, end), 0-based."""

    start: int
    end: int
    note: str = ""  # the label of the note it defines ("" for the text)
    questions: bool = False


def _chapter_path(root: Path, given: Path) -> Path:
    for path in (given, root / given, root / CHAPTERS_DIR / given.name):
        if path.is_file() and CHAPTER_NAME.match(path.name):
            return path
    raise BuildError(
        given,
        "there is no chapter file of that name",
        f"give a file of {CHAPTERS_DIR}/, such as {CHAPTERS_DIR}/03-the-agreement.md",
        "split.chapter",
    )


def _pieces(tokens: list[Token]) -> tuple[int, list[_Piece], dict[str, int]]:
    """Where the body begins, its top-level pieces, and each note call's line."""
    body = tokens[0].map[1] if tokens and tokens[0].type == "front_matter" and tokens[0].map else 0
    pieces: list[_Piece] = []
    for token in tokens:
        if token.level != 0 or token.nesting == -1 or not token.map:
            continue
        if token.type == "footnote_reference_open":
            pieces.append(_Piece(token.map[0], token.map[1], note=token.meta["label"]))
        elif token.type == f"container_{QUESTIONS}_open":
            pieces.append(_Piece(token.map[0], token.map[1], questions=True))
        elif token.type != "front_matter":
            pieces.append(_Piece(token.map[0], token.map[1]))
    calls = {
        child.meta["label"]: line - 1
        for child, line, _ in walk_inline(tokens)
        if child.type == "footnote_ref"
    }
    return body, sorted(pieces, key=lambda p: p.start), calls


def _split_line(tokens: list[Token], at: str, path: Path) -> tuple[int, str]:
    """The line the block that begins with `at` begins on (0-based), and its words."""
    blocks = [
        (t.map[0], plain_text(tokens[i + 1]))
        for i, t in enumerate(tokens)
        if t.level == 0 and t.type in ("paragraph_open", "heading_open") and t.map
    ]
    found = [(line, text) for line, text in blocks if loose(text).startswith(loose(at))]
    if not found:
        raise BuildError(path, f"no heading or paragraph of the chapter begins with '{at}'",
                         "give --at the first words of the block the new chapter begins with",
                         "split.not-found")  # fmt: skip
    if found[0][0] == blocks[0][0]:
        raise BuildError(
            SourceRef(path, found[0][0] + 1),
            "the chapter already begins here",
            "give --at the first words of a later block",
            "split.not-found",
        )
    return found[0]


def split_chapter(root: Path, given: Path, at: str) -> list[str]:
    """Split the chapter; what was done, a line each."""
    from studyguide.sources.book import load_book

    path = _chapter_path(root, given)
    try:
        load_book(root)
    except (BuildError, BuildErrors):
        raise BuildError(path, "the book has mistakes: a chapter is split only in a book that "
                         "reads and checks", "run `studyguide check`, and fix what it says",
                         "split.check") from None  # fmt: skip
    text = read_text(root, path)
    lines = text.split("\n")
    tokens = make_parser().parse(text, {})
    front = read_front_matter(tokens, path, "", ErrorCollector())
    if front is None:
        raise BuildError(path, "the chapter has no front matter to copy", "fix its front "
                         "matter first (`studyguide check` says how)", "split.chapter")  # fmt: skip
    line, words = _split_line(tokens, at, path)
    if any(ln.strip() == SPLIT for ln in lines[max(0, line - 2) : line]):
        raise BuildError(SourceRef(path, line + 1), f"this block continues a paragraph split "
                         f"with {SPLIT}: a chapter cannot begin inside a paragraph of the text",
                         "split at the paragraph's first part", "split.not-found")  # fmt: skip
    body, pieces, calls = _pieces(tokens)
    first, second = _parts(lines, pieces, calls, line)
    number, width = _number(path)
    values = front.values
    title = split_title(" ".join(words.split()))
    header = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    header += [
        f"{key}: {json.dumps(values[key], ensure_ascii=False)}"
        for key in ("kind", "text")
        if key in values
    ]
    new_path = path.with_name(f"{number + 1:0{width}d}-{slugify(title, max_words=5) or 'part'}.md")
    renames = [
        (c.path, c.path.with_name(f"{c.number + 1:0{width}d}-{c.slug}.md"))
        for c in chapter_files(root, "")
        if c.number > number
    ]
    new_text = "\n".join([*header, "---", "", *second]).rstrip("\n") + "\n"
    old_text = "\n".join(lines[:body] + first).rstrip("\n") + "\n"
    _write(root, path, old_text, new_path, new_text, renames)
    done = [f"split {path.name}: its part from line {line + 1} on is {new_path.name}"]
    return done + [f"renumbered {old.name} as {new.name}" for old, new in renames]


def _parts(
    lines: list[str], pieces: list[_Piece], calls: dict[str, int], at: int
) -> tuple[list[str], list[str]]:
    """The body's lines before and from `at`, each note with its call, the questions first."""
    first: list[str] = []
    second: list[str] = []
    notes: tuple[list[str], list[str]] = ([], [])
    questions: list[str] = []
    for piece in pieces:
        chunk = [*lines[piece.start : piece.end], ""]
        if piece.questions:
            questions += chunk
        elif piece.note:
            notes[calls.get(piece.note, 0) >= at].extend(chunk)
        else:
            (second if piece.start >= at else first).extend(chunk)
    return first + notes[0] + questions, second + notes[1]


def _number(path: Path) -> tuple[int, int]:
    match = CHAPTER_NAME.match(path.name)
    assert match is not None  # (checked by _chapter_path)
    return int(match[1]), len(match[1])


def _write(
    root: Path,
    path: Path,
    old_text: str,
    new_path: Path,
    new_text: str,
    renames: list[tuple[Path, Path]],
) -> None:
    """Write both parts, together or not at all (changes.py); if the book then does not
    read and check as before, put it back."""
    from studyguide.sources.book import load_book

    changes = rewrites(root, renames, {path: old_text, new_path: new_text}, {path})
    back = reverse(root, changes)
    _apply(root, changes)
    try:
        load_book(root)
    except (BuildError, BuildErrors) as error:
        _apply(root, back)
        first = error if isinstance(error, BuildError) else error.errors[0]
        raise BuildError(first.where, f"split, the book would not read as before: "
                         f"{first.message}; nothing was changed", first.hint,
                         "split.check") from None  # fmt: skip


def _apply(root: Path, changes: list[Change]) -> None:
    try:
        apply(root, changes)
    except (Undone, OSError) as failure:
        raise write_error(
            root, failure, "fix the problem (space, permissions) and split again", "split.write"
        ) from None
