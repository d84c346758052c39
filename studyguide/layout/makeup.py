"""Page makeup: a part of the book laid out, proofed, mended and laid out again, until the
proof finds nothing more the makeup can mend (or after `MAX_ROUNDS` layouts).

What a typesetter does by hand, done here by rule on the print HTML of one part (each
part holds whole chapters, so a mend never moves another part's pages):

- a word hyphenated across a page turn, or where the line had room, is kept whole;
- a note that went over whole, after an earlier note of its line that was split, has its
  call moved to the next line (a line break before its word), so that it goes over too;
- a contents entry of several lines is broken where its lines come out even (as headings
  are balanced), its leader and page number still in their column;
- a chapter whose last page would hold three lines or fewer carries more of its last
  paragraph over, or is set a little tighter so that it ends a page sooner.

The layout itself continues a note that does not fit under its call at the foot of the next
page (patches/footnotes.py) and avoids a hyphen at a page's foot (patches/typesetting.py);
the finishing gives a page's spare room in the questions to writing (finishing.py): what
is left for the makeup is rare, and most parts are laid out once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from studyguide.layout import finishing, proof
from studyguide.layout.geometry import Line, Page, body_line_height

MAX_ROUNDS = 6
SOFT_HYPHEN = "\u00ad"
TIGHTER = (0.8, 0.6)  # the spacing between blocks of a chapter that would end on a runt


@dataclass
class Mends:
    """What the makeup changed in a part's print HTML, by the ids of what it changed."""

    whole_words: set[tuple[str, str]] = field(default_factory=set)  # (element, word) unbroken
    widows: dict[str, int] = field(default_factory=dict)  # element → lines carried over
    breaks: set[str] = field(default_factory=set)  # note calls a line break goes before
    toc_breaks: dict[str, tuple[int, ...]] = field(default_factory=dict)  # entry → after words
    tighter: dict[str, int] = field(default_factory=dict)  # chapter → step of TIGHTER

    def key(self) -> tuple[Any, ...]:
        return (
            tuple(sorted(self.toc_breaks.items())),
            tuple(sorted(self.breaks)),
            tuple(sorted(self.whole_words)),
            tuple(sorted(self.widows.items())),
            tuple(sorted(self.tighter.items())),
        )

    def css(self) -> str:
        rules = [f"#{i} {{ widows: {n}; }}" for i, n in sorted(self.widows.items())]
        for chapter, step in sorted(self.tighter.items()):
            factor = TIGHTER[step - 1]
            rules.append(
                f"#{chapter} h2 {{ margin-top: {1.4 * factor:.2f}em; }}"
                f" #{chapter} .questions li {{ margin-bottom: {0.6 * factor:.2f}em; }}"
                f" #{chapter} .bibliography li {{ margin-bottom: {0.4 * factor:.2f}em; }}"
            )
        return "\n".join(rules)

    def apply(self, html: str) -> str:
        """The part's print HTML with these mends."""
        if not self.key() or not any(self.key()):
            return html
        from lxml import html as lxml_html

        tree = lxml_html.document_fromstring(html)
        for call in self.breaks:
            for found in tree.xpath(f'//*[@id="{call}"]'):
                _break_before_word(found)
        for entry, after in self.toc_breaks.items():
            for found in tree.xpath(f'//*[@id="{entry}"]//a'):
                _break_after_words(found, after)
        for element, word in self.whole_words:
            for found in tree.xpath(f'//*[@id="{element}"]'):
                _unhyphenate(found, word)
        style = tree.find(".//style")
        if style is not None:
            style.text = (style.text or "") + "\n/* page makeup */\n" + self.css() + "\n"
        return lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def _unhyphenate(element: Any, head: str) -> None:
    """Take the soft hyphens out of the words in `element` that begin with `head`."""
    plain = head.replace(SOFT_HYPHEN, "")

    def mend(text: str | None) -> str | None:
        if not text or SOFT_HYPHEN not in text:
            return text
        words = text.split(" ")
        for index, word in enumerate(words):
            bare = word.replace(SOFT_HYPHEN, "")
            if SOFT_HYPHEN in word and bare.lstrip("“‘(\"'").startswith(plain.lstrip("“‘(\"'")):
                words[index] = bare
        return " ".join(words)

    for node in element.iter():
        node.text = mend(node.text)
        if node is not element:
            node.tail = mend(node.tail)


def _break_before_word(call: Any) -> None:
    """A line break before the word a note's call follows (the call's anchor element)."""
    from lxml import html as lxml_html

    before = call.getprevious()
    text = call.getparent().text if before is None else before.tail
    if text and text.strip():  # the word is plain text: break at its last space
        cut = text.rstrip().rfind(" ") + 1
        br = lxml_html.fragment_fromstring("<br/>")
        if before is None:
            parent = call.getparent()
            parent.text, br.tail = text[:cut], text[cut:]
            parent.insert(0, br)
        else:
            before.tail, br.tail = text[:cut], text[cut:]
            before.addnext(br)
    elif before is not None:  # the word is an element (a glossary name): break before it
        br = lxml_html.fragment_fromstring("<br/>")
        before.addprevious(br)


