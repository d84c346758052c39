"""The markdown-it-py parser with the book's plugins, and the render rules for both editions."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from studyguide.model import Edition

QUESTIONS = "questions"
SIGNATURE = "signature"
TERM_SCHEME = "term:"
# A glossary name matches only as a whole word: not inside "MASS" or "co-operativists".
_WORD_EDGE = r"[\w’'\-]"


@dataclass
class TermMatcher:
    """Finds glossary terms and aliases in running text."""

    slug_of: dict[str, str]  # name → slug
    pattern: re.Pattern[str] | None

    @classmethod
    def build(cls, names: dict[str, str]) -> TermMatcher:
        if not names:
            return cls({}, None)
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = re.compile(rf"(?<!{_WORD_EDGE})(?:{alternatives})(?!{_WORD_EDGE}|\w)")
        return cls(dict(names), pattern)


@dataclass
class ParseState:
    """What the core rules need while one chapter is parsed, and what they record."""

    chapter_number: int
    matcher: TermMatcher
    linked: set[str] = field(default_factory=set)
    # (slug, link id, 1-based line) for each link made; (slug, line) for unknown explicit links
    links: list[tuple[str, str, int]] = field(default_factory=list)
    unknown_links: list[tuple[str, int]] = field(default_factory=list)


def _glossary_links_rule(state: Any) -> None:
    """Link the first use of each glossary term in a chapter; mark explicit `term:` links."""
    parse: ParseState | None = state.env.get("studyguide")
    if parse is None:
        return
    tokens: list[Token] = state.tokens
    for position, block in enumerate(tokens):
        if block.type != "inline" or not block.children:
            continue
        in_heading = position > 0 and tokens[position - 1].type == "heading_open"
        children: list[Token] = []
        link_depth = 0
        lines_before = 0
        for child in block.children:
            line = (block.map[0] + 1 if block.map else 0) + lines_before
            if child.type in ("softbreak", "hardbreak"):
                lines_before += 1
            if child.type == "link_open":
                link_depth += 1
                href = str(child.attrGet("href") or "")
                if href.startswith(TERM_SCHEME):
                    slug = href[len(TERM_SCHEME) :]
                    if slug in parse.matcher.slug_of.values():
                        link_id = f"tl-{parse.chapter_number}-{len(parse.links) + 1}"
                        child.meta["term"] = slug
                        child.meta["link_id"] = link_id
                        parse.links.append((slug, link_id, line))
                        parse.linked.add(slug)
                    else:
                        child.meta["term"] = slug
                        parse.unknown_links.append((slug, line))
            elif child.type == "link_close":
                link_depth -= 1
            if child.type != "text" or in_heading or link_depth or parse.matcher.pattern is None:
                children.append(child)
                continue
            children.extend(_split_text(child, parse, line))
        block.children = children


def _split_text(text: Token, parse: ParseState, line: int) -> list[Token]:
    assert parse.matcher.pattern is not None
    out: list[Token] = []
    content = text.content
    cursor = 0
    for match in parse.matcher.pattern.finditer(content):
        slug = parse.matcher.slug_of[match[0]]
        if slug in parse.linked:
            continue
        parse.linked.add(slug)
        link_id = f"tl-{parse.chapter_number}-{len(parse.links) + 1}"
        parse.links.append((slug, link_id, line))
        if match.start() > cursor:
            out.append(_text(content[cursor : match.start()]))
        opener = Token("link_open", "a", 1)
        opener.attrs = {"href": TERM_SCHEME + slug}
        opener.meta = {"term": slug, "link_id": link_id, "auto": True}
        out.extend([opener, _text(match[0]), Token("link_close", "a", -1)])
        cursor = match.end()
    if not out:
        return [text]
    if cursor < len(content):
        out.append(_text(content[cursor:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def number_paragraphs(body: Sequence[Token], first: int) -> int:
    """Number the article's own paragraphs (top level only: not notes, questions or signature).

    Returns the number the next chapter's first paragraph gets.
    """
    number = first
    for token in body:
        if token.type == "paragraph_open" and token.level == 0:
            token.meta["pnum"] = number
            number += 1
    return number


def make_front_matter_parser() -> MarkdownIt:
    """Reads only the front matter: enough to collect glossary names before the real parse."""
    return MarkdownIt("zero").use(front_matter_plugin)


def make_parser() -> MarkdownIt:
    """CommonMark (which emits XHTML) with front matter, footnotes and the book's blocks.

    Raw HTML is switched off, so `<b>` in a chapter is shown as text and the XHTML stays
    well-formed. The footnote plugin's tail rule is off: notes are collected by the parser
    (studyguide.parse) so that each keeps its source line.
    """
    md = (
        MarkdownIt("commonmark", {"html": False, "typographer": False})
        .use(front_matter_plugin)
        .use(footnote_plugin)
        .use(container_plugin, QUESTIONS)
        .use(container_plugin, SIGNATURE)
    )
    md.disable("footnote_tail")
    md.core.ruler.push("studyguide_glossary", _glossary_links_rule)
    return md


# ---------------------------------------------------------------- rendering


@dataclass
class RenderContext:
    """What the render rules need to know about the edition and the book's link targets."""

    edition: Edition
    term_href: Callable[[str], str]  # glossary slug → href
    paragraph_href: Callable[[int], str]  # paragraph number → href
    notes: dict[str, Any] = field(default_factory=dict)  # label → Note
    note_html: dict[str, str] = field(default_factory=dict)  # label → inline note (print)
    block_ids: bool = False
    id_prefix: str = ""
    paragraphs_inline: bool = False  # render <p> as <span class="np"> (print notes)
    lead_html: str = ""  # inserted at the start of the first paragraph (note back links)
    _block_count: int = 0


