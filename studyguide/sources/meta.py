"""The book metadata file (book.toml) → a validated, typed BookMeta."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.model import BookMeta, Credits, Original
from studyguide.sources.files import (
    METADATA_FILE,
    forbidden_character,
    forbidden_character_error,
)

# key → (type, required); tables are checked one level deep.
_TOP = {
    "title": (str, True),
    "subtitle": (str, False),
    "slug": (str, False),
    "language": (str, True),
    "identifier": (str, True),
    "original": (dict, True),
    "edition": (dict, True),
}
_ORIGINAL = {
    "author": (str, True),
    "author_full": (str, False),
    "author_english": (str, False),
    "date": (dt.date, True),
    "publication": (str, True),
    "published": (dt.date, True),
}
_EDITION = {
    "editors": (str, True),
    "credits": (str, False),
    "year": (int, True),
}
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TYPE_NAMES = {
    str: "a string",
    int: "a whole number",
    dt.date: "a date (YYYY-MM-DD)",
    dict: "a table",
}


def _line_of(text: str, key: str, table: str | None) -> int:
    """The line where `key` is set (in `[table]` if given); 0 if it is not there."""
    in_table = table is None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped == f"[{table}]" if table else False
            if table is not None and stripped == f"[{key}]":
                return number
            continue
        if in_table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return 0


def _check_table(
    values: dict[str, Any],
    spec: dict[str, tuple[type, bool]],
    table: str | None,
    path: Path,
    text: str,
    errors: ErrorCollector,
) -> None:
    prefix = f"{table}." if table else ""
    for key in values:
        if key not in spec:
            known = ", ".join(spec)
            errors.add(
                BuildError(
                    SourceRef(path, _line_of(text, key, table)),
                    f"unknown field '{prefix}{key}'",
                    f"the fields here are: {known}",
                    "meta.unknown",
                )
            )
    for key, (kind, required) in spec.items():
        if key not in values:
            if required:
                where = SourceRef(path, _line_of(text, table, None) if table else 0)
                errors.add(
                    BuildError(
                        where,
                        f"missing field '{prefix}{key}'",
                        f"add `{key} = …` ({_TYPE_NAMES[kind]})"
                        + (f" under [{table}]" if table else ""),
                        "meta.missing",
                    )
                )
            continue
        value = values[key]
        wrong = not isinstance(value, kind) or (kind is dt.date and isinstance(value, dt.datetime))
        if kind is int and isinstance(value, bool):
            wrong = True
        if not wrong and kind is str and forbidden_character(value) >= 0:
            errors.add(
                forbidden_character_error(
                    SourceRef(path, _line_of(text, key, table)), value, forbidden_character(value)
                )
            )
        if not wrong and kind is str and not value.strip():
            errors.add(
                BuildError(
                    SourceRef(path, _line_of(text, key, table)),
                    f"field '{prefix}{key}' is empty",
                    "write a value between the quotes",
                    "meta.empty",
                )
            )
        if wrong:
            errors.add(
                BuildError(
                    SourceRef(path, _line_of(text, key, table)),
                    f"field '{prefix}{key}' should be {_TYPE_NAMES[kind]}, "
                    f"not {type(value).__name__}",
                    'strings go in quotes ("…"), dates are written 2006-10-05',
                    "meta.type",
                )
            )


def load_meta(root: Path) -> BookMeta:
    """Read and validate `book.toml` in the book's folder."""
    path = root / METADATA_FILE
    if not path.is_file():
        raise BuildError(
            path,
            "the book's metadata file is missing",
            f"create {METADATA_FILE} with title, language, identifier, [original] and [edition]",
            "meta.missing-file",
        )
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise BuildError(
            path, f"not UTF-8 text: {exc.reason}", "save the file as UTF-8", "meta.encoding"
        ) from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+), column (\d+)", str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (0, 0)
        message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise BuildError(
            SourceRef(path, line, column),
            f"not valid TOML: {message}",
            "check quotes, `=` signs and [table] headers on that line",
            "meta.syntax",
        ) from None

    errors = ErrorCollector()
    _check_table(values, _TOP, None, path, text, errors)
    for name, spec in (("original", _ORIGINAL), ("edition", _EDITION)):
        if isinstance(values.get(name), dict):
            _check_table(values[name], spec, name, path, text, errors)
    language = values.get("language")
    if isinstance(language, str) and language.strip() and not _LANGUAGE.match(language):
        errors.add(
            BuildError(
                SourceRef(path, _line_of(text, "language", None)),
                f"'{language}' is not a language tag",
                'use a BCP 47 tag such as "en" or "en-GB"',
                "meta.language",
            )
        )
    slug = values.get("slug")
    if isinstance(slug, str) and slug.strip() and not _SLUG.match(slug):
        errors.add(
            BuildError(
                SourceRef(path, _line_of(text, "slug", None)),
                f"slug '{slug}' is not a file name of lowercase words joined by hyphens",
                'write for example slug = "huanuni-study-guide"',
                "meta.slug",
            )
        )
    errors.raise_if_any()

    original = values["original"]
    edition = values["edition"]
    return BookMeta(
        title=values["title"].strip(),
        subtitle=values.get("subtitle", "").strip(),
        slug=values.get("slug") or "-".join(re.findall(r"[a-z0-9]+", values["title"].lower())[:6]),
        language=values["language"],
        identifier=values["identifier"].strip(),
        original=Original(
            author=original["author"],
            author_full=original.get("author_full", ""),
            author_english=original.get("author_english", ""),
            date=original["date"],
            publication=original["publication"],
            published=original["published"],
        ),
        edition=Credits(
            editors=edition["editors"], credits=edition.get("credits", ""), year=edition["year"]
        ),
        path=path,
    )
