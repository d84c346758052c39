"""The markdown-it-py parser with the book's plugins: notes, questions, signature, bibliography,
term links and citations."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

from studyguide.labels.grammar import TermForms
from studyguide.labels.tables import package_table
from studyguide.sources.figures import ATTRIBUTES, figures_rule

QUESTIONS = "questions"
SIGNATURE = "signature"
BIBLIOGRAPHY = "bibliography"  # a list of works: no glossary links are made inside it
TERM_SCHEME = "term:"
# A glossary name matches only as a whole word: not inside "MASS" or "co-operativists"; its
# forms in the book's language match too ("bondsman’s", "co-operatives", "taxes"), and after
# an elided article or preposition ("l’Assemblée", "dell’Assemblea").
_WORD_EDGE = r"[\w’'\-]"
# [@key] or [@key; @other]: a citation of references.toml's entries.
CITATION = re.compile(r"\[@([a-z0-9]+(?:-[a-z0-9]+)*)((?:\s*;\s*@[a-z0-9]+(?:-[a-z0-9]+)*)*)\]")
# A call of a note, [^id], however it is escaped (the importer refuses one in a text).
NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\]")
# [¶ 12], [¶ 12–14] (or 12-14), [¶ B12] in a book of several texts: a paragraph of a text.
PARAGRAPH_REFERENCE = re.compile(
    r"\[¶[\s\u00a0]*(?P<mark>[A-Za-z]{1,3})?(?P<first>[0-9]{1,5})"
    r"(?:[\s\u00a0]*[–-][\s\u00a0]*(?P=mark)?(?P<last>[0-9]{1,5}))?[\s\u00a0]*\]"
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class TermMatcher:
    """Finds glossary terms and aliases in running text, in any of their forms, compared in
    Unicode's composed form (NFC) on both sides."""

    slug_of: dict[str, str]  # name or form (NFC) → slug
    pattern: re.Pattern[str] | None
    slugs: frozenset[str] = frozenset()  # every entry's slug: explicit `term:slug` links

    @classmethod
    def build(
        cls, names: dict[str, str], slugs: Iterable[str] = (), forms: TermForms | None = None
    ) -> TermMatcher:
        """`forms`: the language's (English's, if not given)."""
        forms = forms or package_table("en").forms or TermForms()
        if not names:
            return cls({}, None, frozenset(slugs))
        slug_of: dict[str, str] = {}
        for name, slug in names.items():
            for form in forms.forms(nfc(name))[1:]:
                slug_of.setdefault(form, slug)
        slug_of.update({nfc(name): slug for name, slug in names.items()})  # names first
        alternatives = "|".join(re.escape(n) for n in sorted(slug_of, key=len, reverse=True))
        before = rf"(?<!{_WORD_EDGE})"
        if forms.elisions:
            elided = "|".join(re.escape(e) for e in sorted(forms.elisions, key=len, reverse=True))
            before = rf"(?:{before}(?i:{elided})[’']|{before})"
        pattern = re.compile(rf"{before}(?P<name>{alternatives})(?!{_WORD_EDGE})")
        return cls(slug_of, pattern, frozenset(slugs))

    def find(self, text: str) -> Iterable[tuple[int, int, str]]:
        """(start, end, slug) of each name found in `text`: where in `text` itself, though it
        is compared in NFC."""
        assert self.pattern is not None
        composed, offsets = _composed(text)
        for match in self.pattern.finditer(composed):
            start, end = offsets[match.start("name")], offsets[match.end("name")]
            yield start, end, self.slug_of[match["name"]]


def _composed(text: str) -> tuple[str, list[int]]:
    """`text` in NFC, and for each of its positions (and its end) the position in `text`: a
    character and the combining marks after it are composed together."""
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text) + 1))
    out: list[str] = []
    offsets: list[int] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index < len(text) and unicodedata.combining(text[index]):
            continue
        piece = unicodedata.normalize("NFC", text[start:index])
        out.append(piece)
        offsets += [start] * len(piece)
        start = index
    offsets.append(len(text))
    return "".join(out), offsets


@dataclass
class ParseState:
    """What the core rules need while one chapter is parsed, and what they record."""

    chapter_number: int
    matcher: TermMatcher
    linked: set[str] = field(default_factory=set)
    # (slug, link id, 1-based line, the words linked where found) for each link made;
    # (slug, line) for unknown explicit links
    links: list[tuple[str, str, int, str]] = field(default_factory=list)
    unknown_links: list[tuple[str, int]] = field(default_factory=list)
    # (key, 1-based line) for each key cited; a malformed citation is given whole, "[@…]"
    citations: list[tuple[str, int]] = field(default_factory=list)
    # (label, 1-based line) of each [^label] left as text: a note call with no definition
    undefined_notes: list[tuple[str, int]] = field(default_factory=list)
    # what a figure's key begins with where it has no id of its own: a glossary entry's
    # slug ("" in a chapter: its number)
    figure_prefix: str = ""


def has_scheme(href: str, scheme: str) -> bool:
    """Whether `href` begins with `scheme` ("term:"): schemes are case-insensitive."""
    return href[: len(scheme)].lower() == scheme


def _undefined_notes_rule(state: Any) -> None:
    """Record each `[^label]` the footnote plugin left as text: a call of a note that is
    not defined. Run before text_join, while an escaped character (`\\[^a]`, `&#91;^a]`)
    is still a token of its own: escaped, the same characters are text, not a call."""
    parse: ParseState | None = state.env.get("studyguide")
    if parse is None:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] + 1 if block.map else 0
        run: list[str] = []
        for child in [*block.children, None]:
            if child is not None and child.type in ("text", "text_special"):
                run.append(child.content if child.type == "text" else "\0")
                continue
            for found in NOTE_CALL.finditer("".join(run)):
                parse.undefined_notes.append((found[1], line))
            run = []
            if child is not None and child.type in ("softbreak", "hardbreak"):
                line += 1


