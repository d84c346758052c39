"""The book's files: which there are (chapters/, glossary/, book.toml) and reading them as text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, ErrorCollector, SourceRef

METADATA_FILE = "book.toml"
CHAPTERS_DIR = "chapters"
GLOSSARY_DIR = "glossary"
SOURCE_DIR = "source"  # the texts as published: what the fidelity check compares against
REFERENCES_FILE = "references.toml"
# Folders of a book's own layout: files here shadow the package's templates and styles.
LAYOUT_DIRS = ("templates", "styles")

CHAPTER_NAME = re.compile(r"^(\d{2,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
GLOSSARY_NAME = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
# Sources are hand-written prose: anything bigger is a mistake, not a chapter.
MAX_SOURCE_BYTES = 2_000_000

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


def read_text(path: Path) -> str:
    """A source file's text; a clear error if it is not UTF-8, too large, or holds
    characters the editions cannot carry."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BuildError(
            path, f"cannot read the file: {exc.strerror}", code="source.read"
        ) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise BuildError(
            path,
            f"the file is {len(data):,} bytes, more than the limit of {MAX_SOURCE_BYTES:,}",
            "split it into smaller files",
            "source.size",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BuildError(
            SourceRef(path, line, column),
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file with UTF-8 encoding in your editor",
            "source.encoding",
        ) from None
    text = text.removeprefix("\ufeff")
    index = forbidden_character(text)
    if index >= 0:
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise forbidden_character_error(SourceRef(path, line, column), text, index)
    return text


def _read_source(path: Path, what: str, needs: str, errors: ErrorCollector) -> str | None:
    """A source's text, or None with the mistake (unreadable, not UTF-8, empty) recorded."""
    try:
        text = read_text(path)
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


def read_chapter_files(root: Path, errors: ErrorCollector) -> list[ChapterFile]:
    folder = root / CHAPTERS_DIR
    if not folder.is_dir():
        errors.add(
            BuildError(folder, "the chapters folder is missing", "create it", "source.missing")
        )
        return []
    chapters: list[ChapterFile] = []
    seen: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix != ".md":
            continue
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
        text = _read_source(path, "the chapter file", "a title and the chapter's text", errors)
        if text is None:
            continue
        chapters.append(ChapterFile(path, text, number, match[2]))
    if not chapters and not errors:
        errors.add(
            BuildError(folder, "no chapters found", "add files named NN-slug.md", "source.none")
        )
    return sorted(chapters, key=lambda c: c.number)


def read_glossary_files(root: Path, errors: ErrorCollector) -> list[GlossaryFile]:
    folder = root / GLOSSARY_DIR
    if not folder.is_dir():
        return []
    entries: list[GlossaryFile] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir() or path.suffix != ".md":
            continue
        match = GLOSSARY_NAME.match(path.name)
        if not match:
            errors.add(
                BuildError(
                    path,
                    f"glossary file name '{path.name}' is not slug.md",
                    "use lowercase words joined by hyphens, like walter-villarroel.md",
                    "source.name",
                )
            )
            continue
        text = _read_source(path, "the glossary file", "`term:` and a definition", errors)
        if text is None:
            continue
        entries.append(GlossaryFile(path, text, match[1]))
    return entries


def source_paths(root: Path) -> list[Path]:
    """Every file the editions are made from: the metadata, the texts as published, the
    chapters, the glossary, the references, and the book's own templates and styles."""
    paths = [root / METADATA_FILE, root / REFERENCES_FILE]
    for folder in (CHAPTERS_DIR, GLOSSARY_DIR):
        if (root / folder).is_dir():
            paths += sorted(p for p in (root / folder).iterdir() if p.suffix == ".md")
    for folder in (SOURCE_DIR, *LAYOUT_DIRS):
        if (root / folder).is_dir():
            paths += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    return [p for p in paths if p.is_file()]


def displayed_sources(root: Path) -> dict[Path, str]:
    """The text of every file whose words the editions show: the metadata, the references,
    the chapters and the glossary (read again, for checks that need the files' own lines)."""
    paths = [root / METADATA_FILE, root / REFERENCES_FILE]
    for folder in (CHAPTERS_DIR, GLOSSARY_DIR):
        if (root / folder).is_dir():
            paths += sorted(p for p in (root / folder).iterdir() if p.suffix == ".md")
    return {path: read_text(path) for path in paths if path.is_file()}
