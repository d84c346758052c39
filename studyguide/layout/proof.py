"""The print proof: what a production editor flags on the laid-out pages, rule by rule.

Each rule reads the pages' geometry (geometry.py) and gives the faults it finds, each on a
page with a code and a sentence a person can act on. The page makeup (makeup.py) mends
what it can of them before the book is written; `studyguide proof` prints what is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

from studyguide.layout.geometry import Line, Page

MAX_BAND_LINES = 3  # the empty band above the notes, in lines of text, except on a last page
HYPHENATION_ZONE = 0.12  # a hyphen only where the line would otherwise end more than this short
RUNT_LINES = 3  # a last page holding this many lines or fewer
TOLERANCE = 1.0  # points: what measurement may be off by
SHORT_COMPOUND = 6  # letters: a compound this short is never broken at its own hyphen
NOTE, CALL = "note-", "noteref-"  # ids of a print note and of its call's anchor


@dataclass(frozen=True)
class Fault:
    page: int  # the page's number in the book
    code: str  # "hole", "note-away", "hyphen-page-turn", …
    message: str
    anchor: str = ""  # the nearest element with an id, where there is one
    section: str = ""  # the chapter (or glossary, sources) it is in

    def __str__(self) -> str:
        return f"p. {self.page}: {self.message} [{self.code}]"


Rule = Callable[[list[Page], float], Iterator[Fault]]


def _flow(page: Page) -> list[Line]:
    """The lines of the page's text flow a reader reads (no ruled writing lines)."""
    return [line for line in page.lines if line.kind != "answer"]


def last_pages(pages: list[Page]) -> set[int]:
    """The pages on which a chapter (or the glossary, the sources, the contents) ends."""
    last: dict[str, int] = {}
    for page in pages:
        for section in page.sections:
            last[section] = page.number
    return set(last.values())


def holes(pages: list[Page], body: float) -> Iterator[Fault]:
    ends = last_pages(pages)
    for page in pages:
        if page.blank or not page.sections or page.number in ends:
            continue
        band = page.band / body
        if band > MAX_BAND_LINES:
            where = "the notes" if page.note_top is not None else "the foot of the page"
            yield Fault(
                page.number,
                "hole",
                f"{band:.0f} empty lines between the text and {where}",
                page.lines[-1].anchor if page.lines else "",
                page.sections[-1],
            )


def notes_away(pages: list[Page], body: float) -> Iterator[Fault]:
    where: dict[str, int] = {}
    for page in pages:
        for anchor in page.anchors:
            where.setdefault(anchor, page.number)
    for anchor, page in where.items():
        if not anchor.startswith(CALL):
            continue
        note = where.get(NOTE + anchor.removeprefix(CALL))
        if note is not None and note != page:
            yield Fault(
                page,
                "note-away",
                f"note {anchor.removeprefix(CALL)} is on p. {note}, not on its call's page",
                anchor,
            )


def hyphens(pages: list[Page], body: float) -> Iterator[Fault]:
    for page in pages:
        flow = _flow(page)
        if flow and not flow[-1].hyphenated and _COMPOUND_END.search(flow[-1].text):
            head = _COMPOUND_END.search(flow[-1].text).group(1)
            yield Fault(
                page.number,
                "hyphen-page-turn",
                f"“{head}-” is broken at its hyphen across the page turn",
                flow[-1].anchor,
                flow[-1].section,
            )
        if page.notes and page.notes[-1].hyphenated:  # a note going on overleaf
            line = page.notes[-1]
            yield Fault(
                page.number,
                "hyphen-page-turn",
                f"“{line.word_head}-” in a note is hyphenated across the page turn",
                line.anchor,
                line.section,
            )
        for index, line in enumerate(flow):
            if not line.hyphenated:
                continue
            word = f"{line.word_head}-"
            if index == len(flow) - 1:
                yield Fault(
                    page.number,
                    "hyphen-page-turn",
                    f"“{word}” is hyphenated across the page turn",
                    line.anchor,
                    line.section,
                )
            measure = line.limit - line.left
            if measure <= 0:
                continue
            short = (line.limit - line.bare_end) / measure
            if short <= HYPHENATION_ZONE:
                yield Fault(
                    page.number,
                    "hyphen-short-line",
                    f"“{word}”: without the hyphen the line would be only {short:.0%} short",
                    line.anchor,
                    line.section,
                )
            elif line.word_width and line.word_start + line.word_width <= line.limit + 0.01:
                yield Fault(
                    page.number,
                    "hyphen-room",
                    f"“{word}”: the line had room for the whole word",
                    line.anchor,
                    line.section,
                )