def _glossary_links_rule(state: Any) -> None:
    """Link the first use of each glossary term in a chapter; mark explicit `term:` links."""
    parse: ParseState | None = state.env.get("studyguide")
    if parse is None:
        return
    tokens: list[Token] = state.tokens
    in_bibliography = 0
    for position, block in enumerate(tokens):
        if block.type == f"container_{BIBLIOGRAPHY}_open":
            in_bibliography += 1
        elif block.type == f"container_{BIBLIOGRAPHY}_close":
            in_bibliography -= 1
        if block.type != "inline" or not block.children:
            continue
        in_heading = position > 0 and tokens[position - 1].type == "heading_open"
        in_heading = in_heading or in_bibliography > 0
        children: list[Token] = []
        link_depth = 0
        lines_before = 0
        for child in block.children:
            line = (block.map[0] + 1 if block.map else 0) + lines_before
            if child.type in ("softbreak", "hardbreak"):
                lines_before += 1
            if child.type == "citation":
                keys = child.meta["keys"] or (child.content,)  # (not a key: reported)
                parse.citations.extend((key, line) for key in keys)
            if child.type == "link_open":
                link_depth += 1
                href = str(child.attrGet("href") or "")
                if has_scheme(href, TERM_SCHEME):
                    slug = href[len(TERM_SCHEME) :]
                    if slug in parse.matcher.slugs:
                        link_id = f"tl-{parse.chapter_number}-{len(parse.links) + 1}"
                        child.meta["term"] = slug
                        child.meta["link_id"] = link_id
                        parse.links.append((slug, link_id, line, ""))
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
    out: list[Token] = []
    content = text.content
    cursor = 0
    for start, end, slug in parse.matcher.find(content):
        if slug in parse.linked:
            continue
        parse.linked.add(slug)
        link_id = f"tl-{parse.chapter_number}-{len(parse.links) + 1}"
        parse.links.append((slug, link_id, line, content[start:end]))
        if start > cursor:
            out.append(_text(content[cursor:start]))
        opener = Token("link_open", "a", 1)
        opener.attrs = {"href": TERM_SCHEME + slug}
        opener.meta = {"term": slug, "link_id": link_id, "auto": True}
        # A name of several words is not broken across lines or pages ("Cerro Posokoni").
        name = content[start:end].replace(" ", "\u00a0")
        out.extend([opener, _text(name), Token("link_close", "a", -1)])
        cursor = end
    if not out:
        return [text]
    if cursor < len(content):
        out.append(_text(content[cursor:]))
    return out


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _citation_rule(state: Any, silent: bool) -> bool:
    """`[@key]` and `[@key; @other]`: a citation token holding the keys."""
    if not state.src.startswith("[@", state.pos):
        return False
    found = CITATION.match(state.src, state.pos)
    if found is None:
        # Something like a citation that is not one: kept, to be reported (an escaped
        # \[@ never gets here: the escape rule takes it first).
        found = re.compile(r"\[@[^\]\n]{1,80}\]").match(state.src, state.pos)
        if found is None:
            return False
        keys: tuple[str, ...] = ()
    else:
        keys = (found[1], *re.findall(r"@([a-z0-9-]+)", found[2]))
    if state.src.startswith(("(", "["), found.end()):
        return False  # [@…](…) is a link, [@…][…] a reference link: not a citation
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"keys": keys}
        token.content = found[0]
    state.pos = found.end()
    return True


def _paragraph_reference_rule(state: Any, silent: bool) -> bool:
    """`[¶ 12]`, `[¶ 12–14]`, `[¶ B12]`: a paragraph_ref token; what it points to is checked
    with the whole book (sources/book.py)."""
    if not state.src.startswith("[¶", state.pos):
        return False
    found = PARAGRAPH_REFERENCE.match(state.src, state.pos)
    if found is None or state.src.startswith(("(", "["), found.end()):
        return False  # [¶ 2](#p-2) is a link
    if not silent:
        token = state.push("paragraph_ref", "", 0)
        first = int(found["first"])
        token.meta = {
            "mark": found["mark"] or "",
            "first": first,
            "last": int(found["last"] or first),
        }
        token.content = found[0]
    state.pos = found.end()
    return True


def make_front_matter_parser() -> MarkdownIt:
    """Reads only the front matter: enough to collect glossary names before the real parse."""
    return MarkdownIt("zero").use(front_matter_plugin)


def make_parser() -> MarkdownIt:
    """CommonMark (which emits XHTML) with front matter, footnotes, the book's blocks, and
    superscript and subscript (`1^er^`, `H~2~O`: as a page's <sup> and <sub> are imported),
    and figures (an image alone in a paragraph: sources/figures.py).

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
        .use(container_plugin, BIBLIOGRAPHY)
        .use(superscript_plugin)
        .use(sub_plugin)
        # `{#id .decorative credit="…"}` after an image only: a figure's (figures.py)
        .use(attrs_plugin, after=("image",), allowed=ATTRIBUTES)
    )
    md.disable("footnote_tail")
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.inline.ruler.before("link", "paragraph_ref", _paragraph_reference_rule)
    md.core.ruler.before("text_join", "studyguide_note_calls", _undefined_notes_rule)
    md.core.ruler.push("studyguide_glossary", _glossary_links_rule)
    md.core.ruler.push("studyguide_figures", figures_rule)
    return md
