"""A language's words as data: the package's labels/<language>.toml, or a book's own file,
checked value by value (every problem with its key, for an error at its line)."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from studyguide.labels.grammar import Grammar, Name, TermForms

GENDERS = ("m", "f", "n", "pl")
SECTIONS = ("labels", "dates", "languages", "grammar", "glossary")
# A label: one line of text, or one line a gender ({ m = "Publié", f = "Publiée" }).
Label = str | Mapping[str, str]


@dataclass(frozen=True)
class Problem:
    """A mistake in a table of words: where (its key), what, the hint, the error's code."""

    key: tuple[str, ...]
    message: str
    hint: str
    code: str = "meta.label"


def template_problem(text: str, allowed: set[str] | None = None) -> str | None:
    """What is wrong with a label's template, if anything: a label holds text and `{name}`
    placeholders only (no format specification, no conversion, no `{}`; `{{` and `}}` are
    braces), and only the placeholders in `allowed`."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        if "Single '}'" in str(exc):
            return "has a } that closes no placeholder (write }} for a brace)"
        return "has a { that is not closed (write {{ for a brace)"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "")
        shown += (f":{spec}" if spec else "") + "}"
        if not name.isidentifier():
            return f"has the placeholder {shown}, which is not a name"
        if spec or conversion:
            return f"has {shown}: a placeholder is a name alone, with nothing after it"
        if allowed is not None and name not in allowed:
            return f"has the placeholder {{{name}}}, which it cannot fill"
    return None


def fields_of(label: Label) -> set[str]:
    """The placeholders of a label (of each of its genders)."""
    texts = [label] if isinstance(label, str) else list(label.values())
    found: set[str] = set()
    for text in texts:
        try:
            found |= {name for _, name, _, _ in string.Formatter().parse(text) if name}
        except ValueError:
            continue
    return found


@dataclass(frozen=True)
class LanguageTable:
    """One language's words: labels, dates, the names of languages, grammar, term forms."""

    labels: Mapping[str, Label]
    months: tuple[str, ...] = ()
    date: str = ""
    month_year: str = ""
    first_day: str | None = None  # the first of a month, where it is not "1": "1er"
    languages: Mapping[str, Name] = field(default_factory=dict)
    grammar: Grammar | None = None  # (None: the table below's)
    forms: TermForms | None = None

    def over(self, base: LanguageTable) -> LanguageTable:
        """This table, with `base`'s words where it has none."""
        return LanguageTable(
            MappingProxyType({**base.labels, **self.labels}),
            self.months or base.months,
            self.date or base.date,
            self.month_year or base.month_year,
            self.first_day if self.first_day is not None else base.first_day,
            MappingProxyType({**base.languages, **self.languages}),
            self.grammar or base.grammar,
            self.forms or base.forms,
        )


def _name(value: Any) -> Name:
    if isinstance(value, str):
        return Name(value)
    return Name(value.get("name", ""), value.get("article", ""), value.get("gender", ""))


def table_from(values: Mapping[str, Any]) -> LanguageTable:
    """A checked file's values (check_values found nothing wrong) as a table."""
    dates = values.get("dates", {})
    grammar = values.get("grammar")
    glossary = values.get("glossary")
    return LanguageTable(
        MappingProxyType(dict(values.get("labels", {}))),
        tuple(dates.get("months", ())),
        dates.get("date", ""),
        dates.get("month_year", ""),
        dates.get("first_day"),
        MappingProxyType({k: _name(v) for k, v in values.get("languages", {}).items()}),
        None if grammar is None else Grammar(
            MappingProxyType(dict(grammar.get("contractions", {}))),
            MappingProxyType(dict(grammar.get("elisions", {}))),
            bool(grammar.get("repeat_preposition", False)),
        ),
        None if glossary is None else TermForms(
            tuple(glossary.get("endings", ())),
            MappingProxyType({k: tuple(v) for k, v in glossary.get("replace", {}).items()}),
            tuple(glossary.get("elisions", ())),
        ),
    )  # fmt: skip


def package_languages() -> tuple[str, ...]:
    """The languages the package has words for: en, es, fr, de, it, pt."""
    folder = resources.files("studyguide.labels")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def package_table(language: str) -> LanguageTable:
    """The package's table for `language` (read once), over English's."""
    text = (resources.files("studyguide.labels") / f"{language}.toml").read_text("utf-8")
    table = table_from(tomllib.loads(text))
    return table if language == "en" else table.over(package_table("en"))


def english_labels() -> Mapping[str, Label]:
    return package_table("en").labels


