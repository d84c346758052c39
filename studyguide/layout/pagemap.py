"""The page map: where each page of the print layout begins, as a place in the shared layout.

The print edition's layout produces it (pages.py); the EPUB and the web
edition place their page-break markers by it (markers.py). A page begins at a place
in an element of the shared layout: the nearest element with an id (a paragraph `p-12`, a
block `c3-b4`, a question, a glossary entry) and the number of visible characters of that
element's text that came before on earlier pages. Whitespace is not counted (the two
editions wrap and collapse it differently), nor the hyphens that hyphenation adds, so the
same count finds the same place in the EPUB's XHTML. It is kept in the build cache under a
digest of everything the layout depends on, so an unchanged book is never laid out twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from studyguide import cache
from studyguide.model import Book
from studyguide.options import Options

# added by hyphenation and typesetting (and where a URL may break, in print)
NOT_COUNTED = {"\u2010", "\u00ad", "\u2060", "\u200b"}


@dataclass(frozen=True)
class PageStart:
    label: str  # the printed page number
    anchor: str  # id of the element the page begins in
    offset: int  # visible characters of that element before the page begins
    preview: str  # the first words of the page, for people and tests


@dataclass(frozen=True)
class PageMap(Sequence[PageStart]):
    """Where each print page begins (a sequence of PageStarts), and where each note that the
    print edition continues at the foot of the next page goes on there: a PageStart in the
    note's own text (the web edition gives a place in a note the page it is printed on)."""

    starts: tuple[PageStart, ...]
    in_notes: tuple[PageStart, ...] = ()

    def __getitem__(self, index: Any) -> Any:
        return self.starts[index]

    def __len__(self) -> int:
        return len(self.starts)


def count_visible(text: str) -> int:
    return sum(1 for c in text if not c.isspace() and c not in NOT_COUNTED)


def insert_in_text(parent: Any, after: Any, cut: int, element: Any) -> None:
    """Put `element` at character `cut` of `parent`'s text (`after` None) or of `after`'s tail
    (lxml elements): the text before it stays, the rest becomes its tail."""
    text = (parent.text if after is None else after.tail) or ""
    element.tail = text[cut:]
    if after is None:
        parent.text = text[:cut]
        parent.insert(0, element)
    else:
        after.tail = text[:cut]
        after.addnext(element)


def word_start_of_visible(text: str, number: int) -> int | None:
    """The index in `text` of its visible character `number` (from 0), moved back to the
    start of its word (a page that begins inside a hyphenated word begins before it); None
    if the text has fewer."""
    seen = 0
    for index, char in enumerate(text):
        if char.isspace() or char in NOT_COUNTED:
            continue
        if seen == number:
            while index > 0 and not text[index - 1].isspace():
                index -= 1
            return index
        seen += 1
    return None


def cache_key(book: Book, options: Options) -> str:
    """A digest of everything the layout depends on: sources, the package, the options."""
    layout_options = (
        options.paper,
        options.writing_space,
        options.glossary_pages,
        options.part_size,
        options.blank_pages,
    )
    return cache.inputs_digest(book.root, "pagemap", repr(layout_options))


def cache_path(book: Book, options: Options) -> Path:
    return entry_path(options.out, cache_key(book, options))


def entry_path(out: Path, key: str) -> Path:
    """Where the page map of the sources with `key` is kept, in the output folder `out`."""
    return cache.entry(out, "pagemap", key, ".json")


def save(pages: PageMap, path: Path) -> None:
    data = {
        "starts": [asdict(p) for p in pages.starts],
        "in_notes": [asdict(p) for p in pages.in_notes],
    }
    cache.write(path, json.dumps(data, indent=1).encode("utf-8"))


def load(path: Path) -> PageMap | None:
    """The kept page map, if it is there, intact and of the right shape; else None (the
    book is laid out again). An empty map is never right: a layout has pages."""
    data = cache.read(path)
    if data is None:
        return None
    try:
        entries = json.loads(data)
    except ValueError:
        return None
    if not isinstance(entries, dict) or set(entries) != {"starts", "in_notes"}:
        return None
    starts, in_notes = entries["starts"], entries["in_notes"]
    if not isinstance(starts, list) or not starts or not isinstance(in_notes, list):
        return None
    if not all(map(_is_page_start, [*starts, *in_notes])):
        return None
    return PageMap(
        tuple(PageStart(**entry) for entry in starts),
        tuple(PageStart(**entry) for entry in in_notes),
    )


_FIELDS = {"label": str, "anchor": str, "offset": int, "preview": str}


def _is_page_start(entry: object) -> bool:
    """A page map entry of the right shape: exactly PageStart's fields, of their types."""
    if not isinstance(entry, dict) or set(entry) != set(_FIELDS):
        return False
    if not all(type(entry[name]) is kind for name, kind in _FIELDS.items()):
        return False
    return bool(entry["label"]) and bool(entry["anchor"]) and entry["offset"] >= 0
