"""Names in a label's sentence: a body's article joined to the word before it ("de" + "le" →
"du", "di" + "l’" → "dell’", "von" + "der" → "vom"), as each language's file says."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

APOSTROPHES = ("’", "'")
_LAST_WORD = re.compile(r"(\S+) $")


@dataclass(frozen=True)
class Name:
    """A name as a label shows it: "Assemblée nationale" with its article "l’" and its
    gender (m, f, n, pl: what an article joined to a preposition may depend on)."""

    text: str
    article: str = ""
    gender: str = ""

    def with_article(self) -> str:
        if not self.article:
            return self.text
        space = "" if self.article.endswith(APOSTROPHES) else " "
        return f"{self.article}{space}{self.text}"


class Names(str):
    """One or more names, as plain text ("LOR-CI and Left Voice") wherever a string is
    wanted, and name by name where a label places them after a word (`Labels.format`)."""

    names: tuple[Name, ...]

    def __new__(cls, names: Iterable[Name], conjunction: str = "and") -> Names:
        names = tuple(names)
        texts = [name.text for name in names]
        plain = texts[0] if len(texts) == 1 else ""
        if len(texts) > 1:
            plain = ", ".join(texts[:-1]) + f" {conjunction} {texts[-1]}"
        made = super().__new__(cls, plain)
        made.names = names
        return made


def _starts_with_vowel(text: str) -> bool:
    first = unicodedata.normalize("NFD", text[:1].lower())[:1]
    return first in ("a", "e", "i", "o", "u", "y")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Grammar:
    """How one language joins a preposition and the article of the name after it."""

    # "prep article" or "prep article gender" → the joined form: "de le" → "du"
    contractions: Mapping[str, str] = field(default_factory=dict)
    # a preposition before a name without an article that begins with a vowel: de → d’
    elisions: Mapping[str, str] = field(default_factory=dict)
    repeat_preposition: bool = False  # "de l’Assemblée et du Roi"

    def knows(self, word: str) -> bool:
        return word in self.elisions or any(k.split(" ")[0] == word for k in self.contractions)

    def after(self, preposition: str, name: Name) -> str:
        """The preposition and the name, joined: "de" + l’Assemblée → "de l’Assemblée"."""
        if name.article:
            keys = (f"{preposition} {name.article} {name.gender}", f"{preposition} {name.article}")
            joined = next((self.contractions[k] for k in keys if k in self.contractions), "")
            joined = joined or f"{preposition} {name.article}"
            space = "" if joined.endswith(APOSTROPHES) else " "
            return f"{joined}{space}{name.text}"
        if preposition in self.elisions and _starts_with_vowel(name.text):
            return self.elisions[preposition] + name.text
        return f"{preposition} {name.text}"

    def attach(self, before: str, names: Names, conjunction: str) -> str:
        """`before` (a label's text up to the names) with the names after it: an article
        joined to the preposition that ends `before`, where the language joins them."""
        found = _LAST_WORD.search(before)
        word = found[1] if found else ""
        preposition = ""
        if word and self.knows(word.lower()):
            preposition = word.lower()
            before = before[: found.start(1)] if found else before
            first = self.after(preposition, names.names[0])
            first = _capitalised(first) if word[:1].isupper() else first
        elif before and not before[-1].isspace():  # the label writes the article: "l’{x}"
            first = names.names[0].text
        else:
            first = names.names[0].with_article()
            first = first if before else _capitalised(first)
        again = preposition if self.repeat_preposition else ""
        rest = [self.after(again, n) if again else n.with_article() for n in names.names[1:]]
        parts = [first, *rest]
        if len(parts) == 1:
            return before + first
        return before + ", ".join(parts[:-1]) + f" {conjunction} {parts[-1]}"


@dataclass(frozen=True)
class TermForms:
    """The forms in which a glossary name is linked in the text: its plurals and possessive
    (endings added, or a last letter changed), after an elided article ("l’homme")."""

    endings: tuple[str, ...] = ()
    replace: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    elisions: tuple[str, ...] = ()

    def forms(self, name: str) -> list[str]:
        found = [name, *(name + ending for ending in self.endings)]
        for suffix, replacements in self.replace.items():
            if name.endswith(suffix) and len(name) > len(suffix):
                found += [name[: -len(suffix)] + other for other in replacements]
        return list(dict.fromkeys(found))
