"""The book's metadata file (book.toml) → a validated, typed BookMeta; every mistake with its line.

A book holds one or more texts (`[[texts]]`), each with its authors, date, language,
translator, publication and rights; `[edition]` is this annotated edition's own. Every
value is checked whole (a slug with a trailing newline is not a slug) before any work.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studyguide.errors import BuildError, ErrorCollector
from studyguide.labels import EN, fields_of
from studyguide.model import BookMeta, EditionInfo, Person, Publication, Rights, Text
from studyguide.sources.files import (
    MAX_TITLE,
    METADATA_FILE,
    SOURCE_DIR,
    name_error,
    too_long_error,
)
from studyguide.sources.tomlfile import Key, TomlFile, read_toml

LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
TYPEFACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")  # a font family's name
RIGHTS = ("public-domain", "licence", "permission", "all-rights-reserved")
DEFAULT_TYPEFACE = "Charis SIL"
_TYPE_NAMES = {str: "a string", int: "a whole number", dt.date: "a date (YYYY-MM-DD)"}


@dataclass(frozen=True)
class Field:
    kind: type | str  # str, int, dt.date, "table", "tables" (array of tables), "strings"
    required: bool = False
    pattern: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()
    example: str = ""
    max_length: int = 0  # characters (MAX_TITLE, for a title or a name)


PERSON = {
    "name": Field(str, True, example='name = "Abraham Lincoln"', max_length=MAX_TITLE),
    "sort": Field(str, example='sort = "Lincoln, Abraham"'),
    "full": Field(str, example='full = "Liga Obrera Revolucionaria por la Cuarta Internacional"'),
}
PUBLISHED = {
    "in": Field(str, True, example='in = "Left Voice"'),
    "publisher": Field(str),
    "url": Field(str, pattern=re.compile(r"https?://\S+", re.IGNORECASE), example="https://…"),
    "date": Field(dt.date),
}
RIGHTS_FIELDS = {
    "status": Field(str, True, choices=RIGHTS),
    "licence": Field(str, example='licence = "CC BY 4.0"'),
    "holder": Field(str, example='holder = "LOR-CI"'),
    "note": Field(str),
}
TEXT = {
    "id": Field(str, pattern=SLUG, example='id = "statement"'),
    "title": Field(str, True, max_length=MAX_TITLE),
    "kind": Field(str, example='kind = "statement"'),
    "date": Field(dt.date, example="date = 2006-10-05"),
    "language": Field(str, pattern=LANGUAGE, example='language = "es"'),
    "source": Field(str, True, example='source = "source/statement.txt"'),
    "translator": Field(str),
    "authors": Field("tables", True, example='authors = [{ name = "…", sort = "…" }]'),
    "published": Field("table"),
    "rights": Field("table", True, example='rights = { status = "public-domain" }'),
}
EDITION = {
    "editors": Field(str, True, example='editors = "The study group"'),
    "publisher": Field(str),
    "date": Field(dt.date, example="date = 2026-11-25"),
    "year": Field(int, example="year = 2026"),
    "licence": Field(str, example='licence = "CC BY-SA 4.0"'),
    "credits": Field(str),
}
TOP = {
    "title": Field(str, True, max_length=MAX_TITLE),
    "subtitle": Field(str, max_length=MAX_TITLE),
    "language": Field(str, True, LANGUAGE, example='language = "en"'),
    "slug": Field(str, pattern=SLUG, example='slug = "huanuni-study-guide"'),
    "identifier": Field(str, True, example='identifier = "urn:uuid:…"'),
    "typeface": Field(str, pattern=TYPEFACE, example='typeface = "Charis SIL"'),
    "subjects": Field("strings", example='subjects = ["Bolivia", "Mining"]'),
    "edition": Field("table", True),
    "texts": Field("tables", True),
    "labels": Field("table"),
}
NESTED = {("texts", "authors"): PERSON, ("texts", "published"): PUBLISHED}
NESTED[("texts", "rights")] = RIGHTS_FIELDS


class _Checker:
    """Checks book.toml's values against the specs above, collecting every mistake."""

    def __init__(self, toml: TomlFile, errors: ErrorCollector) -> None:
        self.toml, self.errors = toml, errors

    def error(self, key: Key, message: str, hint: str, code: str) -> None:
        self.errors.add(BuildError(self.toml.at(key), message, hint, code))

    def table(self, values: Any, spec: dict[str, Field], key: Key, name: str) -> dict[str, Any]:
        """The table's valid values; a mistake recorded for each wrong one."""
        if not isinstance(values, dict):
            self.error(key, f"'{name}' should be a table", f"write it as [{name}]", "meta.shape")
            return {}
        good: dict[str, Any] = {}
        prefix = f"{name}." if name else ""
        for field in values:
            if field not in spec:
                self.error(
                    (*key, field),
                    f"unknown field '{prefix}{field}'",
                    "the fields here are: " + ", ".join(spec),
                    "meta.unknown",
                )
        for field, rule in spec.items():
            if field not in values:
                if rule.required:
                    where = f" under [{name}]" if name else ""
                    self.error(
                        key,
                        f"missing field '{prefix}{field}'",
                        f"add `{rule.example or field + ' = …'}`{where}",
                        "meta.missing",
                    )
                continue
            value = self.value(values[field], rule, (*key, field), f"{prefix}{field}")
            if value is not None:
                good[field] = value
        return good

    def value(self, value: Any, rule: Field, key: Key, name: str) -> Any:
        if rule.kind in ("table", "tables", "strings"):
            return self._compound(value, rule, key, name)
        wrong = not isinstance(value, rule.kind) or isinstance(value, bool)  # type: ignore[arg-type]
        if rule.kind is dt.date and isinstance(value, dt.datetime):
            wrong = True
        if wrong:
            self.error(
                key,
                f"field '{name}' should be {_TYPE_NAMES[rule.kind]}, "  # type: ignore[index]
                f"not {type(value).__name__}",
                'strings go in quotes ("…"), dates are written 2006-10-05',
                "meta.type",
            )
            return None
        if isinstance(value, str):
            return self._text(value, rule, key, name)
        return value

    def _text(self, value: str, rule: Field, key: Key, name: str) -> str | None:
        unsafe = name_error(self.toml.at(key), value)
        if unsafe is not None:
            self.errors.add(unsafe)
            return None
        if not value.strip():
            self.error(
                key, f"field '{name}' is empty", "write a value between the quotes", "meta.empty"
            )
            return None
        if "\n" in value or "\r" in value or value != value.strip():
            self.error(
                key,
                f"field '{name}' has a line break or spaces at its start or end",
                "write the value on one line, with nothing before or after it inside the quotes",
                "meta.whitespace",
            )
            return None
        if rule.max_length and len(value) > rule.max_length:
            self.errors.add(too_long_error(self.toml.at(key), f"field '{name}'", len(value)))
            return None
        if rule.pattern is not None and not rule.pattern.fullmatch(value):
            self.error(key, *_pattern_message(name, value, rule))
            return None
        if rule.choices and value not in rule.choices:
            self.error(
                key,
                f"field '{name}' is '{value}', which is not one of its values",
                "use one of: " + ", ".join(rule.choices),
                "meta.value",
            )
            return None
        return value

    def _compound(self, value: Any, rule: Field, key: Key, name: str) -> Any:
        if rule.kind == "strings":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.error(key, f"'{name}' should be a list of strings", rule.example, "meta.type")
                return None
            return [v for v in (self._text(v, Field(str), key, name) for v in value) if v]
        if rule.kind == "table" and not isinstance(value, dict):
            self.error(key, f"'{name}' should be a table", f"write it as [{name}]", "meta.shape")
            return None
        if rule.kind == "tables" and not (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            self.error(
                key,
                f"'{name}' should be one or more tables",
                f"write each as [[{name}]]" + (f", or {rule.example}" if rule.example else ""),
                "meta.shape",
            )
            return None
        return value


def _pattern_message(name: str, value: str, rule: Field) -> tuple[str, str, str]:
    if rule.pattern is LANGUAGE:
        return (
            f"'{value}' is not a language tag",
            'use a BCP 47 tag such as "en" or "en-GB"',
            "meta.language",
        )
    if rule.pattern is SLUG:
        return (
            f"{name} '{value}' is not lowercase words joined by hyphens",
            f"write for example {rule.example}",
            "meta.slug",
        )
    if rule.pattern is TYPEFACE:
        return (
            f"typeface '{value}' is not a font family's name",
            'write the family as fontconfig lists it, for example typeface = "Charis SIL"',
            "meta.typeface",
        )
    return (f"field '{name}' is not a web address: '{value}'", "write https://…", "meta.url")


def _person(values: dict[str, Any]) -> Person:
    name = values["name"]
    return Person(name, values.get("sort", name), values.get("full", ""))


def _text(checker: _Checker, values: dict[str, Any], index: int) -> Text | None:
    key: Key = ("texts", index)
    good = checker.table(values, TEXT, key, "texts")
    nested: dict[str, Any] = {}
    for (_, field), spec in NESTED.items():
        if field not in good:
            continue
        items = good[field] if isinstance(good[field], list) else [good[field]]
        checked = [
            checker.table(
                item, spec, (*key, field, n) if field == "authors" else (*key, field), field
            )
            for n, item in enumerate(items)
        ]
        nested[field] = checked if field == "authors" else checked[0]
    if not {"title", "source", "authors", "rights"} <= good.keys() or any(
        "name" not in person for person in nested.get("authors", [])
    ):
        return None
    source = Path(good["source"])
    if source.is_absolute() or ".." in source.parts or source.parts[:1] != (SOURCE_DIR,):
        checker.error(
            (*key, "source"),
            f"the text's source '{good['source']}' is not a file in the book's {SOURCE_DIR}/ "
            "folder",
            f'give a path such as "{SOURCE_DIR}/statement.txt"',
            "meta.source",
        )
        return None
    return _build_text(good, nested, index)


def _build_text(good: dict[str, Any], nested: dict[str, Any], index: int) -> Text:
    published = nested.get("published")
    rights = nested.get("rights") or {}
    return Text(
        id=good.get("id", "text" if index == 0 else f"text-{index + 1}"),
        title=good["title"],
        kind=good.get("kind", ""),
        date=good.get("date"),
        language=good.get("language", ""),
        source=Path(good["source"]),
        translator=good.get("translator", ""),
        authors=tuple(_person(p) for p in nested["authors"]),
        published=Publication(
            published["in"], published.get("publisher", ""), published.get("url", ""),
            published.get("date"),
        ) if published and "in" in published else None,
        rights=Rights(
            rights.get("status", "all-rights-reserved"), rights.get("licence", ""),
            rights.get("holder", ""), rights.get("note", ""),
        ),
    )  # fmt: skip


def _old_format(toml: TomlFile) -> BuildError:
    return BuildError(
        toml.at(("original",)),
        "book.toml is in the old form, with one [original] article",
        "run `studyguide migrate` to rewrite it as [[texts]] (book.toml.bak keeps the old one); "
        "docs/authoring.md shows the new form",
        "meta.old-format",
    )


def load_meta(root: Path) -> BookMeta:
    """Read and validate `book.toml` in the book's folder."""
    path = root / METADATA_FILE
    if not path.is_file():
        raise BuildError(
            path,
            "the book's metadata file is missing",
            f"create {METADATA_FILE} with title, language, identifier, [edition] and "
            "[[texts]], or start a book with `studyguide new`",
            "meta.missing-file",
        )
    toml = read_toml(root, path)
    if "original" in toml.values and "texts" not in toml.values:
        raise _old_format(toml)
    errors = ErrorCollector()
    checker = _Checker(toml, errors)
    top = checker.table(toml.values, TOP, (), "")
    edition = (
        checker.table(top["edition"], EDITION, ("edition",), "edition") if "edition" in top else {}
    )
    texts = [_text(checker, t, n) for n, t in enumerate(top.get("texts", []))]
    labels = _labels(checker, top.get("labels", {}))
    _check_ids(checker, [t for t in texts if t is not None])
    errors.raise_if_any()
    return _book_meta(top, edition, [t for t in texts if t is not None], labels, path)


def _labels(checker: _Checker, values: dict[str, Any]) -> dict[str, str]:
    """[labels]: known keys, one-line strings, the same {placeholders} as the default."""
    good: dict[str, str] = {}
    for key, value in values.items():
        if key not in EN:
            checker.error(
                ("labels", key),
                f"unknown label '{key}'",
                "the labels are: " + ", ".join(EN),
                "meta.unknown",
            )
            continue
        text = checker.value(value, Field(str), ("labels", key), f"labels.{key}")
        if text is None:
            continue
        unknown = fields_of(text) - fields_of(EN[key])
        if unknown:
            checker.error(
                ("labels", key),
                f"label '{key}' has the placeholder {{{sorted(unknown)[0]}}}, which it cannot fill",
                "its placeholders are: "
                + (", ".join(f"{{{name}}}" for name in sorted(fields_of(EN[key]))) or "none"),
                "meta.label",
            )
            continue
        good[key] = text
    return good


def _check_ids(checker: _Checker, texts: list[Text]) -> None:
    seen: dict[str, int] = {}
    for index, text in enumerate(texts):
        if text.id in seen:
            checker.error(
                ("texts", index, "id"),
                f"two texts have the id '{text.id}'",
                "give each [[texts]] its own id",
                "meta.duplicate",
            )
        seen[text.id] = index


def _book_meta(
    top: dict[str, Any], edition: dict[str, Any], texts: list[Text], labels: dict, path: Path
) -> BookMeta:
    return BookMeta(
        title=top["title"],
        subtitle=top.get("subtitle", ""),
        slug=top.get("slug") or "-".join(re.findall(r"[a-z0-9]+", top["title"].lower())[:6]),
        language=top["language"],
        identifier=top["identifier"],
        typeface=top.get("typeface", DEFAULT_TYPEFACE),
        subjects=tuple(top.get("subjects", ())),
        edition=EditionInfo(
            editors=edition["editors"],
            publisher=edition.get("publisher", edition["editors"]),
            date=edition.get("date"),
            year=edition.get("year", 0),
            licence=edition.get("licence", ""),
            credits=edition.get("credits", ""),
        ),
        texts=tuple(texts),
        labels=dict(labels),
        path=path,
    )
