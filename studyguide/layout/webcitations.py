"""What the web edition says of each paragraph once the print pages are placed in it: the
citation line its number offers ("Title, ¶ 12, p. 17 of the print edition"), and the records
of the search index (render/search.py), each with its print page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lxml import etree

from studyguide.layout.webpages import page_numbers
from studyguide.render.markup import CLASSES
from studyguide.render.search import Record, reading_text

if TYPE_CHECKING:
    from studyguide.render.views import BookView

_X = "{http://www.w3.org/1999/xhtml}"


def _searched(page: Any, tree: etree._Element) -> list[tuple[etree._Element, str]]:
    """The elements of a page the search finds, each with what it is: a paragraph's number,
    "notes" or "questions" (the labels of those sections), or "" (a passage of the guide)."""
    if page.part == "glossary":
        return [(dt, "") for dt in tree.iter(f"{_X}dt") if dt.get("id")]
    if page.part != "chapter":
        return []
    main = next(tree.iter(f"{_X}main"))
    found = []
    for element in main.iter():
        classes = set((element.get("class") or "").split())
        element_id = element.get("id") or ""
        if element.tag == f"{_X}p" and "para" in classes and element_id:
            number = next((a.text for a in element if CLASSES.pnum in (a.get("class") or "")), "")
            found.append((element, number))
        elif CLASSES.footnote in classes and element_id:
            found.append((element, "notes"))
        elif _guide_block(page, element):
            found.append((element, "questions" if element_id.startswith("ch-") else ""))
    return found


def _guide_block(page: Any, element: etree._Element) -> bool:
    """A question, or a block of the guide's own words (an introduction's paragraph)."""
    pattern = rf"{page.chapter.id}-q\d+|c{page.chapter.number}-b\d+"
    tags = (f"{_X}li", f"{_X}p", f"{_X}h2")
    return element.tag in tags and re.fullmatch(pattern, element.get("id") or "") is not None


def search_records(view: BookView, pages: Sequence[tuple[Any, etree._Element]]) -> list[Record]:
    """The search's records, in reading order; each paragraph's number given its citation
    line (data-cite) on the way."""
    labels = view.labels
    # Each paragraph's own chapter: a page may show two texts (the parallel edition's).
    held = {view.book.paragraph_id(c.text, n): c for c in view.book.chapters for n in c.paragraphs}
    wanted = {e.get("id") for page, tree in pages for e, _ in _searched(page, tree)}
    printed = page_numbers([tree for _, tree in pages], wanted)
    records = []
    for page, tree in pages:
        for element, number in _searched(page, tree):
            element_id = element.get("id")
            page_label = printed.get(element_id, "")
            if element.tag == f"{_X}dt":
                content = reading_text(element) + " " + reading_text(element.getnext())
            else:
                content = reading_text(element)
            if number in ("notes", "questions"):
                where, number = labels[number], ""
            else:
                where = labels.format("paragraph_number", number=number) if number else ""
            chapter = held.get(element_id, page.chapter)
            title = chapter.title if chapter else page.title
            records.append(Record(f"{page.name}#{element_id}", content, title, where, page_label))
            if number:
                _cite(view, chapter.text, element, number, page_label)
    return records


def _cite(view: BookView, text: str, paragraph: etree._Element, number: str, printed: str) -> None:
    labels = view.labels
    title = view.meta.text(text).title if text else view.meta.title
    if printed:
        line = labels.format("cite_paragraph", title=title, number=number, page=printed)
    else:
        line = labels.format("cite_paragraph_unpaged", title=title, number=number)
    for link in paragraph:
        if CLASSES.pnum in (link.get("class") or "").split():
            link.set("data-cite", line)
