"""The chapter files an import works among: which text each holds, where new ones go, and
how files are replaced without losing any (moved to replaced/<time>/, written whole)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from studyguide.authoring.changes import Change
from studyguide.errors import ErrorCollector
from studyguide.sources.files import CHAPTER_NAME, CHAPTERS_DIR, METADATA_FILE
from studyguide.sources.frontmatter import read_front_matter
from studyguide.sources.markdown import make_front_matter_parser
from studyguide.sources.trust import read_source_bytes

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


def staged(
    root: Path,
    folder: Path,
    replaced: list[Path],
    renames: list[tuple[Path, Path]],
    files: dict[Path, str],
) -> list[Change]:
    """An import's (or a split's) writes, as changes made together (changes.py): the
    replaced files copied into `folder` (under replaced/) and removed, the renumbered
    chapters renamed, the new files written. A path changed twice (a chapter renamed to
    another's old name, a file replaced by a new one of the same name) is changed once, to
    its last content; only the files it means to replace are written over (book.toml, and
    the ones in `files` that exist and are `replaced` or renamed, or named in `rewritten`),
    every other is created new."""
    return _staged(root, folder, replaced, renames, files, set())


def rewrites(
    root: Path, renames: list[tuple[Path, Path]], files: dict[Path, str], rewritten: set[Path]
) -> list[Change]:
    """Chapters renamed and files written (the `rewritten` ones over what is there)."""
    return _staged(root, root, [], renames, files, rewritten)


def _staged(
    root: Path,
    folder: Path,
    replaced: list[Path],
    renames: list[tuple[Path, Path]],
    files: dict[Path, str],
    rewritten: set[Path],
) -> list[Change]:
    kept = [root / METADATA_FILE, *replaced] if replaced else []  # (with the old book.toml)
    copies = [
        Change(folder / path.relative_to(root), read_source_bytes(root, path)) for path in kept
    ]
    final: dict[Path, str | bytes | None] = dict.fromkeys(replaced)
    contents = {old: read_source_bytes(root, old) for old, _ in renames}
    for old, new in renames:
        final.setdefault(old, None)
        final[new] = contents[old]
    final.update(files)
    known = {*replaced, *contents, *rewritten, root / METADATA_FILE}
    changes = [Change(path, content, path not in known) for path, content in final.items()]
    # Removals first: a name is free before a new file takes it.
    return copies + sorted(changes, key=lambda change: change.content is not None)
