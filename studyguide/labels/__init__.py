"""The words the editions add around a text, in the book's language: one data file per
language (labels/en.toml, es, fr, de, it, pt), which a book overrides label by label in
book.toml's [labels], or with a file of its own for another language."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from studyguide.labels.grammar import Name, Names, TermForms
from studyguide.labels.tables import (
    Label,
    LanguageTable,
    english_labels,
    fields_of,
    package_languages,
    package_table,
    table_from,
)

__all__ = ["Labels", "Name", "Names", "english_labels", "fields_of", "labels_for"]
__all__ += ["base_table", "package_languages", "primary"]


def primary(language: str) -> str:
    return language.split("-")[0].lower()


def _variant(label: Label, gender: str) -> str:
    if isinstance(label, str):
        return label
    return label.get(gender) or label.get("m") or next(iter(label.values()))


@dataclass(frozen=True)
class Labels:
    """The words of one book: its language's table, with the book's own file and [labels]
    over it, and English's words where neither has one. Made once, when the book is read."""

    language: str
    table: LanguageTable

    @property
    def words(self) -> Mapping[str, Label]:
        return self.table.labels

    def __getitem__(self, key: str) -> str:
        return _variant(self.table.labels[key], "")

    def __getattr__(self, key: str) -> str:
        if key.startswith("_") or key in ("language", "table"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def format(self, key: str, gender: str = "", **values: object) -> str:
        """The label filled in; in the gender's form where it has one ("Publiée", for a
        feminine text). Names (`Names`) join the word before them as the language does."""
        out = ""
        for literal, name, _, _ in string.Formatter().parse(_variant(self.words[key], gender)):
            out += literal
            if name is None:
                continue
            value = values[name]
            if isinstance(value, Names) and value.names:
                assert self.table.grammar is not None  # (English's, at least)
                out = self.table.grammar.attach(out, value, self["and"])
            else:
                out += str(value)
        return out

    def names(self, names: list[Name]) -> Names:
        """Names joined with this language's "and"."""
        return Names(names, self["and"])

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return self["no_date"]
        month = self.table.months[value.month - 1]
        day = self.table.first_day if value.day == 1 and self.table.first_day else value.day
        return self.table.date.format(day=day, month=month, year=value.year)

    def month_year(self, year: int, month: int) -> str:
        """A month of a year: "March 2007", "marzo de 2007"."""
        return self.table.month_year.format(month=self.table.months[month - 1], year=year)

    def language_name(self, code: str) -> Names:
        """A language as named after "translated from" (with its article where the
        language has one: "l’anglais")."""
        name = self.table.languages.get(primary(code)) or Name(code)
        return Names([name], self["and"])

    @property
    def term_forms(self) -> TermForms:
        return self.table.forms or TermForms()


def base_table(language: str) -> LanguageTable:
    """The package's words for `language`, or English's where it has none."""
    code = primary(language)
    return package_table(code if code in package_languages() else "en")


def labels_for(
    language: str,
    overrides: Mapping[str, Label] | None = None,
    own: Mapping[str, object] | None = None,
) -> Labels:
    """The labels for `language`: the package's table (English where there is none), a
    book's own file's values (`own`, checked) over it, and book.toml's [labels] over both."""
    table = base_table(language)
    if own:
        table = table_from(own).over(table)
    if overrides:
        table = LanguageTable(MappingProxyType(dict(overrides))).over(table)
    return Labels(language, table)


EN = english_labels()
