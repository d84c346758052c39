"""`studyguide import FILE`: a text (.txt, .md, .html) → its chapters and its source text.

The text is written once: the chapters hold it, ready to annotate, and source/<id>.txt keeps
it as published, for the fidelity check; book.toml's [[texts]] entry is pointed at it.
Everything is read and checked before anything is written; chapters that would be replaced
are refused, or with --force moved to replaced/<time>/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from studyguide.authoring import blocks as shaping
from studyguide.authoring.blocks import ChapterPlan
from studyguide.authoring.bookfiles import (
    REPLACED_DIR,
    ChapterFile,
    chapter_files,
    place,
    replaced_folder,
    staged,
)
from studyguide.authoring.changes import Undone, apply, check_inside, write_error
from studyguide.authoring.chapterwrite import chapter_text, source_text
from studyguide.authoring.importread import Imported, Request, read_import
from studyguide.authoring.new import placeholder_titles, skeleton, text_entry
from studyguide.authoring.slugs import slugify
from studyguide.authoring.tomledit import add_text, set_text_fields
from studyguide.errors import BuildError, SourceRef, counted
from studyguide.model import BookMeta
from studyguide.sources.characters import (
    MAX_TITLE,
    name_error,
    too_long_error,
)
from studyguide.sources.files import (
    CHAPTERS_DIR,
    METADATA_FILE,
    SOURCE_DIR,
    read_text,
)
from studyguide.sources.meta import SLUG, load_meta
from studyguide.sources.trust import MAX_SOURCE_BYTES


def _check_loadable(
    files: dict[Path, str], plans: list[ChapterPlan], title: str, request: Request
) -> None:
    """What import writes, the loader must read: no source over its size limit, no title
    over its length or with a bidi override."""
    for path, text in files.items():
        size = len(text.encode("utf-8"))
        if size > MAX_SOURCE_BYTES:
            raise BuildError(
                request.file,
                f"the text would make {path.relative_to(request.root).as_posix()} {size:,} "
                f"bytes long, more than the {MAX_SOURCE_BYTES:,} a book's source file may have",
                "import a part of it at a time, with --start and --end (and --text ID for "
                "each part after the first), or only the text's own page",
                "import.size",
            )
    for where, what, name in [
        *((SourceRef(request.file, plan.line), "this heading", plan.title) for plan in plans),
        (SourceRef(request.file), "the text's title", title),
    ]:
        if len(name) > MAX_TITLE:
            raise too_long_error(where, what, len(name))
        unsafe = name_error(where, name)  # (a bidi override, which a title may not hold)
        if unsafe is not None:
            raise unsafe


@dataclass(frozen=True)
class Target:
    """The [[texts]] entry the import fills: its place in book.toml (None: a new entry)."""

    index: int | None
    id: str
    title: str
    source: str  # the entry's source file now ("" for a new entry)


def _target(meta: BookMeta, request: Request, chapters: list[ChapterFile]) -> Target:
    texts = meta.texts
    if request.text is not None:
        if not SLUG.fullmatch(request.text):
            raise BuildError(
                None,
                f"--text '{request.text}' is not lowercase words joined by hyphens",
                'give the id of a [[texts]] entry, or a new one such as "second-speech"',
                "import.option",
            )
        for index, text in enumerate(texts):
            if text.id == request.text:
                return Target(index, text.id, text.title, text.source.as_posix())
        return Target(None, request.text, "", "")
    if len(texts) == 1:
        return Target(0, texts[0].id, texts[0].title, texts[0].source.as_posix())
    used = {c.text for c in chapters if c.kind == "article"}
    for index, text in enumerate(texts):
        if text.id not in used and not (meta.path.parent / text.source).exists():
            return Target(index, text.id, text.title, text.source.as_posix())
    raise BuildError(
        meta.path,
        "the book has several texts, and each has chapters already",
        "say which to import with --text ID (" + ", ".join(t.id for t in texts) + "), "
        "or give a new id to add a text",
        "import.which-text",
    )


def _replaced(root: Path, target: Target, chapters: list[ChapterFile], force: bool) -> list[Path]:
    """The files an import of this text replaces: refused without --force."""
    old = [c.path for c in chapters if c.kind == "article" and c.text == target.id]
    sources = {target.source, f"{SOURCE_DIR}/{target.id}.txt"} - {""}
    old += [root / s for s in sorted(sources) if (root / s).is_file()]
    if old and not force:
        shown = ", ".join(p.relative_to(root).as_posix() for p in old[:3])
        more = f" and {len(old) - 3} more" if len(old) > 3 else ""
        raise BuildError(
            old[0],
            f"the text '{target.id}' is in the book already ({shown}{more}); importing it "
            "again would replace its chapters and their notes",
            "import again with --force to replace them (the old files are moved to "
            "replaced/, not deleted), or add the text as a new one with --text NEW-ID",
            "import.exists",
        )
    return old


def _plans(imported: Imported, title: str, request: Request) -> list[ChapterPlan]:
    path = request.file
    if not any(not block.heading_like for block in imported.blocks):
        first, last = imported.lines
        where = f"between line {first} and line {last}" if first else "in the file"
        raise BuildError(
            SourceRef(path, first),
            f"there is no paragraph of text {where}, only "
            + ("short lines that look like headings" if imported.blocks else "blank lines"),
            "check --start and --end (both lines are taken), or the file: is it the text?",
            "import.empty",
        )
    splits = shaping.split_points(imported.blocks, request.split_at, path)
    return shaping.shape(imported.blocks, title, splits)


def _text_title(request: Request, target: Target, imported: Imported) -> str:
    """The text's title: as given, as book.toml has it, or (for a placeholder) the file's."""
    if request.title:
        return " ".join(request.title.split())
    if target.title and target.title not in placeholder_titles():
        return target.title
    if imported.title:
        return imported.title
    if imported.blocks and imported.blocks[0].kind != "paragraph":
        return imported.blocks[0].text  # the text begins with a heading: its title, likely
    stem = " ".join(request.file.stem.replace("-", " ").replace("_", " ").split())
    return stem[:1].upper() + stem[1:]


def _book_toml(meta: BookMeta, target: Target, title: str, source: str) -> str:
    """book.toml with the text's entry pointing at its new source (a new entry if needed)."""
    path = meta.path
    current = read_text(path.parent, path)
    if target.index is None:
        words = skeleton(meta.language).words
        return add_text(current, text_entry(target.id, title, source, words))
    fields = {"source": source} | ({"title": title} if title != target.title else {})
    return set_text_fields(path, current, target.index, fields)


