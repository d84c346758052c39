"""An SVG figure checked before any edition carries it: a drawing, and nothing that runs,
reads or fetches.

Refused, each at its line in the SVG: a document type (entities: "billion laughs", or a
file read through an external entity), processing instructions (a stylesheet fetched),
scripts, event handlers (`onload`), foreignObject (HTML inside the drawing), embedded
images, links and references that leave the drawing (`href` other than `#id`, `url(…)`
other than `url(#id)`, `@import`). The parser itself resolves no entity, loads no DTD and
reaches no network.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from studyguide.errors import BuildError, SourceRef

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MAX_ELEMENTS = 50_000  # a map of a country is a few thousand; past this, a mistake or a bomb
PX = {"": 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}
_REFUSED_ELEMENTS = {
    "script": "a script",
    "foreignObject": "a foreignObject (HTML inside the drawing)",
    "image": "an embedded image",
    "iframe": "an iframe",
    "audio": "audio",
    "video": "video",
    "handler": "an event handler",
    "listener": "an event listener",
}
_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*")


def _refused(path: Path, line: int, what: str, hint: str) -> BuildError:
    return BuildError(
        SourceRef(path, line),
        f"the SVG holds {what}, which a book's figure may not",
        hint,
        "figure.svg",
    )


def _outside(value: str) -> bool:
    """Whether a reference leaves the drawing (anything but `#id`)."""
    return not value.strip().startswith("#")


def _style_problem(text: str) -> str | None:
    if "@import" in text.lower():
        return "a stylesheet import (@import)"
    for found in _URL.finditer(text):
        if _outside(found.group(1)):
            return f"a reference out of the drawing (url({found.group(1)[:40]}))"
    if "expression(" in text.lower() or "javascript:" in text.lower():
        return "a script in its style"
    return None


def _length(value: str | None) -> float | None:
    if value is None:
        return None
    found = _LENGTH.fullmatch(value)
    if found is None:
        return None
    return float(found.group(1)) * PX[found.group(2) or ""]


def _size(root: etree._Element, path: Path) -> tuple[float, float]:
    """The drawing's own size in CSS pixels: width and height, else its viewBox's."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if width and height:
        return width, height
    try:
        numbers = [float(n) for n in box]
    except ValueError:
        numbers = []
    if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0:
        return numbers[2], numbers[3]
    raise BuildError(
        SourceRef(path, root.sourceline or 1),
        "the SVG has no size: neither width and height in px, mm or pt, nor a viewBox",
        'give its <svg> a viewBox="0 0 W H" (most drawing programs write one)',
        "figure.svg",
    )


def _parse(data: bytes, path: Path, used: str) -> etree._Element:
    """The SVG's root, parsed with nothing resolved, loaded or fetched."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BuildError(
            SourceRef(path, exc.lineno or 1),
            f"the SVG is not well-formed XML: {exc.msg}",
            f"export it again from the drawing program {used}",
            "figure.svg",
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _refused(
            path,
            1,
            "a document type declaration (<!DOCTYPE …>, where entities are declared)",
            f"delete the <!DOCTYPE …> and any <!ENTITY …>; write what an entity stood for "
            f"out in full {used}",
        )
    for node in [*root.itersiblings(preceding=True), *root.iter()]:
        if isinstance(node, etree._ProcessingInstruction):
            raise _refused(
                path,
                node.sourceline or 1,
                f"a processing instruction (<?{node.target} …?>)",
                f"delete it: a figure's style goes in a <style> inside the SVG {used}",
            )
        if isinstance(node, etree._Entity):
            raise _refused(
                path, node.sourceline or 1, "an entity reference", f"write it out {used}"
            )
    if etree.QName(root).namespace != SVG_NS or etree.QName(root).localname != "svg":
        raise BuildError(
            SourceRef(path, root.sourceline or 1),
            f"the file is XML but not an SVG drawing (its root is <{etree.QName(root).localname}>)",
            f"export the drawing as SVG {used}",
            "figure.format",
        )
    return root


def _check_element(element: etree._Element, path: Path, used: str) -> None:
    """One element of the drawing: nothing that runs, reads or fetches."""
    name = etree.QName(element).localname
    line = element.sourceline or 1
    if name in _REFUSED_ELEMENTS:
        raise _refused(
            path,
            line,
            _REFUSED_ELEMENTS[name],
            f"delete the <{name}> element: a figure is a drawing, shown as it is {used}",
        )
    if name == "style" and element.text:
        problem = _style_problem(element.text)
        if problem:
            raise _refused(path, line, problem, f"keep the style inside the SVG {used}")
    for attribute, value in element.attrib.items():
        local = etree.QName(attribute).localname
        if local.lower().startswith("on"):
            raise _refused(
                path,
                line,
                f"an event handler ({local}=…)",
                f"delete the {local} attribute: nothing in a figure runs {used}",
            )
        if local == "href" and _outside(value):
            raise _refused(
                path,
                line,
                f'a reference out of the drawing (href="{value[:60]}")',
                f'a figure may refer only to its own parts (href="#id") {used}',
            )
        if "url(" in value.lower() or local == "style":
            problem = _style_problem(value)
            if problem:
                raise _refused(path, line, problem, f"refer only to the drawing's own parts {used}")


def check_svg(data: bytes, path: Path, used: str) -> tuple[float, float]:
    """The SVG's size in CSS pixels, if it is a drawing and nothing more; our error at the
    line of the SVG where it is not (`used`: where a figure uses it, said in the hint)."""
    root = _parse(data, path, used)
    for count, element in enumerate((e for e in root.iter() if isinstance(e.tag, str)), 1):
        if count > MAX_ELEMENTS:
            raise _refused(
                path,
                element.sourceline or 1,
                f"more than {MAX_ELEMENTS:,} elements",
                f"simplify the drawing (fewer points and shapes), or make it a PNG {used}",
            )
        _check_element(element, path, used)
    return _size(root, path)
