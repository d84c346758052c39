"""A TOML file read with the line of every key and table, so that each mistake has its line.

tomllib gives values but no positions; the lines are found by reading the file's own
structure (table headers, `key =` lines), skipping multi-line strings and arrays.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studyguide.errors import BuildError, SourceRef

Key = tuple[str | int, ...]  # ("texts", 0, "authors", 1, "name")

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _parts(dotted: str) -> list[str]:
    found = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    return [part.strip("\"'") for part in found]


@dataclass(frozen=True)
class TomlFile:
    path: Path
    values: dict[str, Any]
    lines: dict[Key, int]

    def line(self, key: Key) -> int:
        """The line of `key`, or of the nearest enclosing key or table that has one."""
        while key:
            for candidate in (key, (*key, 0)):  # (an array of tables where one was meant)
                if candidate in self.lines:
                    return self.lines[candidate]
            key = key[:-1]
        return 0

    def at(self, key: Key) -> SourceRef:
        return SourceRef(self.path, self.line(key))


def _string_state(line: str, in_string: str | None) -> str | None:
    """Which multi-line string delimiter (three double or single quotes) is still open
    after `line`, given the one open before it; None if none is."""
    index = 0
    while index < len(line):
        if in_string:
            end = line.find(in_string, index)
            if end < 0:
                return in_string
            index, in_string = end + 3, None
            continue
        quote = min(
            (i for i in (line.find('"""', index), line.find("'''", index)) if i >= 0),
            default=-1,
        )
        if quote < 0:
            return None
        in_string, index = line[quote : quote + 3], quote + 3
    return in_string


def _bracket_depth(line: str) -> int:
    """The change in [ ] depth on a line, outside one-line strings and comments."""
    depth = 0
    quote = ""
    for char in line:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth


def locate(text: str) -> dict[Key, int]:
    """The 1-based line of each table header and key in a TOML document."""
    lines: dict[Key, int] = {}
    table: Key = ()
    counters: dict[Key, int] = {}
    in_string: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string or depth > 0:
            in_string = _string_state(line, in_string)
            if not in_string:
                depth = max(0, depth + _bracket_depth(line))
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _parts(header.group(2))
            table = _resolve(names, counters, header.group(1) == "[[")
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
            rest = line[key.end() :]
            in_string = _string_state(rest, None)
            if not in_string:
                depth = max(0, _bracket_depth(rest))
    return lines


def _resolve(names: list[str], counters: dict[Key, int], array: bool) -> Key:
    """The full key of a table header: array tables get their element's index."""
    resolved: list[str | int] = []
    for position, name in enumerate(names):
        resolved.append(name)
        last = position == len(names) - 1
        key = tuple(resolved)
        if last and array:
            counters[key] = counters.get(key, -1) + 1
            resolved.append(counters[key])
        elif key in counters:
            resolved.append(counters[key])
    if array:
        # A new element of an array starts its sub-arrays afresh.
        prefix = tuple(resolved)
        for known in [k for k in counters if k[: len(prefix)] == prefix and k != prefix]:
            del counters[known]
    return tuple(resolved)


def read_toml(root: Path, path: Path) -> TomlFile:
    """The file's values and lines; a BuildError if it is not UTF-8 or not valid TOML."""
    from studyguide.sources.files import read_text

    text = read_text(root, path).removeprefix("\ufeff")
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
    return TomlFile(path, values, locate(text))
