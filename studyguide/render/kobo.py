"""Kobo's sentence spans: what makes an EPUB a kepub, for every edition that is one (the Kobo
EPUB, the parallel edition's).

Kobo's reader uses `<span class="koboSpan" id="kobo.P.S">` around each sentence (P: the
paragraph in the document, S: the sentence in it) for highlights, page turns and reading
statistics, and the body's content wrapped in `div#book-columns > div#book-inner`, as
Kobo's own kepubs and kepubify (the reference converter) make them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

XHTML_NS = "http://www.w3.org/1999/xhtml"
# Elements that start a paragraph of Kobo's count; text in any other element belongs to the
# nearest of these around it.
BLOCKS = frozenset(
    f"{{{XHTML_NS}}}{tag}"
    for tag in ("p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside")
)
SKIPPED = frozenset(f"{{{XHTML_NS}}}{tag}" for tag in ("script", "style", "title", "head"))
# A sentence ends after . ! ? or … and any closing quotes or brackets, before white space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”’\"')\]]*\s+")


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence, white space kept with the sentence it follows."""
    pieces, start = [], 0
    for found in _SENTENCE_END.finditer(text):
        pieces.append(text[start : found.end()])
        start = found.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _text_slots(element: object) -> Iterator[tuple[object, object | None]]:
    """(parent, child) for each text of `element`'s subtree in order: the parent's own text
    (child None) or a child's tail; not inside skipped elements or Kobo's own spans."""
    if element.tag in SKIPPED or "koboSpan" in (element.get("class") or ""):  # type: ignore[attr-defined]
        return
    yield element, None
    for child in element:  # type: ignore[attr-defined]
        if isinstance(child.tag, str):
            yield from _text_slots(child)
        yield element, child


def _block_of(element: object) -> object:
    while element is not None and element.tag not in BLOCKS:  # type: ignore[attr-defined]
        element = element.getparent()  # type: ignore[attr-defined]
    return element


def add_kobo_spans(body: object) -> int:
    """Wrap every sentence of `body` in a koboSpan; the number of spans."""
    from lxml import etree

    paragraphs: dict[object, int] = {}
    counts: dict[int, int] = {}
    spans = 0
    for parent, child in list(_text_slots(body)):
        text = parent.text if child is None else child.tail  # type: ignore[attr-defined]
        if not text or not text.strip():
            continue
        block = _block_of(parent)
        number = paragraphs.setdefault(block, len(paragraphs) + 1)
        made = []
        for sentence in sentences(text):
            counts[number] = counts.get(number, 0) + 1
            span = etree.Element(f"{{{XHTML_NS}}}span", {"class": "koboSpan"})
            span.set("id", f"kobo.{number}.{counts[number]}")
            span.text = sentence
            made.append(span)
        if child is None:
            parent.text = None  # type: ignore[attr-defined]
            for index, span in enumerate(made):
                parent.insert(index, span)  # type: ignore[attr-defined]
        else:
            child.tail = None  # type: ignore[attr-defined]
            for span in reversed(made):
                child.addnext(span)  # type: ignore[attr-defined]
        spans += len(made)
    return spans


def kobo_document(xhtml: str) -> str:
    """One XHTML document with Kobo's spans and its body's content in Kobo's wrappers."""
    from lxml import etree

    root = etree.fromstring(xhtml.encode("utf-8"))
    body = root.find(f"{{{XHTML_NS}}}body")
    if body is None:
        return xhtml
    add_kobo_spans(body)
    columns = etree.Element(f"{{{XHTML_NS}}}div", {"id": "book-columns"})
    inner = etree.SubElement(columns, f"{{{XHTML_NS}}}div", {"id": "book-inner"})
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)
    body.append(columns)
    return etree.tostring(
        root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>"
    ).decode("utf-8")
