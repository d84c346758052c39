"""The book's files: which there are (chapters/, glossary/, book.toml) and reading them as text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, ErrorCollector, SourceRef
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
SOURCE_FILES = (METADATA_FILE, REFERENCES_FILE)
LISTED_DIRS = (CHAPTERS_DIR, GLOSSARY_DIR)  # their NAME.md files, directly inside
TREE_DIRS = (SOURCE_DIR, *LAYOUT_DIRS, LABELS_DIR)  # every file, in subfolders too
# The facilitator's companion: one file a chapter, named as the chapter is. Not a source of
# the members' editions: it neither dates them nor keys their cache (source_paths).
FACILITATOR_DIR = "facilitator"

CHAPTER_NAME = re.compile(r"^(\d{2,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.[mM][dD]$")
GLOSSARY_NAME = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.[mM][dD]$")
SOURCE_SUFFIX = ".md"  # compared case-insensitively: 02-two.MD is a chapter too
# Files that look meant as sources but would not be read: an error, not a silent skip.
_NEAR_MISSES = {".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".txt"}
_NEWLINES = re.compile(r"\r\n?")

# Characters XML 1.0 (and so the EPUB's XHTML) cannot hold, or that no one puts in prose on
# purpose: C0 controls except tab, newline and carriage return; DEL and the C1 controls;
# lone surrogates (only reachable through YAML or TOML escapes); the non-characters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


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


def forbidden_character(text: str) -> int:
    """The index of the first character the editions cannot carry, or -1 if there is none."""
    found = _FORBIDDEN.search(text)
    return found.start() if found else -1


def describe_character(char: str) -> str:
    """`control character U+0007 (BEL)`: how an error names an invisible character."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        names = {0: "NUL", 7: "BEL", 8: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}
        name = names.get(code, "")
        return f"control character U+{code:04X}" + (f" ({name})" if name else "")
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate U+{code:04X}"
    return f"non-character U+{code:04X}"


def forbidden_character_error(where: SourceRef, text: str, index: int) -> BuildError:
    char = text[index]
    more = len(_FORBIDDEN.findall(text)) - 1
    return BuildError(
        where,
        f"{describe_character(char)} is not allowed"
        + (f" ({more} more in this text)" if more else ""),
        "it is invisible in most editors and XHTML cannot hold it: delete it "
        f"(search for \\u{ord(char):04X} with a regular expression)",
        "source.control-character",
    )


# A title or a name: far longer than any real one, short enough that every edition lays it
# out at once (a 100,000-character title took minutes to balance as a heading).
MAX_TITLE = 1000


def too_long_error(where: SourceRef, what: str, length: int) -> BuildError:
    return BuildError(
        where,
        f"{what} is {length:,} characters long, more than the {MAX_TITLE:,} a title or a name "
        "may have",
        "shorten it: a longer description belongs in the introduction, or in a note",
        "source.length",
    )


_BIDI_OVERRIDES = re.compile("[\u202a-\u202e]")


def name_error(where: SourceRef, text: str) -> BuildError | None:
    """What a title or a name may not hold, if it does: a character the editions cannot
    carry, or a bidi embedding or override (U+202A to U+202E), which changes the order in
    which a reader sees the characters, not the characters ("Trojan Source")."""
    index = forbidden_character(text)
    if index >= 0:
        return forbidden_character_error(where, text, index)
    found = _BIDI_OVERRIDES.search(text)
    if found is None:
        return None
    char = found.group()
    return BuildError(
        where,
        f"the bidi control U+{ord(char):04X} ({unicodedata.name(char)}) is not allowed in a "
        "title or a name: it changes the order in which a reader sees the characters",
        f"delete it (search for \\u{ord(char):04x}); to set a right-to-left name in a "
        "left-to-right title, put it between U+2067 RIGHT-TO-LEFT ISOLATE and U+2069 POP "
        "DIRECTIONAL ISOLATE",
        "source.bidi-control",
    )


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
    texts as published, the chapters, the glossary, the references, and the book's own
    templates, styles and words (labels/). What dates a build and keys its cache, and what
    the Makefile's targets depend on. (Only regular files inside the book; the loader
    refused the rest.)"""
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
