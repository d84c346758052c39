"""The book's files: which there are (chapters/, glossary/, book.toml) and reading them as text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.sources.characters import (
    forbidden_character,
    forbidden_character_error,
)
from studyguide.sources.trust import (
    is_regular_inside,
    not_a_file_error,
    read_source_bytes,
    resolve_inside,
)

METADATA_FILE = "book.toml"
CHAPTERS_DIR = "chapters"
GLOSSARY_DIR = "glossary"
SOURCE_DIR = "source"  # the texts as published: what the fidelity check compares against
REFERENCES_FILE = "references.toml"
# Folders of a book's own layout: files here shadow the package's templates and styles.
LAYOUT_DIRS = ("templates", "styles")
LABELS_DIR = "labels"  # the book's own words for its language: labels/<language>.toml
IMAGES_DIR = "images"  # the figures' pictures (sources/images.py)
SOURCE_FILES = (METADATA_FILE, REFERENCES_FILE)
LISTED_DIRS = (CHAPTERS_DIR, GLOSSARY_DIR)  # their NAME.md files, directly inside
TREE_DIRS = (SOURCE_DIR, *LAYOUT_DIRS, LABELS_DIR, IMAGES_DIR)  # every file, in subfolders too
# The facilitator's companion: one file a chapter, named as the chapter is. Not a source of
# the members' editions: it neither dates them nor keys their cache (source_paths).
FACILITATOR_DIR = "facilitator"

CHAPTER_NAME = re.compile(r"^(\d{2,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.[mM][dD]$")
GLOSSARY_NAME = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.[mM][dD]$")
SOURCE_SUFFIX = ".md"  # compared case-insensitively: 02-two.MD is a chapter too
# Files that look meant as sources but would not be read: an error, not a silent skip.
_NEAR_MISSES = {".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".txt"}
_NEWLINES = re.compile(r"\r\n?")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str


@dataclass(frozen=True)
class ChapterFile(SourceFile):
    number: int
    slug: str


@dataclass(frozen=True)
class GlossaryFile(SourceFile):
    slug: str


def _position(data: bytes, index: int) -> tuple[int, int]:
    """The 1-based line and column (in bytes) of `data[index]`; CR, LF and CRLF end lines."""
    before = data[:index].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1


def read_text(root: Path, path: Path, encoding: str = "utf-8") -> str:
    """A source file's text, its line endings made LF; a clear error if it is not a regular
    file inside the book, is not UTF-8 (or `encoding`), is too large, or holds characters
    the editions cannot carry."""
    data = read_source_bytes(root, path)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        name = "UTF-8" if encoding == "utf-8" else encoding
        raise BuildError(
            SourceRef(path, line, column),
            f"the file is not {name} text (byte 0x{data[exc.start]:02x})",
            "save the file with UTF-8 encoding in your editor",
            "source.encoding",
        ) from None
    # Markdown reads CR and CRLF as line ends too: so do the lines of every error.
    text = _NEWLINES.sub("\n", text.removeprefix("\ufeff"))
    index = forbidden_character(text)
    if index >= 0:
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise forbidden_character_error(SourceRef(path, line, column), text, index)
    return text


def _read_source(
    root: Path, path: Path, what: str, needs: str, errors: ErrorCollector
) -> str | None:
    """A source's text, or None with the mistake (unreadable, not UTF-8, empty) recorded."""
    try:
        text = read_text(root, path)
    except BuildError as error:
        errors.add(error)
        return None
    if not text.strip():
        errors.add(
            BuildError(
                SourceRef(path, 1),
                f"{what} is empty",
                f"add front matter with {needs}, or delete the file",
                "source.empty",
            )
        )
        return None
    return text


def _source_folder(root: Path, name: str, errors: ErrorCollector) -> Path | None:
    """chapters/ or glossary/, if it is a folder inside the book; None if it is missing or
    is not (with the mistake in `errors`)."""
    folder = root / name
    if not folder.exists() and not folder.is_symlink():
        return None
    try:
        real = resolve_inside(root, folder, "folder")
    except BuildError as error:
        errors.add(error)
        return None
    if not real.is_dir():
        errors.add(
            BuildError(
                folder,
                f"{name} should be a folder of .md files, and this is a file",
                f"make {name}/ a folder and put the files in it",
                "source.not-a-folder",
            )
        )
        return None
    return folder


