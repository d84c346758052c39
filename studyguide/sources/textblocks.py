"""A text chapter's words, block by block, for the word-for-word check: headings,
paragraphs (a paragraph split for discussion marked so), the signature."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from markdown_it.token import Token

from studyguide.errors import BuildError, SourceRef
from studyguide.model import TextBlock
from studyguide.sources.markdown import SIGNATURE
from studyguide.sources.nodes import is_omission, plain_text

SPLIT = "+++"  # a paragraph of the text split in two for discussion: between the two parts


class _HasBody(Protocol):
    body: list[Token]
    continued: set[int]


def is_split(tokens: list[Token], index: int) -> bool:
    """A top-level paragraph that holds nothing but the split marker."""
    return (
        tokens[index].type == "paragraph_open"
        and tokens[index].level == 0
        and index + 1 < len(tokens)
        and tokens[index + 1].content.strip() == SPLIT
    )


def text_blocks(body: list[Token], path: Path, continued: set[int]) -> list[TextBlock]:
    """A text's words in a chapter body, block by block, for the fidelity check."""
    blocks: list[TextBlock] = []
    in_signature = False
    for index, token in enumerate(body):
        if token.type == f"container_{SIGNATURE}_open":
            in_signature = True
        elif token.type == f"container_{SIGNATURE}_close":
            in_signature = False
        elif token.type == "inline":
            opener = body[index - 1] if index else token
            role = "signature" if in_signature else "paragraph"
            if opener.type == "heading_open":
                role = "heading"
            elif index and is_omission(body, index - 1):
                role = "omission"
            line = token.map[0] + 1 if token.map else 0
            blocks.append(
                TextBlock(
                    plain_text(token),
                    SourceRef(path, line),
                    role,
                    _word_lines(token, line),
                    id(opener) in continued,
                )
            )
    return blocks


def _word_lines(inline: Token, first_line: int) -> tuple[tuple[int, int], ...]:
    """(words before it, line) for each line an inline block runs over."""
    lines = [(0, first_line)]
    words = 0
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            words += len(child.content.split())
        elif child.type in ("softbreak", "hardbreak"):
            lines.append((words, lines[-1][1] + 1))
    return tuple(lines)


def split_outside_text(path: Path, parts: _HasBody) -> BuildError:
    line = next((t.map[0] for t in parts.body if id(t) in parts.continued and t.map), 0)
    return BuildError(
        SourceRef(path, line),
        f"a split marker ({SPLIT}) outside a chapter of the text",
        f"{SPLIT} joins two parts of a paragraph of the text for the word-for-word check; "
        "in other chapters, just start a new paragraph",
        "fidelity.split",
    )