_COMPOUND_END = re.compile(r"(\w+)-$")


def compound_breaks(pages: list[Page], body: float) -> Iterator[Fault]:
    """A line that ends at a compound's own hyphen, where the compound is short or an
    acronym ("co-/op", "MAS-/led")."""
    for page in pages:
        pairs = [*pairwise(_flow(page)), *pairwise(page.notes)]
        for line, after in pairs:
            found = _COMPOUND_END.search(line.text)
            if line.hyphenated or not found or line.kind == "answer":
                continue
            head = found.group(1)
            tail = re.match(r"\w+", after.text)
            word = head + (tail.group(0) if tail else "")
            acronym = any(
                len(part) > 1 and part.isupper() for part in (head, tail.group(0) if tail else "")
            )
            if len(word) <= SHORT_COMPOUND or acronym:
                yield Fault(
                    page.number,
                    "compound-break",
                    f"“{head}-/{tail.group(0) if tail else ''}” is broken at its own hyphen",
                    line.anchor,
                    line.section,
                )


def runts(pages: list[Page], body: float) -> Iterator[Fault]:
    ends = last_pages(pages)
    by_number = {page.number: page for page in pages}
    for page in pages:
        if page.number not in ends or page.blank or not page.sections:
            continue
        first_of_section = min(
            (p.number for p in pages if page.sections[0] in p.sections), default=page.number
        )
        if first_of_section == page.number:
            continue  # a chapter of one page
        lines = [line for line in page.lines if line.kind != "heading"]
        if any(line.kind == "figure" for line in lines):
            continue  # a picture fills a page as lines of text do
        if 0 < len(lines) <= RUNT_LINES and (page.number - 1) in by_number:
            yield Fault(
                page.number,
                "runt",
                f"the last page of {page.sections[-1]} holds {len(lines)} line"
                + ("s" if len(lines) > 1 else ""),
                lines[0].anchor,
                page.sections[-1],
            )


def wrapped_heads(pages: list[Page], body: float) -> Iterator[Fault]:
    for page in pages:
        heads = [line for line in page.heads if line.kind == "head"]
        tops = {round(line.top) for line in heads}
        if len(tops) > 1:
            yield Fault(
                page.number,
                "head-wraps",
                f"the running head “{' '.join(line.text for line in heads)}” takes "
                f"{len(tops)} lines",
                "",
                page.sections[-1] if page.sections else "",
            )


def overfull(pages: list[Page], body: float) -> Iterator[Fault]:
    for page in pages:
        for line in [*page.lines, *page.notes]:
            if line.kind != "answer" and line.right > page.right + TOLERANCE:
                yield Fault(
                    page.number,
                    "overfull",
                    f"a line runs {line.right - page.right:.0f} pt into the margin: "
                    f"“…{line.text[-30:]}”",
                    line.anchor,
                    line.section,
                )


def split_figures(pages: list[Page], body: float) -> Iterator[Fault]:
    """A figure's picture on one page and its caption (or part of it) on another."""
    seen: dict[str, int] = {}
    for page in pages:
        for line in page.lines:
            if line.kind not in ("figure", "caption") or not line.anchor:
                continue
            first = seen.setdefault(line.anchor, page.number)
            if first != page.number:
                seen[line.anchor] = page.number  # (one fault a page turn)
                yield Fault(
                    page.number,
                    "figure-split",
                    f"figure {line.anchor.removeprefix('fig-')} begins on p. {first} and "
                    "ends on this page",
                    line.anchor,
                    line.section,
                )


RULES: dict[str, Rule] = {
    "hole": holes,
    "note-away": notes_away,
    "hyphen": hyphens,
    "compound-break": compound_breaks,
    "runt": runts,
    "head-wraps": wrapped_heads,
    "overfull": overfull,
    "figure-split": split_figures,
}


def check(pages: list[Page], body: float) -> list[Fault]:
    """Every fault of the pages, in page order."""
    faults = [fault for rule in RULES.values() for fault in rule(pages, body)]
    return sorted(faults, key=lambda fault: (fault.page, fault.code))
