"""The book's metadata file (book.toml) → a validated, typed BookMeta; every mistake with its line.

A book holds one or more texts (`[[texts]]`), each with its authors, date, language,
translators, publication and rights; a text may be a translation of another (`translation_of`)
or of a text not in the book (`original_language`). `[edition]` is this annotated edition's
own; `[parallel]`, the parallel edition's (sources/parallelmeta.py). Every value is checked
whole (a slug with a trailing newline is not a slug) before any work (the rules:
sources/metacheck.py).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import replace
from pathlib import Path
from typing import Any

from studyguide.errors import BuildError, ErrorCollector
from studyguide.labels.tables import check_labels
from studyguide.model import BookMeta, EditionInfo, Person, Publication, Rights, Text
from studyguide.sources.characters import (
    MAX_TITLE,
    forbidden_character,
    forbidden_character_error,
)
from studyguide.sources.files import (
    METADATA_FILE,
    SOURCE_DIR,
)
from studyguide.sources.metacheck import LANGUAGE, SLUG, TYPEFACE, Checker, Field
from studyguide.sources.parallelmeta import read_parallel
from studyguide.sources.tomlfile import Key, TomlFile, read_toml

__all__ = ["LANGUAGE", "SLUG", "load_meta"]

RIGHTS = ("public-domain", "licence", "permission", "all-rights-reserved")
GENDERS = ("m", "f", "n")
DEFAULT_TYPEFACE = "Charis SIL"

PERSON = {
    "name": Field(str, True, example='name = "Abraham Lincoln"', max_length=MAX_TITLE),
    "sort": Field(str, example='sort = "Lincoln, Abraham"'),
    "full": Field(str, example='full = "Liga Obrera Revolucionaria por la Cuarta Internacional"'),
    "article": Field(str, example='article = "l’"'),
    "gender": Field(str, choices=(*GENDERS, "pl")),
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
    "original_language": Field(str, pattern=LANGUAGE, example='original_language = "es"'),
    "translation_of": Field(str, pattern=SLUG, example='translation_of = "declaration"'),
    "source": Field(str, True, example='source = "source/statement.txt"'),
    "translator": Field(str),
    "translators": Field("strings", example='translators = ["…"]'),
    "gender": Field(str, choices=GENDERS),
    "mark": Field(str, pattern=re.compile(r"[A-Za-z0-9]{1,3}"), example='mark = "EN"'),
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
    "parallel": Field("table"),
}
NESTED = {("texts", "authors"): PERSON, ("texts", "published"): PUBLISHED}
NESTED[("texts", "rights")] = RIGHTS_FIELDS


def _person(values: dict[str, Any]) -> Person:
    name = values["name"]
    return Person(
        name, values.get("sort", name), values.get("full", ""), values.get("article", ""),
        values.get("gender", ""),
    )  # fmt: skip


def _text(checker: Checker, values: dict[str, Any], index: int) -> Text | None:
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
    text = _build_text(good, nested, index)
    lines = (checker.toml.line(key), checker.toml.line((*key, "source")))
    return replace(text, line=lines[0], source_line=lines[1])


def _build_text(good: dict[str, Any], nested: dict[str, Any], index: int) -> Text:
    published = nested.get("published")
    rights = nested.get("rights") or {}
    translators = tuple(good.get("translators", ())) or (
        (good["translator"],) if good.get("translator") else ()
    )
    return Text(
        id=good.get("id", "text" if index == 0 else f"text-{index + 1}"),
        title=good["title"],
        kind=good.get("kind", ""),
        date=good.get("date"),
        language=good.get("language", ""),
        source=Path(good["source"]),
        translator=", ".join(translators),
        authors=tuple(_person(p) for p in nested["authors"]),
        published=Publication(
            published["in"], published.get("publisher", ""), published.get("url", ""),
            published.get("date"),
        ) if published and "in" in published else None,
        rights=Rights(
            rights.get("status", "all-rights-reserved"), rights.get("licence", ""),
            rights.get("holder", ""), rights.get("note", ""),
        ),
        original_language=good.get("original_language", ""),
        translation_of=good.get("translation_of", ""),
        translators=translators,
        gender=good.get("gender", ""),
        mark=good.get("mark", ""),
    )  # fmt: skip


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


def _related(checker: Checker, texts: list[tuple[int, Text]], book: str) -> list[Text]:
    """Each text's language and what it is translated from: `translation_of` names another
    text of the book, whose language it is translated from; `original_language`, a language
    (the same as `language`: a text in its own language, not a translation). The form before
    these fields, `language` alone and not the book's, still means what it meant: a text
    translated into the book's language from that one. With several texts, each has a mark
    for its ¶ numbers (A, B, …, or its own)."""
    ids = {text.id: text for _, text in texts}
    related: list[Text] = []
    for index, text in texts:
        language, original = text.language, text.original_language
        if text.translation_of:
            other = ids.get(text.translation_of)
            if other is None or other.id == text.id:
                checker.error(
                    ("texts", index, "translation_of"),
                    f"'{text.translation_of}' is not another text of the book",
                    "give the id of the text this one translates: "
                    + (", ".join(t.id for t in ids.values() if t.id != text.id) or "(none)"),
                    "meta.translation",
                )  # fmt: skip
                continue
            original = _effective(other, book)
        elif not original and language and _primary(language) != _primary(book):
            language, original = "", language  # the older form
        if original and _primary(original) == _primary(language or book):
            original = ""
        mark = text.mark or (string.ascii_uppercase[len(related) % 26] if len(texts) > 1 else "")
        related.append(replace(text, language=language, original_language=original, mark=mark))
    return related


def _effective(text: Text, book: str) -> str:
    """The language a text's words are in, read as _related reads it."""
    older = not text.translation_of and not text.original_language
    if older and text.language and _primary(text.language) != _primary(book):
        return book
    return text.language or book


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
    checker = Checker(toml, errors)
    top = checker.table(toml.values, TOP, (), "")
    edition = (
        checker.table(top["edition"], EDITION, ("edition",), "edition") if "edition" in top else {}
    )
    read = [(n, _text(checker, t, n)) for n, t in enumerate(top.get("texts", []))]
    texts = [(n, text) for n, text in read if text is not None]
    labels = _labels(checker, top.get("labels", {}))
    _check_ids(checker, texts)
    related = _related(checker, texts, top.get("language", "en"))
    parallel = read_parallel(checker, top.get("parallel"), related)
    errors.raise_if_any()
    return replace(_book_meta(top, edition, related, labels, path), parallel=parallel)


def _labels(checker: Checker, values: dict[str, Any]) -> dict[str, Any]:
    """[labels]: known keys, one-line templates with no placeholder the default lacks."""
    problems = check_labels(values, ("labels",))
    for problem in problems:
        checker.error(problem.key, problem.message, problem.hint, problem.code)
    wrong = {problem.key[1] for problem in problems}
    for key, value in values.items():
        for text in [value] if isinstance(value, str) else value.values():
            index = forbidden_character(text) if key not in wrong else -1
            if index >= 0:
                where = checker.toml.at(("labels", key))
                checker.errors.add(forbidden_character_error(where, text, index))
                wrong.add(key)
    return {key: value for key, value in values.items() if key not in wrong}


def _check_ids(checker: Checker, texts: list[tuple[int, Text]]) -> None:
    seen: dict[str, int] = {}
    for index, text in texts:
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
