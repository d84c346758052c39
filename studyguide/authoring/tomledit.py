"""book.toml changed in place: a [[texts]] entry's fields set line by line, or a new entry
added, keeping every other line (and comment) as the facilitator wrote it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from studyguide.authoring.tomlwrite import table, value
from studyguide.errors import BuildError
from studyguide.sources.tomlfile import locate

_TEXTS_HEADER = re.compile(r"^\s*\[\[\s*texts\s*\]\]\s*(#.*)?$")


def _cannot(path: Path, index: int, field: str, hint: str) -> BuildError:
    return BuildError(
        path,
        f"cannot set '{field}' of the text number {index + 1} in book.toml: {hint}",
        "write each text as a [[texts]] table with one `key = value` a line, or set the "
        "field yourself and import again",
        "import.toml",
    )


def set_text_fields(path: Path, text: str, index: int, fields: dict[str, Any]) -> str:
    """book.toml's text with the fields of [[texts]] number `index` (from 0) set."""
    lines = text.splitlines(keepends=True)
    where = locate(text)
    header = where.get(("texts", index), 0)
    if not header or not _TEXTS_HEADER.match(lines[header - 1]):
        raise _cannot(path, index, next(iter(fields)), "it is not written as a [[texts]] table")
    inserted: list[str] = []
    for field, item in fields.items():
        line = where.get(("texts", index, field), 0)
        new_line = f"{field} = {value(item)}\n"
        if not line:
            inserted.append(new_line)
            continue
        old = lines[line - 1]
        try:
            tomllib.loads(old)  # the whole value on its line
        except tomllib.TOMLDecodeError:
            raise _cannot(path, index, field, "its value runs over several lines") from None
        ending = old[len(old.rstrip("\r\n")) :] or "\n"
        lines[line - 1] = new_line.rstrip("\n") + ending
    lines[header:header] = inserted
    result = "".join(lines)
    values = tomllib.loads(result)["texts"][index]
    if any(values.get(field) != item for field, item in fields.items()):
        raise _cannot(path, index, next(iter(fields)), "the file did not read back as set")
    return result


def add_text(text: str, fields: dict[str, Any]) -> str:
    """book.toml's text with a new [[texts]] entry at its end."""
    result = text + ("" if text.endswith("\n") or not text else "\n") + "\n[[texts]]\n"
    return result + table(fields)
