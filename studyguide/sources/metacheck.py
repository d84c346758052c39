"""book.toml's values checked against their specs (`Field`): type, emptiness, whitespace,
pattern, choices; each mistake collected with its line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from studyguide.errors import BuildError, ErrorCollector
from studyguide.sources.characters import name_error, too_long_error
from studyguide.sources.tomlfile import Key, TomlFile

LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
TYPEFACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")  # a font family's name
_TYPE_NAMES = {str: "a string", int: "a whole number", dt.date: "a date (YYYY-MM-DD)"}


@dataclass(frozen=True)
class Field:
    kind: type | str  # str, int, dt.date, "table", "tables" (array of tables), "strings"
    required: bool = False
    pattern: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()
    example: str = ""
    max_length: int = 0  # characters (MAX_TITLE, for a title or a name)


class Checker:
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
