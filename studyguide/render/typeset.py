"""The print edition's word breaks, decided before layout: soft hyphens where a word may be
hyphenated, no-break spaces inside the glossary's names.

WeasyPrint is then asked for manual hyphenation only (print.css), so a line can break inside
a word only where these rules allow it:

- only in words of at least `MIN_WORD` letters, with at least `MIN_SIDE` letters on each side
  of the break;
- never in a capitalised word (a name: "Bolivian", "Morales", "India"), nor in either part
  of a hyphenated compound ("co-operatives" breaks at its own hyphen or not at all), nor in
  a word with digits; a possessive's "’s" stays with its word ("text’s", not "tex-t’s");
- a compound of `MAX_SHORT_COMPOUND` letters or fewer, or one with an acronym in it
  ("co-op", "LOR-CI", "MAS-led"), never breaks at its own hyphen either (a word joiner,
  which the page map does not count, follows the hyphen);
- never in the last word of a paragraph, nor in headings (their text is not given here).

What the layout decides (at most two hyphenated lines in a row, whether a line is short
enough to be worth a hyphen) is in studyguide/layout/patches/typesetting.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

SOFT_HYPHEN = "\u00ad"
NO_BREAK_SPACE = "\u00a0"
WORD_JOINER = "\u2060"
MIN_WORD = 6
MIN_SIDE = 3
MAX_SHORT_COMPOUND = 6
# A multi-word glossary name is kept on one line when it is at most this long; a longer one
# ("Federación Nacional de Cooperativas Mineras de Bolivia") would leave a gap in its line.
MAX_BOUND_NAME = 26

_TOKEN = re.compile(r"\S+")
# No break between letters the typeface joins in a ligature (ff, fi, fl): the ligature's
# glyph would stand for the soft hyphen too, and text copied from the PDF would lose it.
_LIGATURE_BREAK = re.compile("(f)\u00ad([fil])")
_LETTERS = re.compile(r"^([^\w]*)([^\W\d_]+)((?:['’][^\W\d_]+)?[^\w]*)$")
_COMPOUND = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)+(?![\w-])")


def _unbreakable(compound: str) -> bool:
    parts = compound.split("-")
    letters = sum(len(part) for part in parts)
    return letters <= MAX_SHORT_COMPOUND or any(len(p) > 1 and p.isupper() for p in parts)


def bind_compounds(text: str) -> str:
    """A word joiner after the hyphen of each short or acronym compound ("LOR-CI")."""
    return _COMPOUND.sub(
        lambda m: (
            m.group(0).replace("-", "-" + WORD_JOINER) if _unbreakable(m.group(0)) else m.group(0)
        ),
        text,
    )


@cache
def _dictionary(language: str) -> Any:
    import pyphen

    return pyphen.Pyphen(
        lang=pyphen.language_fallback(language) or "en", left=MIN_SIDE, right=MIN_SIDE
    )


# Each word's breaks, by language, as `Typesetter.hyphenate` found them: a word is looked up
# in the dictionary once a process, and once a book (the layout keeps them between builds:
# `known_breaks`, `learn_breaks`), so that a build after an edit loads no dictionary at all
# unless the edit brought a new word.
_BREAKS: dict[str, dict[str, str]] = {}


def breaks_of(language: str, word: str) -> str:
    """The word with a soft hyphen at each place the dictionary lets it break."""
    known = _BREAKS.setdefault(language, {})
    broken = known.get(word)
    if broken is None:
        inserted = _dictionary(language).inserted(word, hyphen=SOFT_HYPHEN)
        broken = known[word] = _LIGATURE_BREAK.sub(r"\1\2", inserted)
    return broken


def known_breaks() -> bytes:
    """Every word's breaks found in this process (and learnt), by language, as JSON."""
    return json.dumps(_BREAKS, ensure_ascii=False, sort_keys=True).encode("utf-8")


def breaks_count() -> int:
    return sum(len(words) for words in _BREAKS.values())


def learn_breaks(data: bytes) -> None:
    """Take the breaks of `known_breaks` kept from an earlier build. What is not of that
    shape is left out: only soft hyphens inside a word the rules let break (the kept file
    is the book's folder's, not trusted), at least `MIN_SIDE` letters from either end."""
    try:
        kept = json.loads(data)
    except ValueError:
        return
    if not isinstance(kept, dict):
        return
    for language, words in kept.items():
        if not isinstance(language, str) or not isinstance(words, dict):
            continue
        known = _BREAKS.setdefault(language, {})
        for word, broken in words.items():
            if isinstance(word, str) and isinstance(broken, str) and _sound(word, broken):
                known.setdefault(word, broken)


def _sound(word: str, broken: str) -> bool:
    found = hyphenatable(word)
    if found is None or found.group(0) != word or broken.replace(SOFT_HYPHEN, "") != word:
        return False
    pieces = broken.split(SOFT_HYPHEN)
    return len(pieces[0]) >= MIN_SIDE and len(pieces[-1]) >= MIN_SIDE and all(pieces)


def hyphenatable(token: str) -> re.Match[str] | None:
    """The token's word, if the rules let it be hyphenated: letters only (an apostrophe
    inside), lower-case first, long enough; punctuation around it is kept aside."""
    found = _LETTERS.match(token)
    if found is None:
        return None
    word = found.group(2)
    if len(word) < MIN_WORD or not word[0].islower():
        return None
    return found


@dataclass(frozen=True)
class Typesetter:
    """The word-break rules of one book, for the print edition."""

    language: str
    names: tuple[str, ...] = ()  # multi-word names to keep on one line
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_book(cls, language: str, names: Iterable[str]) -> Typesetter:
        bound = sorted(
            {n for n in names if " " in n and n[:1].isupper() and len(n) <= MAX_BOUND_NAME},
            key=len,
            reverse=True,
        )
        pattern = None
        if bound:
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, bound)) + r")(?!\w)")
        return cls(language, tuple(bound), pattern)

    def bind_names(self, text: str) -> str:
        """No-break spaces inside the book's names ("Cerro Posokoni" on one line)."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: m.group(0).replace(" ", NO_BREAK_SPACE), text)

    def hyphenate(self, text: str, keep_last_word: bool = False) -> str:
        """Soft hyphens where the rules allow a break; none in the last word if asked."""
        tokens = list(_TOKEN.finditer(text))
        if keep_last_word and tokens:
            tokens.pop()
        out: list[str] = []
        end = 0
        for token in tokens:
            found = hyphenatable(token.group(0))
            if found is None:
                continue
            start = token.start() + found.start(2)
            word = found.group(2)
            out += [text[end:start], breaks_of(self.language, word)]
            end = start + len(word)
        out.append(text[end:])
        return "".join(out)

    def text(self, text: str, keep_last_word: bool = False) -> str:
        return self.hyphenate(bind_compounds(self.bind_names(text)), keep_last_word)
