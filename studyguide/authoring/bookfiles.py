"""The chapter files an import works among: which text each holds, where new ones go, and
how files are replaced without losing any (moved to replaced/<time>/, written whole)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, ErrorCollector
from studyguide.sources.files import CHAPTER_NAME, CHAPTERS_DIR
from studyguide.sources.frontmatter import read_front_matter
from studyguide.sources.markdown import make_front_matter_parser

REPLACED_DIR = "replaced"


@dataclass(frozen=True)
class ChapterFile:
    """A chapter file as an import sees it: its number, kind and text."""

    path: Path
    number: int
    slug: str
    kind: str  # front, article, back; "" when its front matter cannot be read
    text: str  # the text an article chapter holds


def chapter_files(root: Path, first_text: str) -> list[ChapterFile]:
    """The book's chapter files in order, each with the kind and text its front matter says."""
    folder = root / CHAPTERS_DIR
    if not folder.is_dir():
        return []
    parser = make_front_matter_parser()
    found = []
    for path in sorted(folder.iterdir()):
        match = CHAPTER_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            source = ""
        front = read_front_matter(parser.parse(source, {}), path, "", ErrorCollector())
        values = front.values if front else {}
        kind = str(values.get("kind", "article")) if front else ""
        kind = "article" if kind == "text" else kind
        text = str(values.get("text", first_text)) if kind == "article" else ""
        found.append(ChapterFile(path, int(match[1]), match[2], kind, text))
    return sorted(found, key=lambda c: c.number)


@dataclass(frozen=True)
class Placement:
    """Where an import's chapters go: their numbers, and the back chapters moved after them."""

    numbers: list[int]
    renames: list[tuple[Path, Path]]
    width: int  # digits in a chapter number


def place(others: list[ChapterFile], count: int, replaced: list[int]) -> Placement:
    """The new chapters take the place of those they replace (`replaced`: their numbers);
    else they follow the front chapters and the other texts' chapters. Chapters in the way
    are renumbered after them, in their order (their files are only renamed)."""
    if replaced:
        after = max((c.number for c in others if c.number < min(replaced)), default=0)
    else:
        after = max((c.number for c in others if c.kind != "back"), default=0)
    numbers = list(range(after + 1, after + count + 1))
    following = [c for c in others if c.number > after]
    moved = following if following and following[0].number <= after + count else []
    highest = max([after + count + len(moved), *(c.number for c in others)])
    width = max(2, len(str(highest)))
    renames = [
        (c.path, c.path.with_name(f"{after + count + n:0{width}d}-{c.slug}.md"))
        for n, c in enumerate(moved, start=1)
    ]
    return Placement(numbers, renames, width)


def replaced_folder(root: Path, now: dt.datetime) -> Path:
    """A new folder under replaced/ for files an import replaces."""
    base = root / REPLACED_DIR / now.strftime("%Y-%m-%d-%H%M%S")
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def _failed(path: Path, exc: OSError, done: str) -> BuildError:
    return BuildError(
        path,
        f"cannot write the file: {exc.strerror or exc}",
        f"{done}; fix the problem (space, permissions) and import again with --force",
        "import.write",
    )


def move_away(paths: list[Path], root: Path, folder: Path) -> None:
    """Move files into `folder`, keeping their place in the book (chapters/…, source/…)."""
    for path in paths:
        target = folder / path.relative_to(root)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
        except OSError as exc:
            raise _failed(target, exc, f"the files moved so far are in {folder}") from None


def rename_all(renames: list[tuple[Path, Path]]) -> None:
    """Rename files in two steps, so that no name in use is taken before it is free."""
    steps = [(old, old.with_name(f".renaming-{n}-{old.name}"), new) for n, (old, new) in
             enumerate(renames)]  # fmt: skip
    for first, second in ((0, 1), (1, 2)):
        for step in steps:
            try:
                os.replace(step[first], step[second])
            except OSError as exc:
                raise _failed(step[second], exc, "some chapters were not renumbered") from None


def write_whole(path: Path, text: str) -> None:
    """Write a file through a temporary one beside it: it is either old or new, never half."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _failed(path, exc, "the files written before it are in place") from None
