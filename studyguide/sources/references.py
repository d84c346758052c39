"""references.toml → the sources the annotations cite, each with the label its citations show;
every citation checked against them."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.labels import Labels
from studyguide.model import Citation, Reference
from studyguide.sources.characters import name_error
from studyguide.sources.files import REFERENCES_FILE
from studyguide.sources.tomlfile import TomlFile, read_toml

KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
URL = re.compile(r"https?://\S+", re.IGNORECASE)
FIELDS = {"author": True, "title": True, "publisher": False, "date": False, "url": False}
FIELDS["note"] = False


def alphabetical(text: str) -> str:
    """The key that sorts text alphabetically, accents and case aside."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _names(author: str, labels: Labels) -> str:
    """The names a citation shows: surnames ("Klein"), two joined, three or more "et al."."""
    # (A name's description in brackets, "Bolivia Minera (blog)", is the list's, not the call's.)
    people = [
        re.sub(r"\s*\([^)]*\)", "", p).split(",")[0].strip() for p in author.split(";") if p.strip()
    ]
    if len(people) > 2:
        return f"{people[0]} et al."
    return f" {labels['and']} ".join(people)


def _field(toml: TomlFile, key: str, field: str, value: Any, errors: ErrorCollector) -> str | None:
    """One field of a source, checked: a known name, one line of text, a date or URL's form."""
    at = toml.at((key, field))
    if field not in FIELDS:
        errors.add(
            BuildError(
                at,
                f"unknown field '{key}.{field}'",
                "the fields are: " + ", ".join(FIELDS),
                "references.unknown-field",
            )
        )
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else value
    if not isinstance(text, str) or not text.strip() or "\n" in text:
        errors.add(
            BuildError(
                at,
                f"'{key}.{field}' should be one line of text",
                f'write {field} = "…"',
                "references.type",
            )
        )
        return None
    unsafe = name_error(at, text)  # (a TOML escape can hold what the file itself cannot)
    if unsafe is not None:
        errors.add(unsafe)
        return None
    pattern = {"date": DATE, "url": URL}.get(field)
    if pattern and not (pattern.fullmatch(text) and (field != "date" or _is_a_day(text))):
        hint = 'write "2007", "2007-03" or "2007-03-14"' if field == "date" else "https://…"
        errors.add(
            BuildError(at, f"'{key}.{field}' is not a {field}: '{text}'", hint, "references.value")
        )
        return None
    return text.strip()


def _is_a_day(date: str) -> bool:
    """Whether "2007", "2007-03" or "2007-03-14" names a month and day that exist."""
    year, month, day = ([int(part) for part in date.split("-")] + [1, 1])[:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _entry(toml: TomlFile, key: str, values: Any, errors: ErrorCollector) -> dict | None:
    where = toml.at((key,))
    if not KEY.fullmatch(key):
        errors.add(
            BuildError(
                where,
                f"source key '{key}' is not lowercase words joined by hyphens",
                "write for example [reuters-2007-huanuni]",
                "references.key",
            )
        )
        return None
    if not isinstance(values, dict):
        errors.add(
            BuildError(
                where,
                f"'{key}' should be a table of fields",
                f"write [{key}] with author, title, …",
                "references.shape",
            )
        )
        return None
    good: dict[str, str] = {}
    for field, value in values.items():
        text = _field(toml, key, field, value, errors)
        if text is not None:
            good[field] = text
    for field, required in FIELDS.items():
        if required and field not in good and field not in values:
            errors.add(
                BuildError(
                    where,
                    f"source '{key}' has no {field}",
                    f'add {field} = "…" under [{key}]',
                    "references.missing",
                )
            )
    return good if {"author", "title"} <= good.keys() else None


def load_references(root: Path, labels: Labels, errors: ErrorCollector) -> list[Reference]:
    """The book's sources, sorted by author, date and title, with their citation labels."""
    path = root / REFERENCES_FILE
    if not path.is_file():
        return []
    try:
        toml = read_toml(root, path)
    except BuildError as error:
        errors.add(error)
        return []
    entries = [(key, e) for key, v in toml.values.items() if (e := _entry(toml, key, v, errors))]
    entries.sort(
        key=lambda item: (
            alphabetical(item[1]["author"]),
            item[1].get("date", ""),
            alphabetical(item[1]["title"]),
        )
    )
    base = [
        f"{_names(e['author'], labels)} {e['date'][:4] if e.get('date') else labels['no_date']}"
        for _, e in entries
    ]
    counts, seen = Counter(base), Counter[str]()
    references = []
    for (key, entry), label in zip(entries, base, strict=True):
        if counts[label] > 1:
            seen[label] += 1
            label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
        references.append(
            Reference(
                key,
                entry["author"],
                entry["title"],
                entry.get("publisher", ""),
                entry.get("date", ""),
                entry.get("url", ""),
                entry.get("note", ""),
                label,
            )
        )
    return references


def check_citations(
    citations: list[Citation], references: list[Reference], errors: ErrorCollector
) -> None:
    """Every citation names a source of references.toml."""
    keys = {reference.key for reference in references}
    for citation in citations:
        if citation.key in keys:
            continue
        if citation.key.startswith("[@"):
            errors.add(
                BuildError(
                    citation.source,
                    f"'{citation.key}' is not a citation",
                    "write [@key] or [@key; @other], keys in lowercase letters, "
                    "digits and hyphens; escape it as \\[@ to show it as text",
                    "references.syntax",
                )
            )
            continue
        close = difflib.get_close_matches(citation.key, sorted(keys), n=1)
        errors.add(
            BuildError(
                citation.source,
                f"unknown source '{citation.key}'",
                f"did you mean @{close[0]}?"
                if close
                else f"add [{citation.key}] to {REFERENCES_FILE}",
                "references.unknown",
            )
        )


def uncited(citations: list[Citation], references: list[Reference], root: Path) -> list[BuildError]:
    """Sources no annotation cites: a warning, as they are listed all the same."""
    cited = {citation.key for citation in citations}
    return [
        BuildError(
            SourceRef(root / REFERENCES_FILE),
            f"source '{r.key}' is not cited",
            f"cite it with [@{r.key}], or remove it",
            "references.uncited",
        )
        for r in references
        if r.key not in cited
    ]
