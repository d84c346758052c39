"""`studyguide migrate`: a book.toml of the old form (one [original] article) → [[texts]].

The old file is kept as book.toml.bak. The article's stored text gets its headings marked
(`# Heading`): they are the blocks its chapters take their titles from, which the
fidelity check then compares, as it did before. The old file is checked as the loader
checks the new one (every mistake with its line) before anything is written, and the
backup, book.toml and the text are written together or not at all (changes.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from studyguide.authoring.changes import Change, Undone, apply, write_error
from studyguide.authoring.tomlwrite import book_toml
from studyguide.errors import BuildError, ErrorCollector, counted
from studyguide.sources.checks import HEADING
from studyguide.sources.files import METADATA_FILE, read_text
from studyguide.sources.meta import EDITION, TOP
from studyguide.sources.metacheck import Checker, Field
from studyguide.sources.tomlfile import read_toml
from studyguide.sources.trust import read_source_bytes

OLD_SOURCE = "source/article.txt"
BACKUP = METADATA_FILE + ".bak"
# The old form's fields: the book's as now (but [[texts]]), one [original] article.
OLD_TOP = {key: rule for key, rule in TOP.items() if key != "texts"}
OLD_TOP["original"] = Field("table", True)
OLD_ORIGINAL = {
    "author": Field(str, True, example='author = "LOR-CI"'),
    "author_full": Field(str),
    "author_english": Field(str),
    "date": Field(dt.date, example="date = 2006-10-05"),
    "publication": Field(str, True, example='publication = "Left Voice"'),
    "published": Field(dt.date, True, example="published = 2006-10-16"),
}
_KEPT = ("title", "subtitle", "language", "slug", "identifier", "typeface", "subjects", "labels")


def _old_form(root: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The old file's book fields, [original] and [edition], each checked with its line."""
    path = root / METADATA_FILE
    toml = read_toml(root, path)
    if "texts" in toml.values or "original" not in toml.values:
        raise BuildError(
            path,
            "book.toml is not in the old form (it has no [original] table)",
            "nothing to migrate; docs/authoring.md describes the fields",
            "migrate.nothing",
        )
    errors = ErrorCollector()
    checker = Checker(toml, errors)
    top = checker.table(toml.values, OLD_TOP, (), "")
    if "original" not in top:
        errors.raise_if_any()
    # (A table of the wrong shape is one mistake, not one a field.)
    original = checker.table(top.get("original", {}), OLD_ORIGINAL, ("original",), "original")
    edition = (
        checker.table(top["edition"], EDITION, ("edition",), "edition") if "edition" in top else {}
    )
    errors.raise_if_any()
    return top, original, edition


def _new_form(top: dict[str, Any], original: dict[str, Any], edition: dict[str, Any]) -> str:
    full = ", ".join(v for v in (original.get("author_full"), original.get("author_english")) if v)
    author = {"name": original["author"], **({"full": full} if full else {})}
    text = {
        "id": "text",
        "title": top["title"],
        "date": original.get("date"),
        "source": OLD_SOURCE,
        "authors": [author],
        "published": {"in": original["publication"], "date": original["published"]},
        "rights": {"status": "all-rights-reserved", "holder": original["author"]},
    }
    kept = {key: top[key] for key in _KEPT if key in top}
    return book_toml(kept, edition, [{k: v for k, v in text.items() if v is not None}])


def _refuse_backup(root: Path) -> None:
    backup = root / BACKUP
    if backup.exists() or backup.is_symlink():
        what = "a link" if backup.is_symlink() else "there already"
        raise BuildError(
            backup,
            f"{BACKUP} is {what}: migrate keeps the old book.toml there, and never writes "
            "over a file or through a link",
            f"move {BACKUP} out of the book's folder (or delete it if you no longer need it), "
            "then run `studyguide migrate` again",
            "migrate.backup",
        )


def migrate(root: Path) -> list[str]:
    """Rewrite the book's metadata in the new form; what was done, a line each."""
    path = root / METADATA_FILE
    top, original, edition = _old_form(root)
    _refuse_backup(root)
    old = read_source_bytes(root, path)
    changes = [Change(root / BACKUP, old), Change(path, _new_form(top, original, edition), False)]
    marked, source = _marked_source(root)
    if marked:
        changes.insert(1, Change(root / OLD_SOURCE, source, False))
    try:
        apply(root, changes)
    except (Undone, OSError) as failure:
        raise write_error(
            path, failure, "fix the problem (space, permissions) and migrate again", "migrate.write"
        ) from None
    done = [f"rewrote {METADATA_FILE} with one [[texts]] (the old file is {BACKUP})"]
    if marked:
        done.append(f"marked {counted(marked, 'heading')} in {OLD_SOURCE} (# Heading)")
    done.append(
        "check the text's rights and original language in book.toml: the old form did not "
        "say them (rights are set to all-rights-reserved, held by the author)"
    )
    return done


def _marked_source(root: Path) -> tuple[int, str]:
    """The stored article with the blocks that chapters take as their titles marked as
    headings, and how many were marked (0: nothing to change)."""
    from studyguide.sources.files import read_chapter_files
    from studyguide.sources.frontmatter import read_front_matter
    from studyguide.sources.markdown import make_front_matter_parser

    source = root / OLD_SOURCE
    if not source.exists() and not source.is_symlink():
        return 0, ""
    text = read_text(root, source)  # (a link out of the book, or a FIFO, is refused)
    parser = make_front_matter_parser()
    titles = []
    for chapter in read_chapter_files(root, ErrorCollector()):
        front = read_front_matter(
            parser.parse(chapter.text, {}), chapter.path, "", ErrorCollector()
        )
        if front and str(front.values.get("kind", "article")) in ("article", "text"):
            titles.append(" ".join(str(front.values.get("title", "")).split()))
    blocks = text.split("\n\n")
    marked = 0
    for index, block in enumerate(blocks):
        if titles and " ".join(block.split()) == titles[0] and not block.startswith(HEADING):
            blocks[index] = HEADING + block.strip()
            titles.pop(0)
            marked += 1
    return marked, "\n\n".join(blocks)
