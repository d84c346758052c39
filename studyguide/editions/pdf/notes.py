"""Each note on its call's page, where WeasyPrint (70) puts it on the next one.

With `footnote-policy: line` a line whose note does not fit should go to the next page with
its note; when the paragraph's `orphans` hold that line on the page, WeasyPrint leaves it
there and floats the note to the next page (Kozea/WeasyPrint#1564). The block that holds such
a call is then laid out again from the top of the next page, with its note.
"""

from __future__ import annotations

from typing import Any

NOTE, CALL = "note-", "noteref-"  # ids of a print note and of its call's anchor (_markup.html.j2)
MAX_ROUNDS = 4


def stray_calls(document: Any) -> list[str]:
    """The ids of the calls whose note is laid out on another page."""
    pages: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            pages.setdefault(name, index)
    return [
        name
        for name, page in pages.items()
        if name.startswith(CALL) and pages.get(NOTE + name.removeprefix(CALL), page) != page
    ]


def blocks_holding(html: str, calls: list[str]) -> list[str]:
    """The id of the nearest element with one around each call: its paragraph, or block."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    found = []
    for call in calls:
        for ancestor in tree.get_element_by_id(call).iterancestors():
            if ancestor.get("id"):
                found.append(ancestor.get("id"))
                break
    return found


def pushed_to_next_page(html: str, block_ids: list[str]) -> str:
    """The print HTML with each block starting a page."""
    rules = "".join(f"#{block} {{ break-before: page; }}\n" for block in block_ids)
    end = html.rindex("</style>")
    return html[:end] + rules + html[end:]


def keep_notes_with_calls(html: str, lay_out: Any) -> Any:
    """`lay_out(html)`, again with the blocks of stray calls pushed, until every note is on
    its call's page (or after `MAX_ROUNDS`, as it is)."""
    document = lay_out(html)
    for _ in range(MAX_ROUNDS):
        calls = stray_calls(document)
        if not calls:
            break
        html = pushed_to_next_page(html, blocks_holding(html, calls))
        document = lay_out(html)
    return document
