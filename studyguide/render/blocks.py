"""A chapter's body as its top-level blocks, each rendered on its own (a paragraph with its
¶ number, a heading, a list, the signature) with the notes it calls: one after the other they
are the body's HTML, and the parallel edition (render/parallel.py) sets them side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from studyguide.model import Node, Note
from studyguide.render.html import Fragment, render


@dataclass(frozen=True)
class Block:
    """A top-level block of a chapter's body, rendered: a paragraph (with its ¶ number), a
    heading, a list, the signature. The body is its blocks, one after the other."""

    number: int  # the paragraph's number in its text (0: not a numbered paragraph)
    html: Markup
    notes: tuple[str, ...] = ()  # the ids of the notes it calls


def render_blocks(
    body: Sequence[Node], fragment: Fragment, notes: Mapping[str, Note]
) -> tuple[Block, ...]:
    """The body rendered block by block, as `fragment` says."""
    return tuple(
        Block(nodes[0].meta.get("pnum", 0), render(nodes, fragment), called(nodes, notes))
        for nodes in top_level_blocks(body)
    )


def top_level_blocks(nodes: Sequence[Node]) -> list[Sequence[Node]]:
    """The body's nodes cut into its top-level blocks (each from its opening to its closing
    node); rendered one after the other, they render as the whole."""
    cuts, depth, start = [], 0, 0
    for index, node in enumerate(nodes):
        depth += node.nesting
        if depth == 0:
            cuts.append(nodes[start : index + 1])
            start = index + 1
    if start < len(nodes):
        cuts.append(nodes[start:])
    return cuts


def called(nodes: Sequence[Node], notes: Mapping[str, Note]) -> tuple[str, ...]:
    """The ids of the notes that `nodes` call, in order."""
    return tuple(
        notes[child.meta["label"]].id
        for node in nodes
        for child in node.children or ()
        if child.type == "footnote_ref" and child.meta.get("label") in notes
    )
