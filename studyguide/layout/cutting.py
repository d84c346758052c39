"""Print HTML cut in two where a page begins: at a place of the page map's kind (an element's
id and the visible characters of its text before the place), the tree split there, each half
keeping the elements around the cut. The facing pages (facing.py) set a text too long for one
page on the next pair of pages this way, its other half still beside the other text's.

The first half's last paragraph runs on: its last line is set full, as it was on its page
(`RUNS_ON`); the second half's first paragraph goes on from it, with no indent and no
paragraph number (`GOES_ON`), and no element of it repeats an id of the first.
"""

from __future__ import annotations

import copy

from lxml import etree
from lxml import html as lxml_html

from studyguide.layout.pagemap import count_visible, word_start_of_visible
from studyguide.render.markup import APPARATUS

RUNS_ON = "runs-on"
GOES_ON = "goes-on"
_ROOT = "studyguide-cut"


def _skipped(element: etree._Element) -> bool:
    return bool(set((element.get("class") or "").split()) & APPARATUS)


def _place(
    root: etree._Element, anchor: str, offset: int
) -> tuple[etree._Element, str, int] | None:
    """Where the visible character number `offset` of the element `anchor` is: the element
    whose text (slot "text") or tail (slot "tail") holds it, and the index in that string
    (moved back to the start of its word)."""
    found = root.xpath(f'//*[@id="{anchor}"]') if anchor else [root]
    if not found:
        return None
    remaining = offset

    def visit(element: etree._Element) -> tuple[etree._Element, str, int] | None:
        nonlocal remaining
        hit = word_start_of_visible(element.text or "", remaining)
        if hit is not None:
            return element, "text", hit
        remaining -= count_visible(element.text or "")
        for child in element:
            if isinstance(child.tag, str) and not _skipped(child):
                inside = visit(child)
                if inside is not None:
                    return inside
            hit = word_start_of_visible(child.tail or "", remaining)
            if hit is not None:
                return child, "tail", hit
            remaining -= count_visible(child.tail or "")
        return None

    place = visit(found[0])
    if place is not None:
        node, slot, index = place
        text = (node.text if slot == "text" else node.tail) or ""
        if offset - remaining + count_visible(text[:index]) == 0:  # nothing of it before the cut
            return _before(found[0])
    while place is not None and place[1] == "text" and place[2] == 0 and place[0] is not root:
        place = _before(place[0])  # at the start of an element: before it
    return place


def _before(element: etree._Element) -> tuple[etree._Element, str, int]:
    """The place just before `element`: the end of the text before it."""
    previous = element.getprevious()
    if previous is not None:
        return previous, "tail", len(previous.tail or "")
    parent = element.getparent()
    if parent is None:  # the fragment itself: the cut is at its start
        return element, "text", 0
    return parent, "text", len(parent.text or "")


def cut(html: str, anchor: str, offset: int) -> tuple[str, str] | None:
    """`html` (a fragment of print HTML) in two at the place (`anchor` "": counted from the
    fragment's start); None if it is not in it."""
    root = lxml_html.fragment_fromstring(html, create_parent=_ROOT)
    place = _place(root, anchor, offset)
    if place is None:
        return None
    path = _path(root, place[0])
    head, tail = copy.deepcopy(root), copy.deepcopy(root)
    _keep_before(_follow(head, path), place[1], place[2])
    _keep_after(_follow(tail, path), place[1], place[2])
    block = _block(_follow(head, path), place[1])
    if block is not None:
        block.set("class", f"{block.get('class', '')} {RUNS_ON}".strip())
    return _inner(head), _inner(tail)


def _path(root: etree._Element, node: etree._Element) -> list[int]:
    path = []
    while node is not root:
        parent = node.getparent()
        path.append(parent.index(node))
        node = parent
    return path[::-1]


def _follow(root: etree._Element, path: list[int]) -> etree._Element:
    node = root
    for index in path:
        node = node[index]
    return node


def _block(node: etree._Element, slot: str) -> etree._Element | None:
    """The paragraph (or other block) the cut falls in."""
    node = node if slot == "text" else node.getparent()
    while node is not None and node.tag not in ("p", "li", "dd", "blockquote", _ROOT):
        node = node.getparent()
    return node if node is not None and node.tag != _ROOT else None


def _keep_before(node: etree._Element, slot: str, index: int) -> None:
    """Everything after the place taken out of the tree."""
    if slot == "text":
        node.text = (node.text or "")[:index]
        for child in list(node):
            node.remove(child)
    else:
        node.tail = (node.tail or "")[:index]
    while node.getparent() is not None:
        parent = node.getparent()
        for later in list(node.itersiblings()):
            parent.remove(later)
        node = parent


def _keep_after(node: etree._Element, slot: str, index: int) -> None:
    """Everything before the place taken out of the tree; what the cut goes through keeps no
    id (the first half has it) and no paragraph number, and goes on without an indent."""
    if slot == "text":
        node.text = (node.text or "")[index:]
        through = node
    else:
        rest = (node.tail or "")[index:]
        parent = node.getparent()
        for earlier in [*node.itersiblings(preceding=True), node]:
            parent.remove(earlier)
        parent.text = rest
        through = parent
    while through.getparent() is not None:
        if "id" in through.attrib:
            del through.attrib["id"]
        if through.tag in ("p", "li", "dd", "blockquote"):
            through.set("class", f"{through.get('class', '')} {GOES_ON}".strip())
        parent = through.getparent()
        for earlier in list(through.itersiblings(preceding=True)):
            parent.remove(earlier)
        parent.text = None
        through = parent


def _inner(root: etree._Element) -> str:
    text = root.text or ""
    return text + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )


def cut_pieces(html: str, places: list[tuple[str, int]]) -> list[str]:
    """`html` cut at each of `places` in turn (in the order of the text): the pieces. The
    last place is cut first, so that every earlier place is still found where it was (its
    element, with its id, whole in the part before)."""
    pieces: list[str] = []
    rest = html
    for anchor, offset in reversed(places):
        halves = cut(rest, anchor, offset)
        if halves is None:
            continue
        rest = halves[0]
        pieces.append(halves[1])
    return [rest, *reversed(pieces)]