def check_labels(values: Mapping[str, Any], where: tuple[str, ...]) -> list[Problem]:
    """A table of labels: known keys, each a one-line template (or one a gender) with no
    placeholder the English label lacks."""
    english = english_labels()
    problems: list[Problem] = []
    for key, value in values.items():
        at = (*where, key)
        if key not in english:
            labels = ", ".join(english)
            problems.append(
                Problem(at, f"unknown label '{key}'", f"the labels are: {labels}", "meta.unknown")
            )
            continue
        texts = {"": value} if isinstance(value, str) else value
        if not isinstance(value, str) and (
            not isinstance(texts, Mapping) or not texts or not set(texts) <= set(GENDERS)
        ):
            problems.append(
                Problem(at, f"label '{key}' should be a string, or a table of genders",
                        f'write {key} = "…", or {key} = {{ m = "…", f = "…" }}', "meta.type")
            )  # fmt: skip
            continue
        allowed = fields_of(english[key])
        for gender, text in texts.items():
            problem = _label_problem(key, text, allowed)
            if problem:
                problems.append(Problem((*at, gender) if gender else at, *problem))
    return problems


def _label_problem(key: str, text: Any, allowed: set[str]) -> tuple[str, str] | None:
    if not isinstance(text, str):
        return f"label '{key}' should be a string", f'write {key} = "…"'
    if not text.strip() or "\n" in text:
        return f"label '{key}' should be one line of text", f'write {key} = "…" on one line'
    problem = template_problem(text, allowed)
    if problem:
        names = ", ".join(f"{{{name}}}" for name in sorted(allowed)) or "none"
        return (
            f"label '{key}' {problem}",
            f"a label is text with placeholders written {{name}}; its placeholders are: {names}",
        )
    return None


def _strings(value: Any, count: int = 0) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(v, str) and v.strip() for v in value)
        and (not count or len(value) == count)
    )


def _string_table(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


_SHAPES: dict[tuple[str, str], tuple[Any, str]] = {
    ("dates", "months"): (lambda v: _strings(v, 12), 'months = ["January", …, "December"]'),
    ("dates", "date"): (str, 'date = "{day} {month} {year}"'),
    ("dates", "month_year"): (str, 'month_year = "{month} {year}"'),
    ("dates", "first_day"): (str, 'first_day = "1er"'),
    ("grammar", "contractions"): (_string_table, 'contractions = { "de le" = "du" }'),
    ("grammar", "elisions"): (_string_table, 'elisions = { de = "d’" }'),
    ("grammar", "repeat_preposition"): (bool, "repeat_preposition = true"),
    ("glossary", "endings"): (_strings, 'endings = ["s"]'),
    ("glossary", "elisions"): (_strings, 'elisions = ["l", "d"]'),
    ("glossary", "replace"): (
        lambda v: isinstance(v, dict) and all(_strings(x) for x in v.values()),
        'replace = { al = ["aux"] }',
    ),
}
_DATE_FIELDS = {"date": {"day", "month", "year"}, "month_year": {"month", "year"}}


def check_values(values: Mapping[str, Any]) -> list[Problem]:
    """A whole language file (a book's own labels/<language>.toml), section by section."""
    problems: list[Problem] = []
    for section, content in values.items():
        if section not in SECTIONS:
            problems.append(
                Problem((section,), f"unknown table [{section}]",
                        "the tables are: " + ", ".join(f"[{s}]" for s in SECTIONS), "meta.unknown")
            )  # fmt: skip
        elif not isinstance(content, dict):
            problems.append(
                Problem((section,), f"'{section}' should be a table", f"write it as [{section}]",
                        "meta.shape")
            )  # fmt: skip
        elif section == "labels":
            problems += check_labels(content, ("labels",))
        elif section == "languages":
            problems += [
                Problem(("languages", code), f"language '{code}' should be a name",
                        f'write {code} = "…", or {code} = {{ name = "…", article = "…" }}',
                        "meta.type")
                for code, value in content.items()
                if not isinstance(value, str)
                and not (_string_table(value) and "name" in value
                         and set(value) <= {"name", "article", "gender"})
            ]  # fmt: skip
        else:
            problems += _check_section(section, content)
    return problems


def _check_section(section: str, content: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for key, value in content.items():
        shape = _SHAPES.get((section, key))
        if shape is None:
            known = ", ".join(k for s, k in _SHAPES if s == section)
            problems.append(
                Problem((section, key), f"unknown field '{section}.{key}'",
                        f"the fields of [{section}] are: {known}", "meta.unknown")
            )  # fmt: skip
            continue
        test, example = shape
        good = isinstance(value, test) if isinstance(test, type) else test(value)
        if not good:
            problems.append(
                Problem((section, key), f"'{section}.{key}' has the wrong form",
                        f"write {example}", "meta.type")
            )  # fmt: skip
        elif key in _DATE_FIELDS:
            problem = template_problem(value, _DATE_FIELDS[key])
            if problem:
                problems.append(
                    Problem((section, key), f"'{section}.{key}' {problem}",
                            "its placeholders are: " + ", ".join(
                                f"{{{n}}}" for n in sorted(_DATE_FIELDS[key])))
                )  # fmt: skip
    return problems
