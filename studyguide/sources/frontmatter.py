"""A source file's YAML front matter: its fields, and the line each one is on (from node marks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown_it.token import Token

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.sources.characters import MAX_TITLE, name_error, too_long_error

# libyaml's loader where PyYAML was built with it: the same errors, several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml refuses a surrogate pair written as two escapes ("\ud83d\ude00": valid JSON, so
# valid YAML 1.2); PyYAML's own loader reads it as two halves, which are then joined.
_SURROGATE_ESCAPE = re.compile(r"\\[uU]0{0,4}[dD][89a-fA-F][0-9a-fA-F]{2}")


def _loader(content: str) -> Any:
    return yaml.SafeLoader if _SURROGATE_ESCAPE.search(content) else _YAML_LOADER


FIRST_LINE = 2  # the line after the opening ---
# Front matter is a few fields, some of them lists: deeper nesting is a mistake or an attack
# (PyYAML composes and constructs recursively: 600 brackets overflow Python's stack).
MAX_DEPTH = 8
_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


@dataclass(frozen=True)
class FrontMatter:
    values: dict[str, Any]
    lines: dict[str, int]  # top-level key → its 1-based line in the file
    path: Path

    def line(self, key: str) -> int:
        return self.lines.get(key, FIRST_LINE)

    def at(self, key: str) -> SourceRef:
        return SourceRef(self.path, self.line(key))


def _yaml_error(exc: yaml.YAMLError, path: Path) -> BuildError:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    opened = getattr(exc, "context_mark", None)
    if opened is not None and "end of stream" in problem:
        # An unclosed quote or bracket: the mistake is where it opens, not at the end.
        mark = opened
    if context:
        problem = f"{context}, {problem}"
    line, column = (mark.line + FIRST_LINE, mark.column + 1) if mark else (FIRST_LINE, 0)
    return BuildError(
        SourceRef(path, line, column),
        f"the front matter is not valid YAML: {problem}",
        'write each field as `name: value`; put values with a colon or quote in "…"',
        "frontmatter.yaml",
    )


def _refusal(path: Path, mark: Any, message: str, hint: str, code: str) -> BuildError:
    return BuildError(SourceRef(path, mark.line + FIRST_LINE, mark.column + 1), message, hint, code)


def _check_events(content: str, path: Path) -> None:
    """Refuse anchors and aliases (their expansion can exhaust memory, and an alias can
    refer to itself) and nesting deeper than MAX_DEPTH, from the event stream: the parser
    that makes it is not recursive, and nothing has been composed yet."""
    depth = 0
    for event in yaml.parse(content, Loader=_loader(content)):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _refusal(
                path,
                event.start_mark,
                "the front matter uses a YAML anchor or alias (&name or *name)",
                "write each value out in full where it is needed",
                "frontmatter.alias",
            )
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refusal(
                    path,
                    event.start_mark,
                    f"the front matter is nested more than {MAX_DEPTH} levels deep",
                    "front matter holds a few `name: value` fields; lists go in […]",
                    "frontmatter.depth",
                )
        elif isinstance(event, _CLOSING):
            depth -= 1


def _check_duplicates(node: yaml.Node, path: Path) -> None:
    """A key given twice in one mapping is a mistake: YAML loaders keep the last silently."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + FIRST_LINE
                    name = (key.tag, str(key.value))
                    if name in seen:
                        raise BuildError(
                            SourceRef(path, line, key.start_mark.column + 1),
                            f"the front matter sets '{key.value}' twice "
                            f"(first on line {seen[name]})",
                            "keep one of the two, or merge them",
                            "frontmatter.duplicate",
                        )
                    seen[name] = line
                pending += [key, value]
        elif isinstance(current, yaml.SequenceNode):
            pending += current.value


def _compose(content: str, path: Path) -> tuple[Any, dict[str, int]]:
    """The YAML's value, and the line of each top-level key from the composed nodes' marks."""
    _check_events(content, path)
    loader = _loader(content)(content)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_duplicates(node, path)
        value = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value), key.start_mark.line + FIRST_LINE)
    return value, lines


def read_front_matter(
    tokens: list[Token], path: Path, example: str, errors: ErrorCollector
) -> FrontMatter | None:
    """The YAML front matter of a parsed file; None, with the mistake in `errors`, if it
    is missing or wrong."""
    if not tokens or tokens[0].type != "front_matter":
        errors.add(
            BuildError(
                SourceRef(path, 1),
                "the file does not start with front matter",
                f"begin the file with three lines: ---, {example}, ---",
                "frontmatter.missing",
            )
        )
        return None
    try:
        raw, lines = _compose(tokens[0].content, path)
    except yaml.YAMLError as exc:
        errors.add(_yaml_error(exc, path))
        return None
    except BuildError as error:
        errors.add(error)
        return None
    values = _join_surrogates(raw)
    if not isinstance(values, dict):
        errors.add(
            BuildError(
                SourceRef(path, FIRST_LINE),
                "the front matter should be a set of `name: value` fields",
                f"write for example: {example}",
                "frontmatter.shape",
            )
        )
        return None
    found = FrontMatter(values, lines, path)
    for key, value in values.items():
        # YAML escapes ("\x07", "\uFFFE") can smuggle in what the file check keeps out;
        # and the fields are titles and names: no bidi override either.
        for text in (str(key), *_strings_in(value)):
            unsafe = name_error(found.at(str(key)), text)
            if unsafe is not None:
                errors.add(unsafe)
                return None
    return found


def _join_surrogates(value: Any) -> Any:
    """PyYAML reads the escape "\\ud83d\\ude00" as two lone surrogates: make it one character."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
    if isinstance(value, dict):
        return {_join_surrogates(k): _join_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_join_surrogates(item) for item in value]
    return value


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def check_keys(front: FrontMatter, known: set[str], errors: ErrorCollector) -> None:
    for key in front.values:
        if key not in known:
            errors.add(
                BuildError(
                    front.at(str(key)),
                    f"unknown front matter field '{key}'",
                    "the fields here are: " + ", ".join(sorted(known)),
                    "frontmatter.unknown",
                )
            )


def required_text(front: FrontMatter, key: str, errors: ErrorCollector) -> str | None:
    value = front.values.get(key)
    if value is None:
        errors.add(
            BuildError(
                front.at(key),
                f"the front matter has no '{key}'",
                f'add a line `{key}: "…"` between the --- lines',
                "frontmatter.missing-field",
            )
        )
        return None
    if (
        not isinstance(value, str | int | float)
        or isinstance(value, bool)
        or not str(value).strip()
    ):
        errors.add(
            BuildError(
                front.at(key),
                f"'{key}' should be a line of text",
                f'write `{key}: "…"`',
                "frontmatter.type",
            )
        )
        return None
    if len(str(value).strip()) > MAX_TITLE:  # (every required field is a title or a name)
        errors.add(too_long_error(front.at(key), f"'{key}'", len(str(value).strip())))
        return None
    return str(value).strip()
