"""Planned chapters → the text of their Markdown files and of the text as published.

Each paragraph is one line of Markdown, escaped so that it reads back as exactly its words
(checked with the book's own parser; a paragraph whose emphasis or links do not read back
is written without them). The source text holds a block per paragraph, `# ` before the
text's own headings.
"""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import groupby
from pathlib import Path

from markdown_it import MarkdownIt

from studyguide.authoring.blocks import Block, ChapterPlan, Span, collapse
from studyguide.errors import BuildError, SourceRef
from studyguide.sources.chapters import SPLIT
from studyguide.sources.checks import HEADING
from studyguide.sources.markdown import NOTE_CALL, SIGNATURE, make_parser
from studyguide.sources.nodes import plain_text

_SPECIAL = re.compile(r"([\\`*_\[\]<^~])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What makes a line something other than a paragraph: a heading, quote, list, rule, fence,
# container (:::), table of setext underline, or the split marker (+++).
_LINE_START = re.compile(r"^([#>+=:~|-])")
_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")
_MARKS = {"strong": "**", "em": "*", "sup": "^", "sub": "~"}  # outermost first

FRONT_MATTER_HELP = """\
# The text's own words, as published: `studyguide check` compares them with {source}.
# Annotate around them: a note [^id] after a word, and `[^id]: the note` below it;
# questions in a `::: questions` block holding a numbered list; split a paragraph for
# discussion with a line {split} between its two parts. docs/authoring.md shows each.
"""


def escape(text: str) -> str:
    """Text as Markdown that reads back as the same text."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


def _line_start(line: str) -> str:
    line = _LINE_START.sub(r"\\\1", line)
    return _LIST_NUMBER.sub(r"\1\\\2", line)


def _styled(spans: list[Span]) -> str:
    """Spans as Markdown, each style opened and closed once over the spans that share it
    ("**Art. 1^er^. –**", not "**Art. 1****^er^****. –**"); spaces outside the marks."""
    out: list[str] = []
    open_: list[str] = []
    pending = ""  # a space at the end of the last span: inside the styles that go on
    for span in spans:
        core = escape(collapse(span.text))
        if not core:
            pending = pending or (" " if span.text else "")
            continue
        wanted = [style for style in _MARKS if style in span.styles]
        if {"sup", "sub"} & span.styles:
            core = core.replace(" ", "\\ ")  # (a superscript holds no bare space)
        kept = 0
        while kept < min(len(open_), len(wanted)) and open_[kept] == wanted[kept]:
            kept += 1
        out.append("".join(_MARKS[style] for style in reversed(open_[kept:])))
        out.append(pending or (" " if span.text[:1].isspace() else ""))
        out.append("".join(_MARKS[style] for style in wanted[kept:]) + core)
        open_ = wanted
        pending = " " if span.text[-1:].isspace() else ""
    return "".join([*out, *(_MARKS[style] for style in reversed(open_)), pending])


def _with_markup(spans: tuple[Span, ...]) -> str:
    parts = []
    for href, group in groupby(spans, key=lambda s: s.href):
        inner = _styled(list(group))
        if href and inner.strip():
            lead = " " if inner[:1] == " " else ""
            trail = " " if inner[-1:] == " " else ""
            parts.append(f"{lead}[{inner.strip()}](<{href}>){trail}")
        else:
            parts.append(inner)
    return collapse("".join(parts))


@cache
def _parser() -> MarkdownIt:
    return make_parser()


def _reads_back(markdown: str, text: str, tag: str) -> bool:
    """Whether `markdown` is one block of `tag` (p, h2) whose words are `text`'s."""
    tokens = _parser().parse(markdown, {})
    return (
        len(tokens) == 3
        and tokens[0].tag == tag
        and tokens[0].type.endswith("_open")
        and plain_text(tokens[1]).split() == text.split()
    )


def block_markdown(block: Block, path: Path, heading: bool = False) -> str:
    """A paragraph (or a `##` heading) as one line of Markdown."""
    call = NOTE_CALL.search(block.text)
    if call:
        raise BuildError(
            SourceRef(path, block.line),
            f"the text holds '{call[0]}', which a chapter would read as the call of a note",
            "a chapter cannot hold these characters as text: change them in the file (to "
            f"'[{call[1]}]', say), or leave that part out with --start and --end",
            "import.note-call",
        )
    tag = "h2" if heading else "p"
    prefix = "## " if heading else ""
    for markdown in (_with_markup(block.spans), escape(block.text)):
        if heading:
            markdown = markdown.replace("#", "\\#")
        line = prefix + (markdown if heading else _line_start(markdown))
        if _reads_back(line, block.text, tag):
            return line
    raise BuildError(
        SourceRef(path, block.line),
        "this paragraph cannot be written as Markdown that reads back as the same words",
        "this is a mistake in studyguide: please report it with the paragraph",
        "import.markdown",
    )


def chapter_text(plan: ChapterPlan, text_id: str, source: str, path: Path) -> str:
    """A chapter file: front matter, then its blocks, the signature in its own block.
    (`path` is the imported file, which a mistake names.)"""
    front = [
        "---",
        f"title: {json.dumps(plan.title, ensure_ascii=False)}",
        "kind: article",
        f"text: {json.dumps(text_id)}",
        FRONT_MATTER_HELP.format(source=source, split=SPLIT).rstrip("\n"),
        "---",
    ]
    body: list[str] = []
    signature: list[str] = []
    for role, block in plan.blocks:
        line = block_markdown(block, path, heading=role == "heading")
        (signature if role == "signature" else body).append(line)
    if signature:
        body.append(f"::: {SIGNATURE}\n" + "\n\n".join(signature) + "\n:::")
    return "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n"


def source_text(plans: list[ChapterPlan]) -> str:
    """The text as published: a block per paragraph, the text's own headings marked `# `."""
    blocks: list[str] = []
    for plan in plans:
        if plan.title_is_heading:
            blocks.append(HEADING + plan.title)
        for role, block in plan.blocks:
            blocks.append((HEADING if role == "heading" else "") + block.text)
    return "\n\n".join(blocks) + "\n"
