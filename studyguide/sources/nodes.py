"""markdown-it's tokens → the model's frozen nodes, with the article's paragraphs numbered."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from markdown_it.token import Token

from studyguide.model import Node, Nodes

# `#p-12`: paragraph 12 of the chapter's own text; `#p-gettysburg-12`: of the text so named.
PARAGRAPH_LINK = re.compile(r"#p-(?:(?P<text>[a-z0-9]+(?:-[a-z0-9]+)*)-)?(?P<number>\d+)")
# `#fig-map`: the figure whose id is `map` (`{#map}` after its image), or `#fig-2-1`.
FIGURE_LINK = re.compile(r"#fig-(?P<key>[a-z0-9]+(?:-[a-z0-9]+)*)")


def freeze(token: Token, meta: dict[str, Any] | None = None) -> Node:
    """A token and its children as read-only nodes; `meta` is added to the token's own."""
    extra = dict(token.meta or {})
    if meta:
        extra.update(meta)
    if token.type == "link_open":
        found = PARAGRAPH_LINK.fullmatch(str(token.attrGet("href") or ""))
        if found:  # a link to ¶ N: each edition says where it is
            extra["paragraph"] = int(found["number"])
            extra["paragraph_text"] = found["text"] or ""
        figure = FIGURE_LINK.fullmatch(str(token.attrGet("href") or ""))
        if figure:  # a link to a figure: "Figure 1" where it has no words of its own
            extra["figure"] = figure["key"]
    return Node(
        type=token.type,
        tag=token.tag,
        nesting=token.nesting,
        attrs=MappingProxyType(dict(token.attrs)),
        map=(token.map[0], token.map[1]) if token.map else None,
        level=token.level,
        children=None if token.children is None else tuple(map(freeze, token.children)),
        content=token.content,
        markup=token.markup,
        info=token.info,
        meta=MappingProxyType(extra),
        block=token.block,
        hidden=token.hidden,
    )


def freeze_all(tokens: Sequence[Token]) -> Nodes:
    return tuple(map(freeze, tokens))


# A paragraph that says a part of the text is left out here: "[…]" on a line of its own.
OMISSION = ("[…]", "[...]")


def is_omission(tokens: Sequence[Any], index: int) -> bool:
    """A top-level paragraph that holds nothing but the omission mark."""
    return (
        tokens[index].type == "paragraph_open"
        and tokens[index].level == 0
        and index + 1 < len(tokens)
        and tokens[index + 1].content.strip() in OMISSION
    )


def freeze_numbered(tokens: Sequence[Token], first: int) -> tuple[Nodes, tuple[int, ...]]:
    """The body of an article chapter, its own paragraphs numbered from `first` (top level
    only: not notes, questions or the signature), and the numbers given."""
    numbers: list[int] = []
    nodes: list[Node] = []
    for index, token in enumerate(tokens):
        if is_omission(tokens, index):
            nodes.append(freeze(token, {"omission": True}))  # a mark, not the text's: no number
        elif token.type == "paragraph_open" and token.level == 0:
            number = first + len(numbers)
            numbers.append(number)
            nodes.append(freeze(token, {"pnum": number}))
        else:
            nodes.append(freeze(token))
    return tuple(nodes), tuple(numbers)


def walk_inline(nodes: Sequence[Node | Token]) -> list[tuple[Any, int, Any]]:
    """Each inline child with its 1-based line and its parent inline block."""
    found: list[tuple[Any, int, Any]] = []
    for block in nodes:
        if block.type != "inline":
            continue
        line = block.map[0] + 1 if block.map else 0
        for child in block.children or ():
            found.append((child, line, block))
            if child.type in ("softbreak", "hardbreak"):
                line += 1
    return found


def plain_text(inline: Node | Token) -> str:
    """What a reader sees of an inline token: its text without markup or note calls."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
