"""Each note on its call's page, where WeasyPrint (70) puts it on the next one.

With `footnote-policy: line` a line whose note does not fit should go to the next page with
its note; when the paragraph's `orphans` or `widows` hold a line on the page, WeasyPrint
keeps it there by floating an earlier note to the next page (Kozea/WeasyPrint#1564). The
block that holds such a call is then laid out again from the top of the next page, with its
note; if the call is still parted from its note (it stands further down a long paragraph),
the block may instead leave a single line at a page's foot or head (`orphans`, `widows`).
"""

from __future__ import annotations

from typing import Any

from studyguide.layout.pages import anchor_pages

NOTE, CALL = "note-", "noteref-"  # ids of a print note and of its call's anchor (_markup.html.j2)
MAX_ROUNDS = 4


def stray_calls(document: Any) -> list[str]:
    """The ids of the calls whose note is laid out on another page."""
    pages = anchor_pages(document)
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


def with_rules(html: str, pushed: set[str], loosened: set[str]) -> str:
    """The print HTML with each block of `pushed` starting a page, and those of `loosened`
    allowed to leave one line at a page's foot or head."""
    rules = "".join(f"#{block} {{ break-before: page; }}\n" for block in sorted(pushed))
    rules += "".join(f"#{block} {{ orphans: 1; widows: 1; }}\n" for block in sorted(loosened))
    end = html.rindex("</style>")
    return html[:end] + rules + html[end:]


def keep_notes_with_calls(html: str, lay_out: Any) -> Any:
    """`lay_out(html)`, again with the blocks of stray calls pushed (then loosened), until
    every note is on its call's page (or after `MAX_ROUNDS`, as it is)."""
    document = lay_out(html)
    pushed: set[str] = set()
    loosened: set[str] = set()
    for _ in range(MAX_ROUNDS):
        calls = stray_calls(document)
        if not calls:
            break
        for block in blocks_holding(html, calls):
            if block in pushed:
                pushed.discard(block)
                loosened.add(block)
            else:
                pushed.add(block)
        document = lay_out(with_rules(html, pushed, loosened))
    return document
