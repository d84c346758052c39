"""book.toml written out: the few TOML forms the metadata uses, in a stable, readable order."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def value(item: Any) -> str:
    """One TOML value: a string, a whole number, a date, a list, an inline table."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(item, int):
        return str(item)
    if isinstance(item, dt.date):
        return item.isoformat()
    if isinstance(item, dict):
        return "{ " + ", ".join(f"{k} = {value(v)}" for k, v in item.items()) + " }"
    if isinstance(item, list):
        if all(isinstance(v, dict) for v in item) and item:
            return "[\n" + "".join(f"  {value(v)},\n" for v in item) + "]"
        return "[" + ", ".join(value(v) for v in item) + "]"
    raise TypeError(f"no TOML form for {type(item).__name__}")


def table(values: dict[str, Any]) -> str:
    return "".join(f"{key} = {value(item)}\n" for key, item in values.items() if item != "")


def book_toml(top: dict[str, Any], edition: dict[str, Any], texts: list[dict[str, Any]]) -> str:
    """The whole file: the book's fields, [edition], one [[texts]] a text."""
    parts = ["# The book's metadata: every field is described in docs/authoring.md.\n", table(top)]
    parts.append("\n[edition]\n" + table(edition))
    for text in texts:
        parts.append("\n[[texts]]\n" + table(text))
    return "".join(parts)