def _text_slots(link: Any) -> list[tuple[Any, str]]:
    """The text slots (element, "text" or "tail") of a contents entry's link, in reading
    order, its part number's own text left out."""
    slots: list[tuple[Any, str]] = [(link, "text")]
    for node in link.iterdescendants():
        if "toc-part" not in (node.get("class") or ""):
            slots.append((node, "text"))
        slots.append((node, "tail"))
    return slots


def _break_after_words(link: Any, after: tuple[int, ...]) -> None:
    """Line breaks after the given words (counted from 0) of a contents entry's title: the
    space after each such word becomes a line break."""
    from lxml import html as lxml_html

    wanted, words, in_word = set(after), -1, False
    for node, slot in _text_slots(link):
        text = getattr(node, slot) or ""
        for index, char in enumerate(text):
            if not char.isspace():
                words, in_word = (words + 1, True) if not in_word else (words, True)
                continue
            if in_word and words in wanted:
                wanted.discard(words)
                br = lxml_html.fragment_fromstring("<br/>")
                setattr(node, slot, text[:index])
                br.tail = text[index + 1 :]
                if slot == "text":
                    node.insert(0, br)
                else:
                    node.addnext(br)
                _break_after_words(link, tuple(sorted(wanted)))  # the rest, in the new tree
                return
            in_word = False


def balanced_contents(document: Any) -> dict[str, tuple[int, ...]]:
    """For each contents entry set in several lines, after which of its title's words to
    break so that its lines are as even as they can be in as many lines."""
    from studyguide.layout.geometry import entries_of_contents

    breaks: dict[str, tuple[int, ...]] = {}
    for entry, widths, lines, measure in entries_of_contents(document):
        best = _balance(widths, lines, measure)
        if best is not None:
            breaks[entry] = best
    return breaks


def _balance(widths: list[float], lines: int, measure: float) -> tuple[int, ...] | None:
    """The break points (after word i) giving `lines` lines whose longest is shortest."""
    from itertools import combinations

    best: tuple[float, tuple[int, ...]] | None = None
    for cuts in combinations(range(len(widths) - 1), lines - 1):
        bounds = [-1, *cuts, len(widths) - 1]
        spans = [sum(widths[a + 1 : b + 1]) for a, b in pairwise(bounds)]
        if max(spans) > measure:
            continue
        if best is None or max(spans) < best[0] - 0.01:
            best = (max(spans), cuts)
    return best[1] if best else None


# ------------------------------------------------------------------ mending faults


def _page(pages: list[Page], number: int) -> Page | None:
    return next((page for page in pages if page.number == number), None)


def _mend_runt(fault: proof.Fault, pages: list[Page], mends: Mends, body: float) -> bool:
    page, before = _page(pages, fault.page), _page(pages, fault.page - 1)
    if page is None or before is None or not page.lines or not before.lines:
        return False
    first = page.lines[0]
    carried = before.lines[-1].anchor == first.anchor and first.kind == "text"
    held = sum(1 for line in page.lines if line.anchor == first.anchor)
    wanted = proof.RUNT_LINES + 1 + (len(page.lines) - held)
    if carried and mends.widows.get(first.anchor, 2) < held + wanted and first.anchor:
        mends.widows[first.anchor] = held + (proof.RUNT_LINES + 1 - len(page.lines))
        return True
    section = fault.section
    step = mends.tighter.get(section, 0)
    if section and step < len(TIGHTER):
        mends.tighter[section] = step + 1
        return True
    return False


def mend(faults: list[proof.Fault], pages: list[Page], mends: Mends) -> bool:
    """Add to `mends` what would mend `faults`; whether anything was added."""
    before = mends.key()
    body = body_line_height(pages)
    for fault in faults:
        if fault.code == "note-away" and fault.anchor:
            mends.breaks.add(fault.anchor)
        if fault.code in ("hyphen-page-turn", "hyphen-room", "hyphen-short-line"):
            line = _hyphenated_line(pages, fault)
            if line is not None and line.anchor:
                mends.whole_words.add((line.anchor, line.word_head))
    # A runt's mend moves every page after it: the first, one at a time.
    for fault in faults:
        if fault.code == "runt" and _mend_runt(fault, pages, mends, body):
            break
    return mends.key() != before


def _hyphenated_line(pages: list[Page], fault: proof.Fault) -> Line | None:
    page = _page(pages, fault.page)
    if page is None:
        return None
    return next(
        (line for line in page.lines if line.hyphenated and line.anchor == fault.anchor), None
    )


@dataclass
class MadeUp:
    """A part laid out: its document, its pages read back, what the proof still finds."""

    document: Any
    pages: list[Page]
    faults: list[proof.Fault]
    mends: Mends
    rounds: int


def lay_out(
    html: str,
    root: Path,
    first_page: int,
    lay_out_html: Callable[[str, Path], Any],
    two_sided: bool = True,
) -> MadeUp:
    """Lay the part out, finish and mend its pages, in rounds; the last layout, its faults."""
    mends = Mends()
    for rounds in range(1, MAX_ROUNDS + 1):
        document = lay_out_html(mends.apply(html), root)
        if rounds == 1:
            mends.toc_breaks = balanced_contents(document)
            if mends.toc_breaks:
                document = lay_out_html(mends.apply(html), root)
        pages = finishing.finish(document, first_page, two_sided)
        faults = proof.check(pages, body_line_height(pages))
        if rounds == MAX_ROUNDS or not mend(faults, pages, mends):
            break
    return MadeUp(document, pages, faults, mends, rounds)