def _listed(folder: Path, errors: ErrorCollector) -> list[Path]:
    """The files of a source folder that are sources (NAME.md, any case), in name order;
    a file that looks meant as one but would not be read is a mistake."""
    found: list[Path] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue  # hidden: an editor's swap file, a dot-file
        is_source = path.suffix.lower() == SOURCE_SUFFIX
        if is_source and path.is_dir():
            errors.add(not_a_file_error(path, path.stat().st_mode))
        elif is_source:
            found.append(path)
        elif path.suffix.lower() in _NEAR_MISSES:
            errors.add(
                BuildError(
                    path,
                    f"'{path.name}' is not read: the book's sources end in .md",
                    f"rename it to {path.stem}.md, or move it out of {folder.name}/",
                    "source.name",
                )
            )
    return found


def read_chapter_files(root: Path, errors: ErrorCollector) -> list[ChapterFile]:
    folder = root / CHAPTERS_DIR
    if not folder.exists() and not folder.is_symlink():
        errors.add(
            BuildError(folder, "the chapters folder is missing", "create it", "source.missing")
        )
        return []
    if _source_folder(root, CHAPTERS_DIR, errors) is None:
        return []
    chapters: list[ChapterFile] = []
    seen: dict[int, Path] = {}
    for path in _listed(folder, errors):
        match = CHAPTER_NAME.match(path.name)
        if not match:
            errors.add(
                BuildError(
                    path,
                    f"chapter file name '{path.name}' is not NN-slug.md",
                    "name chapters like 03-the-agreement.md: a number, a hyphen, "
                    "lowercase words joined by hyphens",
                    "source.name",
                )
            )
            continue
        number = int(match[1])
        if number in seen:
            errors.add(
                BuildError(
                    SourceRef(path, 1),
                    f"chapter number {match[1]} is also used by {seen[number].name}",
                    "give each chapter file its own number",
                    "source.duplicate-number",
                )
            )
            continue
        seen[number] = path
        text = _read_source(
            root, path, "the chapter file", "a title and the chapter's text", errors
        )
        if text is None:
            continue
        chapters.append(ChapterFile(path, text, number, match[2]))
    if not chapters and not errors:
        errors.add(
            BuildError(folder, "no chapters found", "add files named NN-slug.md", "source.none")
        )
    return sorted(chapters, key=lambda c: c.number)


def read_glossary_files(root: Path, errors: ErrorCollector) -> list[GlossaryFile]:
    folder = _source_folder(root, GLOSSARY_DIR, errors)
    if folder is None:
        return []
    entries: list[GlossaryFile] = []
    for path in _listed(folder, errors):
        match = GLOSSARY_NAME.match(path.name)
        if not match:
            errors.add(
                BuildError(
                    path,
                    f"glossary file name '{path.name}' is not slug.md",
                    "use lowercase ASCII letters and digits, in words joined by hyphens, like "
                    "walter-villarroel.md",
                    "source.name",
                )
            )
            continue
        text = _read_source(root, path, "the glossary file", "`term:` and a definition", errors)
        if text is None:
            continue
        entries.append(GlossaryFile(path, text, match[1]))
    return entries


def read_facilitator_files(root: Path, errors: ErrorCollector) -> list[SourceFile]:
    """facilitator/*.md, in name order (none if the book has no such folder)."""
    folder = _source_folder(root, FACILITATOR_DIR, errors)
    if folder is None:
        return []
    found = []
    for path in _listed(folder, errors):
        text = _read_source(root, path, "the facilitator's file", "a meeting's plan", errors)
        if text is not None:
            found.append(SourceFile(path, text))
    return found


def facilitator_paths(root: Path) -> list[Path]:
    """The facilitator's files, for the cache key of the editions that read them."""
    folder = root / FACILITATOR_DIR
    if not folder.is_dir() or not folder.resolve().is_relative_to(root.resolve()):
        return []
    return [p for p in _listed(folder, ErrorCollector()) if is_regular_inside(root, p)]


