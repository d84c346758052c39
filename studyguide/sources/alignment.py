"""A translation's paragraphs paired with its original's, for the parallel edition: by ¶
number, one to one, except where book.toml's [parallel] `align` says otherwise ("1 = 1-2").

Two texts whose paragraphs do not pair up are a mistake, said where they part. Where that is
is found as translators' paragraphs are matched in parallel corpora (Gale and Church's
length-based alignment, 1993): a paragraph and its translation are of about the same length,
relative to the two texts' lengths; the pairing of least cost that allows one paragraph to
face two or three tells where one text splits or joins what the other does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, SourceRef
from studyguide.model import Book, Kind, Text
from studyguide.pairing import Alignment
from studyguide.sources.nodes import plain_text

# Paragraphs of the original and of the translation that a step of the pairing may take,
# and what each costs beyond the difference of length: facing one to one is the rule.
STEPS = {(1, 1): 0.0, (1, 2): 1.0, (2, 1): 1.0, (1, 3): 2.0, (3, 1): 2.0}
_SPREAD = 2.5  # how much a difference of length (its logarithm) weighs against a step's cost


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph of a text: its number, its words, where it is."""

    number: int
    text: str
    source: SourceRef
    chapter: int  # the number of its chapter


@dataclass(frozen=True)
class Facing:
    """Paragraphs of the original and of its translation that face each other."""

    original: tuple[int, ...]
    translation: tuple[int, ...]


@dataclass(frozen=True)
class TextPair:
    """An original and its translation, their paragraphs paired in order."""

    original: Text
    translation: Text
    facing: tuple[Facing, ...]
    first: str  # which of the two a screen shows first: "original" or "translation"


def translation_of(book: Book) -> Text:
    """The translation the parallel edition sets beside its original."""
    meta = book.meta
    wanted = meta.parallel.translation
    found = [t for t in meta.texts if t.translation_of and (not wanted or t.id == wanted)]
    if not found:
        raise BuildError(
            SourceRef(meta.path, meta.texts[0].line if meta.texts else 0),
            "the book has no translation of another of its texts to set beside it",
            'a parallel edition needs two texts, one with `translation_of = "<the other\'s id>"`'
            ' (docs/authoring.md, "A parallel edition")',
            "parallel.no-translation",
        )
    return found[0]


def paragraphs(book: Book, text: Text) -> list[Paragraph]:
    """The text's numbered paragraphs, in order."""
    found = []
    for chapter in book.chapters:
        if chapter.kind is not Kind.ARTICLE or chapter.text != text.id:
            continue
        for index, node in enumerate(chapter.body):
            number = node.meta.get("pnum")
            if number and index + 1 < len(chapter.body):
                words = plain_text(chapter.body[index + 1])
                found.append(
                    Paragraph(number, words, SourceRef(chapter.path, node.line), chapter.number)
                )
    return found


def text_pair(book: Book) -> TextPair:
    """The translation and its original, their paragraphs paired; our error where they
    cannot be."""
    translation = translation_of(book)
    original = book.meta.text(translation.translation_of)
    ours, theirs = paragraphs(book, original), paragraphs(book, translation)
    for text, found in ((original, ours), (translation, theirs)):
        if not found:
            raise BuildError(
                SourceRef(book.meta.path, text.line),
                f"the text '{text.id}' has no paragraphs to set beside the other's",
                f"import it (`studyguide import FILE --text {text.id}`)",
                "parallel.no-paragraphs",
            )
    align = book.meta.parallel.align
    _check_ranges(book.meta.path, align, (len(ours), len(theirs)), (original, translation))
    facing: list[Facing] = []
    start = (1, 1)
    for entry in (*align, None):
        end = (
            (entry.original[0], entry.translation[0]) if entry else (len(ours) + 1, len(theirs) + 1)
        )
        segment = (ours[start[0] - 1 : end[0] - 1], theirs[start[1] - 1 : end[1] - 1])
        if len(segment[0]) != len(segment[1]):
            raise _parting(segment[0], segment[1], original, translation, len(ours), len(theirs))
        facing += [Facing((o.number,), (t.number,)) for o, t in zip(*segment, strict=True)]
        if entry is not None:
            _check_one_chapter(book.meta.path, entry, ours, original)
            facing.append(Facing(_numbers(entry.original), _numbers(entry.translation)))
            start = (entry.original[1] + 1, entry.translation[1] + 1)
    return TextPair(original, translation, tuple(facing), book.meta.parallel.first)


