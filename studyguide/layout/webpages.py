"""On which print page an element of the web pages stands, read from their page-break markers;
the markers of a blank page and the page after it merged into one ("pp. 14–15")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lxml import etree

from studyguide.layout.pagemap import PageStart, count_visible
from studyguide.render.markup import APPARATUS, CLASSES

XHTML_MAIN = "{http://www.w3.org/1999/xhtml}main"
RANGE = "–"  # between the first and last page of a merged marker: "14–15"
MERGED = "pages"  # the class of a marker that stands for several pages


def merge_blank_pages(tree: etree._Element) -> None:
    """A blank print page (the back of a right-hand opener) has no text of its own: its
    marker stands where the next page's does, and the two would be drawn one on the other.
    Each run of markers with nothing between them becomes one, "14–15"; the first pages'
    ids stay, on empty anchors, so that links to them still lead there."""
    for marker in list(tree.iter()):
        if CLASSES.pagebreak not in (marker.get("class") or "").split():
            continue
        run = [marker]
        while not (run[-1].tail or "").strip():
            following = run[-1].getnext()
            if following is None or CLASSES.pagebreak not in (following.get("class") or "").split():
                break
            run.append(following)
        if len(run) < 2 or marker.getparent() is None:
            continue
        last = run[-1]
        last.set("aria-label", f"{run[0].get('aria-label')}{RANGE}{last.get('aria-label')}")
        last.set("class", f"{last.get('class')} {MERGED}")
        for first in run[:-1]:
            for name in [n for n in first.attrib if n != "id"]:
                del first.attrib[name]


def page_of(marker: etree._Element) -> str:
    """The page a marker begins: the last of a merged marker's."""
    return (marker.get("aria-label") or "").split(RANGE)[-1]


def page_numbers(
    trees: Sequence[etree._Element],
    wanted: Iterable[str],
    continued: Sequence[PageStart] = (),
) -> dict[str, str]:
    """For each element id in `wanted`, the label of the print page its first visible
    character is on: the page of the last marker before that character, across the pages in
    reading order. An element in a note is on its note call's page, where print sets the
    note, or on the next page where print carries the note over and the element comes after
    that place (`continued`: the page map's places in notes). Ids before the first marker,
    or with no page map, are left out."""
    wanted = set(wanted)
    found: dict[str, str] = {}
    pending: list[str] = []
    label: str | None = None
    call_pages: dict[str, str] = {}  # note call id → its page
    in_notes: dict[str, tuple[str, str, int]] = {}  # wanted id → (call, note, offset in it)

    def text(value: str | None) -> None:
        if value and value.strip():
            if label is not None:
                found.update(dict.fromkeys(pending, label))
            pending.clear()

    def visit(element: etree._Element) -> None:
        nonlocal label
        classes = set((element.get("class") or "").split())
        if CLASSES.pagebreak in classes:
            label = page_of(element)
            return
        if CLASSES.noteref in classes and label is not None:
            call_pages[element.get("id", "")] = label
        if CLASSES.footnote in classes:
            _note_contents(element, wanted, in_notes)
        if classes & APPARATUS:
            return  # paragraph numbers, note calls, notes: not where the text stands
        if element.get("id") in wanted:
            pending.append(element.get("id"))
        text(element.text)
        for child in element:
            if isinstance(child.tag, str):
                visit(child)
            text(child.tail)

    for tree in trees:
        for main in tree.iter(XHTML_MAIN):
            visit(main)
    for element_id, (call, note, offset) in in_notes.items():
        if call in call_pages:
            found[element_id] = call_pages[call]
        for start in continued:
            if start.anchor == note and start.offset <= offset:
                found[element_id] = start.label
    return found


def _note_contents(
    note: etree._Element, wanted: set[str], in_notes: dict[str, tuple[str, str, int]]
) -> None:
    """The wanted ids inside a note, with the id of its call (its back link's target), the
    note's and the visible characters of the note before them (its back link left out)."""
    back = next((a for a in note.iter() if a.get("role") == "doc-backlink"), None)
    if back is None:
        return
    call = (back.get("href") or "").removeprefix("#")
    seen = 0

    def walk(element: etree._Element) -> None:
        nonlocal seen
        if element.get("id") in wanted:
            in_notes[element.get("id")] = (call, note.get("id", ""), seen)
        if element is not back:
            seen += count_visible(element.text or "")
            for child in element:
                if isinstance(child.tag, str):
                    walk(child)
                seen += count_visible(child.tail or "")

    walk(note)