def import_text(request: Request, now: dt.datetime | None = None) -> list[str]:
    """Import the text; what was done, a line each."""
    root = request.root
    meta = load_meta(root)
    imported = read_import(request)
    chapters = chapter_files(root, meta.texts[0].id)
    target = _target(meta, request, chapters)
    title = _text_title(request, target, imported)
    plans = _plans(imported, title, request)
    if request.dry_run:
        return _dry_run(request, imported, plans, target)
    replaced = _replaced(root, target, chapters, request.force)
    source = f"{SOURCE_DIR}/{target.id}.txt"
    others = [c for c in chapters if c.path not in replaced]
    placement = place(others, len(plans), [c.number for c in chapters if c.path in replaced])
    published = source_text(plans)
    _check_loadable({root / source: published}, plans, title, request)  # (before the work)
    files = {
        root / CHAPTERS_DIR / f"{number:0{placement.width}d}-{_slug(plan, n)}.md": chapter_text(
            plan, target.id, source, request.file
        )
        for n, (number, plan) in enumerate(zip(placement.numbers, plans, strict=True), start=1)
    }
    files[root / source] = published
    files[meta.path] = _book_toml(meta, target, title, source)
    _check_loadable(files, plans, title, request)
    # Everything is checked: the files are written together, or none is (changes.py).
    folder = replaced_folder(root, now or dt.datetime.now())
    check_inside(root, [root / CHAPTERS_DIR, root / SOURCE_DIR, root / REPLACED_DIR])
    try:
        apply(root, staged(root, folder, replaced, placement.renames, files))
    except (Undone, OSError) as failure:
        raise write_error(
            root, failure, "fix the problem (space, permissions) and import again", "import.write"
        ) from None
    return _summary(request, imported, plans, list(files), target, title, replaced, folder) + [
        f"renumbered {old.name} as {new.name}" for old, new in placement.renames
    ]


