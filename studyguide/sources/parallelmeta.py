"""book.toml's [parallel] table → ParallelInfo: which translation faces its original in the
parallel edition, the paragraphs that do not face one to one (`align`), and which of the two
comes first on a screen. Checked here for its form; against the texts' paragraphs when the
parallel edition is asked for (sources/alignment.py).

```toml
[parallel]
translation = "en"              # default: the first text with `translation_of`
align = ["1 = 1-2", "7-8 = 8"]  # the original's ¶ 1 faces the translation's ¶¶ 1 and 2, …
first = "original"              # or "translation": which comes first in the EPUB and on phones
```
"""

from __future__ import annotations

import re
from typing import Any

from studyguide.model import Text
from studyguide.pairing import Alignment, ParallelInfo
from studyguide.sources.metacheck import SLUG, Checker, Field

PARALLEL = {
    "translation": Field(str, pattern=SLUG, example='translation = "en"'),
    "align": Field("strings", example='align = ["1 = 1-2"]'),
    "first": Field(str, choices=("original", "translation")),
}
# "3 = 3-4", "12-13 = 14": the original's paragraphs, then the translation's, each a number
# or a range of numbers.
ENTRY = re.compile(r"\s*(\d+)(?:\s*[-–]\s*(\d+))?\s*=\s*(\d+)(?:\s*[-–]\s*(\d+))?\s*")
_HINT = (
    'write each entry as "ORIGINAL = TRANSLATION", each a paragraph number or a range: '
    'align = ["1 = 1-2", "7-8 = 8"], in the order of the text'
)


def read_parallel(checker: Checker, values: Any, texts: list[Text]) -> ParallelInfo:
    """The [parallel] table, checked; the default where the book has none."""
    if values is None:
        return ParallelInfo()
    good = checker.table(values, PARALLEL, ("parallel",), "parallel")
    line = checker.toml.line(("parallel",))
    translation = good.get("translation", "")
    if translation and not any(t.id == translation and t.translation_of for t in texts):
        named = [t.id for t in texts if t.translation_of]
        checker.error(
            ("parallel", "translation"),
            f"'{translation}' is not a text of the book that translates another",
            "give the id of a text with `translation_of`: " + (", ".join(named) or "(none)"),
            "meta.parallel",
        )
    align = _entries(checker, good.get("align", []))
    return ParallelInfo(translation, align, good.get("first", "original"), line)


def _entries(checker: Checker, entries: list[str]) -> tuple[Alignment, ...]:
    key = ("parallel", "align")
    line = checker.toml.line(key)
    found: list[Alignment] = []
    for entry in entries:
        match = ENTRY.fullmatch(entry)
        if match is None:
            checker.error(
                key, f"'{entry}' is not an alignment of paragraphs", _HINT, "meta.parallel"
            )
            continue
        first, last, start, end = (int(g) if g else 0 for g in match.groups())
        original, translation = (first, last or first), (start, end or start)
        if 0 in (*original, *translation) or original[0] > original[1] or start > translation[1]:
            checker.error(
                key,
                f"'{entry}': a range of paragraphs goes from the first to the last, from ¶ 1 on",
                _HINT,
                "meta.parallel",
            )
            continue
        if found and (
            original[0] <= found[-1].original[1] or translation[0] <= found[-1].translation[1]
        ):
            checker.error(
                key,
                f"'{entry}' does not come after '{_shown(found[-1])}'",
                "give the entries in the order of the text, each after the one before it",
                "meta.parallel",
            )
            continue
        found.append(Alignment(original, translation, line))
    return tuple(found)


def _shown(entry: Alignment) -> str:
    def side(pair: tuple[int, int]) -> str:
        return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}-{pair[1]}"

    return f"{side(entry.original)} = {side(entry.translation)}"
