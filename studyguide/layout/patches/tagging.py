"""The PDF/UA structure types WeasyPrint (70) does not give: Note, Reference, Lbl, TOC/TOCI.

WeasyPrint tags by HTML element (p → P, ol → L, a → Link, span → Span); this wraps its tree
builder and renames what the shared layout marks with classes:

- a background note (`span.footnote`, floated to the foot of the page) → Note, with a unique
  ID that the structure tree root's IDTree maps (ISO 32000 asks both of an ID); the line
  "6 (continued)" over the part of a note carried to the next page → Lbl;
- its call in the text (`::footnote-call`) → Reference, and its number at the foot
  (`::footnote-marker`) → Lbl, as is a paragraph's number in the margin;
- the contents (`ol.toc` in print_book.html.j2): the list → TOC, each entry → TOCI, holding
  a Reference to the chapter (the entry's link);
- an element with a `lang` of its own (a text in another language than the book's, the
  guide's words inside it) → its structure element's Lang.

The check that the wrapped functions are the versions this was written for is in
patches.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from studyguide.layout.patches import wrap_checked
from studyguide.render.markup import CLASSES

# Digests of the functions wrapped here, as shipped in WeasyPrint 70.0.
_EXPECTED = {"_build_box_tree": "f716251a83e7096e", "add_tags": "f0e74575b0bafaf3"}
TOC_CLASS, TOC_ITEM_CLASS = "toc", "toc-item"  # the print contents' list and entries


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split()) if element is not None else set()


def structure_type(box: Any, current: str) -> str | None:
    """The structure type `box`'s element should have instead of `current`, if any."""
    tag = getattr(box, "element_tag", "") or ""
    element = getattr(box, "element", None)
    if getattr(box, "studyguide_label", False):
        return "Lbl"  # "6 (continued)" over a note carried to the next page
    if tag.endswith("::footnote-call"):
        return "Reference"
    if tag.endswith("::footnote-marker"):
        return "Lbl"
    classes = _classes(element) if not getattr(box, "pseudo_type", None) else set()
    if CLASSES.footnote in classes and current == "/Span":
        return "Note"
    if CLASSES.pnum in classes:
        return "Lbl"
    if tag == "ol" and TOC_CLASS in classes:
        return "TOC"
    if tag == "li" and TOC_ITEM_CLASS in classes:
        return {"/LI": "TOCI", "/LBody": "Reference"}.get(current)
    return None


def retagged(original: Any) -> Any:
    def build_box_tree(
        box: Any, parent: Any, pdf: Any, page_number: int, *args: Any
    ) -> Iterator[Any]:
        for element in original(box, parent, pdf, page_number, *args):
            kind = structure_type(box, str(element["S"]))
            if kind:
                element["S"] = f"/{kind}"
            html = getattr(box, "element", None)
            # (the document's own language is the catalog's Lang)
            language = html.get("lang") if html is not None and html.tag != "html" else None
            if language and not getattr(box, "pseudo_type", None):
                import pydyf

                element["Lang"] = pydyf.String(language)
            if kind == "Note":
                _identify(pdf, element, box.element.get("id") or "note", page_number)
            yield element

    build_box_tree._studyguide = True  # type: ignore[attr-defined]
    return build_box_tree


def _identify(pdf: Any, element: Any, name: str, page_number: int) -> None:
    """A unique ID for a structure element; a note split over pages has one per page."""
    del page_number  # (its fragments are numbered instead)
    import pydyf

    known = pdf.__dict__.setdefault("_studyguide_ids", {})
    # A note continued on the next page is a second Note there: "note-3-8", "note-3-8-2"
    # (numbered, not by page: the same in a book laid out in one part or in several).
    key, suffix = name, 2
    while key in known:  # (unique, as ISO 32000 asks of an ID)
        key, suffix = f"{name}-{suffix}", suffix + 1
    element["ID"] = pydyf.String(key)
    known[key] = element.reference


def with_id_tree(original: Any) -> Any:
    def add_tags(pdf: Any, *args: Any) -> None:
        import pydyf

        original(pdf, *args)
        known = pdf.__dict__.get("_studyguide_ids")
        if not known:
            return
        root_number = int(pdf.catalog["StructTreeRoot"].split()[0])
        names = pydyf.Array()
        for key in sorted(known):
            names.extend([pydyf.String(key), known[key]])
        pdf.objects[root_number]["IDTree"] = pydyf.Dictionary({"Names": names})

    add_tags._studyguide = True  # type: ignore[attr-defined]
    return add_tags


def apply() -> list[str]:
    """Wrap WeasyPrint's tag tree builder; the names of the patches applied."""
    import weasyprint.pdf as pdf_module
    from weasyprint.pdf import tags

    patches = ((tags, "_build_box_tree", retagged), (pdf_module, "add_tags", with_id_tree))
    return [
        name
        for module, name, wrap in patches
        if wrap_checked(module, name, wrap, _EXPECTED[name], "tagging")
    ]