def _check_one_chapter(path: Path, entry: Alignment, ours: list[Paragraph], original: Text) -> None:
    """The original's paragraphs of an entry are in one of its chapters: each chapter of the
    original is set out with what faces it (a chapter of the translation may begin anywhere)."""
    first, last = entry.original
    if ours[first - 1].chapter != ours[last - 1].chapter:
        raise BuildError(
            SourceRef(path, entry.line),
            f"[parallel] align pairs ¶¶ {first}–{last} of '{original.id}', which are in two of "
            "its chapters",
            "pair the paragraphs of one chapter of the original at a time (a chapter of the "
            "translation may begin among them)",
            "parallel.align",
        )


def _numbers(bounds: tuple[int, int]) -> tuple[int, ...]:
    return tuple(range(bounds[0], bounds[1] + 1))


def _check_ranges(
    path: Path, align: tuple[Alignment, ...], counts: tuple[int, int], texts: tuple[Text, Text]
) -> None:
    """Every paragraph `align` names is one the text has."""
    for entry in align:
        for (_, last), count, text in zip(
            (entry.original, entry.translation), counts, texts, strict=True
        ):
            if last > count:
                raise BuildError(
                    SourceRef(path, entry.line),
                    f"[parallel] align names ¶ {last} of '{text.id}', which has {count}",
                    "align the paragraphs the texts have: each entry is "
                    '"ORIGINAL = TRANSLATION", a paragraph number or a range of each',
                    "parallel.align",
                )


def _parting(
    ours: list[Paragraph],
    theirs: list[Paragraph],
    original: Text,
    translation: Text,
    total_ours: int,
    total_theirs: int,
) -> BuildError:
    """Our error for paragraphs that do not pair one to one: where the pairing of least
    cost first leaves one to one."""
    step = _first_parting(ours, theirs)
    i, j, (a, b) = step if step is not None else (0, 0, (1, 1))
    mine, yours = ours[i : i + a], theirs[j : j + b]
    # Where one to one first fails: the paragraph after the first of the side that has more.
    if b >= a:
        here, text = (
            theirs[min(j + 1, len(theirs) - 1)],
            f"{_marked(yours[1:2])} of the translation",
        )
    else:
        here, text = ours[min(i + 1, len(ours) - 1)], f"{_marked(mine[1:2])} of the original"
    seems = f"{_marked(mine)} of the original seems to face {_marked(yours)} of the translation"
    return BuildError(
        here.source,
        f"the translation '{translation.id}' has {total_theirs} paragraphs and its original "
        f"'{original.id}' {total_ours}: they part here, at {text}; {seems}",
        f'if so, add "{_span(mine, "-")} = {_span(yours, "-")}" to `align` in book.toml\'s '
        f'[parallel] table (align = ["{_span(mine, "-")} = {_span(yours, "-")}"]; every other '
        "paragraph faces its own number, in order), or give the two texts the same paragraphs",
        "parallel.misaligned",
    )


def _marked(found: list[Paragraph]) -> str:
    """ "¶ 2", "¶¶ 2–3"."""
    return ("¶¶ " if len(found) > 1 else "¶ ") + _span(found)


def _span(found: list[Paragraph], dash: str = "–") -> str:
    if not found:
        return "?"
    first, last = found[0].number, found[-1].number
    return str(first) if first == last else f"{first}{dash}{last}"


def _first_parting(
    ours: list[Paragraph], theirs: list[Paragraph]
) -> tuple[int, int, tuple[int, int]] | None:
    """The first step of the pairing of least cost that is not one to one: (index in
    `ours`, index in `theirs`, the step); None if no pairing exists."""
    lo = [max(1, len(p.text)) for p in ours]
    lt = [max(1, len(p.text)) for p in theirs]
    ratio = sum(lt) / sum(lo)
    n, m = len(lo), len(lt)
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {(0, 0): (0.0, None)}
    for i in range(n + 1):
        for j in range(m + 1):
            if (i, j) not in best:
                continue
            cost = best[(i, j)][0]
            for (a, b), extra in STEPS.items():
                if i + a > n or j + b > m:
                    continue
                length = abs(math.log(sum(lt[j : j + b]) / (ratio * sum(lo[i : i + a]))))
                total = cost + extra + _SPREAD * length
                if (i + a, j + b) not in best or total < best[(i + a, j + b)][0]:
                    best[(i + a, j + b)] = (total, (a, b))
    if (n, m) not in best:
        return None
    path = []
    at = (n, m)
    while at != (0, 0):
        step = best[at][1]
        assert step is not None
        at = (at[0] - step[0], at[1] - step[1])
        path.append((at[0], at[1], step))
    path.reverse()
    return next(((i, j, step) for i, j, step in path if step != (1, 1)), None)