def find_book(root: Path | None, cwd: Path) -> Path:
    """The book's folder: `root` (given with --root), or the nearest folder from `cwd` up that
    holds book.toml, as git and quarto look for theirs; our error if there is none."""
    if root is not None:
        metadata = root / METADATA_FILE
        if metadata.exists() or metadata.is_symlink():
            return root
        raise BuildError(
            metadata,
            "there is no book in this folder: it has no book.toml",
            "give --root the folder that holds the book's book.toml, or start a book with "
            "`studyguide new DIR`",
            "book.not-found",
        )
    for folder in (cwd, *cwd.parents):
        metadata = folder / METADATA_FILE
        if metadata.exists() or metadata.is_symlink():
            return Path(".") if folder == cwd else folder
    raise BuildError(
        None,
        f"there is no book here: no book.toml in {cwd} or a folder above it",
        "run studyguide in a book's folder (or one inside it), give the book with --root DIR, "
        "or start one with `studyguide new DIR`",
        "book.not-found",
    )


def is_source(parts: tuple[str, ...]) -> bool:
    """Whether the file at these parts of a path inside the book is a source (whether or
    not it exists yet): book.toml, references.toml, a chapter or a glossary entry (NAME.md,
    any case, directly in its folder), or any file under source/, templates/, styles/ and
    labels/; never a hidden file or an editor's backup (NAME~). The one rule of what a
    source is: source_paths lists by it, the preview's watcher watches by it."""
    if not parts or any(part.startswith(".") for part in parts) or parts[-1].endswith("~"):
        return False
    if len(parts) == 1:
        return parts[0] in SOURCE_FILES
    if parts[0] in LISTED_DIRS:
        return len(parts) == 2 and parts[1].lower().endswith(SOURCE_SUFFIX)
    return parts[0] in TREE_DIRS


def source_folders(root: Path) -> list[Path]:
    """The folders inside the book whose files are sources (a file added or removed
    changes its folder): what the Makefile watches for a new or deleted source."""
    found = []
    for name in (*LISTED_DIRS, *TREE_DIRS):
        folder = root / name
        if not folder.is_dir() or not folder.resolve().is_relative_to(root.resolve()):
            continue
        found.append(folder)
        if name in TREE_DIRS:
            found += sorted(
                p
                for p in folder.rglob("*")
                if p.is_dir() and not p.is_symlink() and is_source(p.relative_to(root).parts)
            )
    return found


def source_paths(root: Path) -> list[Path]:
    """Every file the editions are made from, as the loader reads them: the metadata, the
    texts as published, the chapters, the glossary, the references, the figures' pictures
    (images/), and the book's own templates, styles and words (labels/). What dates a build
    and keys its cache, and what the Makefile's targets depend on. (Only regular files inside
    the book; the loader refused the rest.)"""
    paths = _displayed_paths(root)
    for name in TREE_DIRS:
        folder = root / name
        if folder.is_dir() and folder.resolve().is_relative_to(root.resolve()):
            paths += sorted(
                p
                for p in folder.rglob("*")
                if not p.is_dir() and is_source(p.relative_to(root).parts)
            )
    return [path for path in paths if is_regular_inside(root, path)]


def displayed_sources(root: Path) -> dict[Path, str]:
    """The text of every file whose words the editions show: the metadata, the references,
    the chapters and the glossary (read again, for checks that need the files' own lines)."""
    paths = _displayed_paths(root)
    return {path: read_text(root, path) for path in paths if is_regular_inside(root, path)}


def _displayed_paths(root: Path) -> list[Path]:
    """The metadata, the references, then the chapters and the glossary in their order."""
    paths = [root / METADATA_FILE, root / REFERENCES_FILE]
    for name in (CHAPTERS_DIR, GLOSSARY_DIR):
        folder = root / name
        if folder.is_dir() and folder.resolve().is_relative_to(root.resolve()):
            paths += _listed(folder, ErrorCollector())
    return paths
