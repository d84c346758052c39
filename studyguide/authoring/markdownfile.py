"""A Markdown file (.md) → blocks: its headings and paragraphs (also in lists and quotes),
with emphasis and web links kept; images, rules and raw HTML's markup are left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from studyguide.authoring.blocks import Block, Span, collapse, has_words
from studyguide.authoring.plaintext import read_file
from studyguide.authoring.webpage import WEB_LINK

_STYLE_TOKENS = {"em_open": "em", "strong_open": "strong"}


def read_markdown(path: Path, encoding: str | None = None) -> tuple[list[Block], str]:
    """The file's blocks, and the title its front matter gives ("" if none)."""
    md = MarkdownIt("commonmark", {"html": False}).use(front_matter_plugin)
    tokens = md.parse(read_file(path, encoding))  # (the file to import)
    title = ""
    if tokens and tokens[0].type == "front_matter":
        title = _front_matter_title(tokens[0].content)
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        line = token.map[0] + 1 if token.map else 0
        if token.type == "inline":
            opener = tokens[index - 1]
            heading = opener.type == "heading_open"
            kind, level = ("heading", int(opener.tag[1])) if heading else ("paragraph", 0)
            spans = _spans(token)
        elif token.type in ("fence", "code_block"):
            kind, level, spans = "paragraph", 0, [Span(token.content)]
        else:
            continue
        if has_words("".join(span.text for span in spans)):
            blocks.append(Block(tuple(spans), line, kind, level))
    return blocks, title


def _front_matter_title(content: str) -> str:
    try:
        values: Any = yaml.safe_load(content)
    except yaml.YAMLError:
        return ""
    title = values.get("title") if isinstance(values, dict) else None
    return collapse(title) if isinstance(title, str) else ""


def _spans(inline: Token) -> list[Span]:
    spans: list[Span] = []
    styles: list[str] = []
    links: list[str] = []
    for child in inline.children or []:
        if child.type in _STYLE_TOKENS:
            styles.append(_STYLE_TOKENS[child.type])
        elif child.type in ("em_close", "strong_close") and styles:
            styles.pop()
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            links.append(href if WEB_LINK.fullmatch(href) else "")
        elif child.type == "link_close" and links:
            links.pop()
        elif child.type in ("text", "code_inline", "html_inline"):
            spans.append(Span(child.content, frozenset(styles), links[-1] if links else ""))
        elif child.type in ("softbreak", "hardbreak"):
            spans.append(Span(" "))
    return spans
