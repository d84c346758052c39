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
  paragraph over, or is set a little tighter so that it ends a page sooner;
- a figure that went to the next page, leaving a hole, is moved after the text that
  follows it, which then fills the page (or before the text before it, or set a little
  smaller: figureplace.py).

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

from studyguide.layout import figureplace, finishing, proof
from studyguide.layout.geometry import Line, Page, body_line_height
from studyguide.layout.pagemap import insert_in_text

MAX_ROUNDS = 6
SOFT_HYPHEN = "\u00ad"
WORD_JOINER = "\u2060"  # as render/typeset.py puts after a compound's hyphen
TIGHTER = (0.8, 0.6)  # the spacing between blocks of a chapter that would end on a runt


@dataclass
class Mends:
    """What the makeup changed in a part's print HTML, by the ids of what it changed."""

    whole_words: set[tuple[str, str]] = field(default_factory=set)  # (element, word) unbroken
    joined: set[tuple[str, str]] = field(default_factory=set)  # (element, compound's head)
    widows: dict[str, int] = field(default_factory=dict)  # element → lines carried over
    breaks: set[str] = field(default_factory=set)  # note calls a line break goes before
    new_pages: set[str] = field(default_factory=set)  # blocks that begin a page
    toc_breaks: dict[str, tuple[int, ...]] = field(default_factory=dict)  # entry → after words
    tighter: dict[str, int] = field(default_factory=dict)  # chapter → step of TIGHTER
    figures: figureplace.FigureMends = field(default_factory=figureplace.FigureMends)

    def key(self) -> tuple[Any, ...]:
        return (
            self.figures.key(),
            tuple(sorted(self.toc_breaks.items())),
            tuple(sorted(self.breaks)),
            tuple(sorted(self.new_pages)),
            tuple(sorted(self.whole_words)),
            tuple(sorted(self.joined)),
            tuple(sorted(self.widows.items())),
            tuple(sorted(self.tighter.items())),
        )

    def css(self) -> str:
        rules = [f"#{i} {{ widows: {n}; }}" for i, n in sorted(self.widows.items())]
        rules += [self.figures.css()] if self.figures.heights else []
        rules += [f"#{i} {{ break-before: page; }}" for i in sorted(self.new_pages)]
        for chapter, step in sorted(self.tighter.items()):
            factor = TIGHTER[step - 1]
            rules.append(
                f"#{chapter} li {{ margin-top: 0; margin-bottom: 0; }}"
                f" #{chapter} ul, #{chapter} ol {{ margin-top: {0.6 * factor:.2f}em;"
                f" margin-bottom: {0.6 * factor:.2f}em; }}"
                f" #{chapter} h2 {{ margin-top: {1.4 * factor:.2f}em; }}"
                f" #{chapter} .questions li {{ margin-bottom: {0.6 * factor:.2f}em; }}"
                f" #{chapter} .bibliography li {{ margin-bottom: {0.4 * factor:.2f}em; }}"
                f" #{chapter} dt {{ margin-top: {0.8 * factor:.2f}em; }}"
                f" #{chapter} ul.reference-list li {{ margin-bottom: {0.4 * factor:.2f}em; }}"
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
        for element, head in self.joined:
            for found in tree.xpath(f'//*[@id="{element}"]'):
                _join_compound(found, head)
        self.figures.apply(tree)
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
    """A line break before the word a note's call follows (the call's anchor element): back
    from the call to the last space, through elements the word runs into ("October 2003"
    in a glossary link, then its full stop)."""
    from lxml import html as lxml_html

    node = call
    while True:
        before = node.getprevious()
        parent = node.getparent()
        text = (before.tail if before is not None else parent.text) or ""
        if text and text[-1].isspace():
            cut = len(text)  # the word begins with the element after this text
        elif " " in text:
            cut = text.rfind(" ") + 1
        elif before is None:
            cut = 0
        else:
            node = before  # the word runs on into this element: look before it
            continue
        insert_in_text(parent, before, cut, lxml_html.fragment_fromstring("<br/>"))
        return


def _join_compound(element: Any, head: str) -> None:
    """A word joiner after the hyphen of the compounds in `element` that begin with
    `head` and a hyphen: the compound no longer breaks there."""
    import re

    pattern = re.compile(r"(?<![\w-])(" + re.escape(head) + r"-)(?=\w)")
    for node in element.iter():
        if node.text:
            node.text = pattern.sub("\\1" + WORD_JOINER, node.text)
        if node is not element and node.tail:
            node.tail = pattern.sub("\\1" + WORD_JOINER, node.tail)


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


def _on_line(top: float, line: Line) -> bool:
    """Whether an anchor whose top is at `top` is in `line`. A call's anchor is as high as
    its line: the next line's calls are at this line's foot, where the next line begins."""
    return line.top - 1 <= top < line.top + line.height / 2


def _mend_hole(fault: proof.Fault, pages: list[Page], mends: Mends) -> bool:
    """A hole left by a line that went over with several notes, the last of which could
    not begin under it: a line break before that last call's word, so that the line and
    its other notes stay and only that word goes over, with its note."""
    after = _page(pages, fault.page + 1)
    if after is None or not after.lines:
        return False
    first = after.lines[0]
    calls = sorted(
        (top, name)
        for name, top in after.anchor_tops.items()
        if name.startswith(proof.CALL) and _on_line(top, first)
    )
    if len(calls) < 2 or calls[-1][1] in mends.breaks:
        return False
    mends.breaks.add(calls[-1][1])
    return True


def _mend_runt(fault: proof.Fault, pages: list[Page], mends: Mends, body: float) -> bool:
    """A chapter ending on a page of three lines or fewer: first set a little tighter, so
    that it may end a page sooner; then more lines onto that page, its paragraph's `widows`
    where one runs over, else the block before it carried over too (the page before is
    evened out by the finishing)."""
    page, before = _page(pages, fault.page), _page(pages, fault.page - 1)
    if page is None or before is None or not page.lines or not before.lines:
        return False
    section = fault.section
    step = mends.tighter.get(section, 0)
    if section and step < len(TIGHTER):
        mends.tighter[section] = step + 1
        return True
    first, held = page.lines[0], len(page.lines)
    wanted = proof.RUNT_LINES + 1
    sections = {section for p in (page, before) for section in p.sections}
    carried = before.lines[-1].anchor == first.anchor and first.kind == "text"
    own = [line for line in page.lines if line.anchor == first.anchor]
    if carried and first.anchor and first.anchor not in sections:
        widows = len(own) + (wanted - held)
        if mends.widows.get(first.anchor, 2) < widows:
            mends.widows[first.anchor] = widows
            return True
    # The first block of `before` from which on its lines and the runt's make `wanted`.
    count = held
    for index in range(len(before.lines) - 1, -1, -1):
        line = before.lines[index]
        count += 1
        starts = index == 0 or before.lines[index - 1].anchor != line.anchor
        if count >= wanted and starts and line.anchor and line.anchor not in sections:
            if line.anchor in mends.new_pages:
                return False
            mends.new_pages.add(line.anchor)
            return True
    return False


def mend(faults: list[proof.Fault], pages: list[Page], mends: Mends) -> bool:
    """Add to `mends` what would mend `faults`; whether anything was added."""
    before = mends.key()
    body = body_line_height(pages)
    sections = {section for page in pages for section in page.sections}
    for fault in faults:
        if fault.anchor in sections:
            continue  # a mend is made to one block, never to a whole chapter
        if fault.code == "note-away" and fault.anchor:
            mends.breaks.add(fault.anchor)
        if fault.code in ("hyphen-page-turn", "hyphen-room", "hyphen-short-line"):
            line = _hyphenated_line(pages, fault)
            if line is not None and line.anchor:
                mends.whole_words.add((line.anchor, line.word_head))
            elif fault.code == "hyphen-page-turn" and fault.anchor:
                head = fault.message.split("”", 1)[0].lstrip("“").rstrip("-")
                mends.joined.add((fault.anchor, head))
    # A hole's or a runt's mend moves every page after it: the first, one at a time.
    for fault in faults:
        if fault.code == "hole" and (
            mends.figures.mend_hole(fault, pages) or _mend_hole(fault, pages, mends)
        ):
            break
        if fault.code == "runt" and _mend_runt(fault, pages, mends, body):
            break
    return mends.key() != before


def _hyphenated_line(pages: list[Page], fault: proof.Fault) -> Line | None:
    page = _page(pages, fault.page)
    if page is None:
        return None
    return next(
        (
            line
            for line in [*page.lines, *page.notes]
            if line.hyphenated and line.anchor == fault.anchor
        ),
        None,
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
    provisional: bool = False,
) -> MadeUp:
    """Lay the part out, finish and mend its pages, in rounds; the last layout, its faults.

    A provisional layout (parts.py: only its length and where its ids fall are wanted) does
    not balance the contents' entries: that breaks their lines elsewhere, in as many lines.
    """
    mends = Mends()
    for rounds in range(1, MAX_ROUNDS + 1):
        document = lay_out_html(mends.apply(html), root)
        if rounds == 1 and not provisional:
            mends.toc_breaks = balanced_contents(document)
            if mends.toc_breaks:
                document = lay_out_html(mends.apply(html), root)
        pages = finishing.finish(document, first_page, two_sided)
        faults = proof.check(pages, body_line_height(pages))
        if rounds == MAX_ROUNDS or not mend(faults, pages, mends):
            break
    return MadeUp(document, pages, faults, mends, rounds)