def _dry_run(
    request: Request, imported: Imported, plans: list[ChapterPlan], target: Target
) -> list[str]:
    """What an import would keep, chapter by chapter, and what it leaves out: nothing written."""
    said = [
        f"read {request.file}: lines {imported.lines[0]} to {imported.lines[1]} "
        "(--dry-run: nothing is written)"
    ]
    for number, plan in enumerate(plans, start=1):
        said.append(f"chapter {number}: '{plan.title}'")
        said += [f"  keep line {block.line} ({role}): '{_short(block.text)}'"
                 for role, block in plan.blocks]  # fmt: skip
    said += [dropped.said() for dropped in sorted(imported.dropped, key=lambda d: d.line)]
    said.append(
        f"would write {counted(len(plans), 'chapter')} of the text '{target.id}' and "
        f"{SOURCE_DIR}/{target.id}.txt; import again without --dry-run to write them"
    )
    return said


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _slug(plan: ChapterPlan, number: int) -> str:
    return slugify(plan.title, max_words=5, max_length=40) or f"part-{number}"


def _summary(
    request: Request,
    imported: Imported,
    plans: list[ChapterPlan],
    written: list[Path],
    target: Target,
    title: str,
    replaced: list[Path],
    folder: Path,
) -> list[str]:
    root = request.root
    names = [p.relative_to(root).as_posix() for p in written]
    headings = sum(plan.title_is_heading for plan in plans)
    paragraphs = sum(role == "paragraph" for plan in plans for role, _ in plan.blocks)
    signature = sum(role == "signature" for plan in plans for role, _ in plan.blocks)
    chapters = names[0] if len(plans) == 1 else f"{names[0]} to {names[len(plans) - 1]}"
    signature = f", a signature of {counted(signature, 'line')}" if signature else ""
    done = [
        f"read {request.file}: lines {imported.lines[0]} to {imported.lines[1]}, "
        f"{counted(headings, 'heading')}, {counted(paragraphs, 'paragraph')}{signature}",
        f"wrote {chapters}: {counted(len(plans), 'chapter')} of the text '{target.id}', "
        "ready to annotate",
        f"wrote {names[-2]}: the text as published, which `studyguide check` compares the "
        "chapters with",
        f"updated {METADATA_FILE}: the text '{target.id}' is titled '{title}', its source is "
        f"{names[-2]}",
    ]
    if replaced:
        done.append(f"moved the replaced files to {folder.relative_to(root).as_posix()}/")
    done += [dropped.said() for dropped in sorted(imported.dropped, key=lambda d: d.line)]
    if imported.dropped:
        done.append(
            "if a piece left out is the text's, import again with --force and "
            "--keep-furniture (then only --exclude SELECTOR and --drop TEXT leave anything "
            "out); --dry-run shows what would be kept"
        )
    if imported.guessed and headings:
        lines = ", ".join(str(plan.line) for plan in plans if plan.title_is_heading)
        done.append(
            f"the headings were guessed from short lines without end punctuation (lines "
            f"{lines}); if one is wrong, mark the headings `# Heading` in {request.file}, "
            "separate paragraphs with a blank line, and import again with --force"
        )
    done.append(
        "next: check the chapter titles, and the text's authors, date, publication and "
        f"rights in {METADATA_FILE}; annotate; then `studyguide check` and `studyguide build`"
    )
    return done