def _attrs(pairs: dict[str, str]) -> str:
    from html import escape

    return "".join(f' {k}="{escape(v, quote=True)}"' for k, v in pairs.items() if v != "")


class BookRenderer(RendererHTML):
    """markdown-it's XHTML renderer with the book's notes, term links and paragraph numbers."""

    def _ctx(self, env: Any) -> RenderContext:
        return env["render"]

    def footnote_ref(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        ctx = self._ctx(env)
        label = tokens[idx].meta["label"]
        note = ctx.notes[label]
        if ctx.edition is Edition.PRINT:
            # WeasyPrint floats the note itself to the foot of the page (float: footnote).
            # The empty anchor stays at the call: the PDF keeps a destination there.
            return (
                f'<a class="noteref-anchor" id="{note.ref_id}"></a>'
                f'<span class="footnote" id="{note.id}">{ctx.note_html[label]}</span>'
            )
        return (
            f'<a class="noteref" epub:type="noteref" role="doc-noteref" id="{note.ref_id}"'
            f' href="#{note.id}">{note.number}</a>'
        )

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any) -> str:
        ctx = self._ctx(env)
        token = tokens[idx]
        slug = token.meta.get("term")
        if slug:
            return (
                "<a"
                + _attrs(
                    {
                        "class": "term",
                        "id": token.meta.get("link_id", ""),
                        "href": ctx.term_href(slug),
                        "epub:type": "glossref",
                        "role": "doc-glossref",
                    }
                )
                + ">"
            )
        href = str(token.attrGet("href") or "")
        found = re.fullmatch(r"#p-(\d+)", href)
        if found:
            token.attrSet("href", ctx.paragraph_href(int(found[1])))
        return self.renderToken(tokens, idx, options, env)

    def paragraph_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        ctx = self._ctx(env)
        token = tokens[idx]
        lead = ""
        if ctx.lead_html:
            lead, ctx.lead_html = ctx.lead_html, ""
        if token.hidden:  # a tight list's item: no paragraph around its text
            return lead
        if ctx.paragraphs_inline:
            return '<span class="np">' + lead
        pnum = token.meta.get("pnum")
        if pnum:
            return (
                f'<p class="para" id="p-{pnum}"><span class="pnum" aria-hidden="true">'
                f"{pnum}</span> " + lead
            )
        return self._block_open(token, "p", ctx) + lead

    def paragraph_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        if tokens[idx].hidden:
            return ""
        if self._ctx(env).paragraphs_inline:
            return "</span>"
        return "</p>\n"

    def _block_open(self, token: Token, tag: str, ctx: RenderContext) -> str:
        if ctx.block_ids:
            ctx._block_count += 1
            return f'<{tag} id="{ctx.id_prefix}b{ctx._block_count}">'
        return f"<{tag}>"

    def heading_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], tokens[idx].tag, self._ctx(env))

    def bullet_list_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], "ul", self._ctx(env)) + "\n"

    def list_item_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], "li", self._ctx(env))

    def blockquote_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], "blockquote", self._ctx(env)) + "\n"

    def ordered_list_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        token = tokens[idx]
        opening = self._block_open(token, "ol", self._ctx(env))
        start = token.attrGet("start")
        if start is not None and str(start) != "1":
            opening = opening[:-1] + f' start="{start}">'
        return opening + "\n"

    def container_signature_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return '<div class="signature">\n'

    def container_signature_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return "</div>\n"


def render(md: MarkdownIt, tokens: Sequence[Token], ctx: RenderContext) -> str:
    """Render block tokens to an XHTML fragment for one edition."""
    renderer = BookRenderer(md)
    return renderer.render(tokens, md.options, {"render": ctx})
