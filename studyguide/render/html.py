"""The model's Markdown nodes → XHTML fragments: markdown-it's render rules plus the book's own.

Notes, term links and paragraph numbers come from the macros of _markup.html.j2; where a
link points (a glossary entry, a paragraph) depends on the edition, and is asked of the
`Targets` it is given. Nothing here changes a node: the model is frozen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.presets import commonmark
from markdown_it.renderer import RendererHTML
from markdown_it.utils import OptionsDict
from markupsafe import Markup

from studyguide.model import Figure, Medium, Node, Note
from studyguide.render.markup import unbroken_compounds
from studyguide.render.typeset import Typesetter

# The parser's options as far as rendering reads them: CommonMark's, which emit XHTML.
OPTIONS = OptionsDict({**commonmark.make()["options"], "html": False, "typographer": False})


@dataclass(frozen=True)
class FigureView:
    """A figure as an edition shows it: where its image is, its number's words, its size."""

    figure: Figure
    src: str  # the image as the edition names it: "figures/map.svg" on a screen
    href: str  # where a link to it goes
    label: str  # "Figure 1"
    width: int  # the image's own size, in CSS pixels
    height: int
    vector: bool


@dataclass(frozen=True)
class Targets:
    """Where an edition's links go."""

    medium: Medium
    term_href: Callable[[str], str]  # glossary slug → href
    paragraph_href: Callable[[str, int], str]  # (text id, paragraph number) → href
    paragraph_id: Callable[[str, int], str]  # (text id, paragraph number) → the element's id
    reference: Callable[[str], tuple[str, str]]  # source key → (href, label: "Klein 2011")
    macros: Any  # the book's _markup.html.j2 macros
    typesetter: Typesetter | None = None  # print: where words may break (render/typeset.py)
    abbreviations: Mapping[str, str] = field(default_factory=dict)  # screen: COB → its name
    marks: Mapping[str, str] = field(default_factory=dict)  # text id → its ¶ numbers' mark
    labels: Any = None  # the book's Labels: the words of a paragraph reference ("¶ 12")
    # Where a reference's paragraph is printed, for a document outside the book (the
    # facilitator's companion): (text id, paragraph number) → its page; then a reference
    # is "¶ 12 (p. 17)" in words, not a link.
    paragraph_page: Callable[[str, int], str] | None = None
    figures: Mapping[str, FigureView] = field(default_factory=dict)  # Figure.key → its view


@dataclass
class Fragment:
    """How one fragment is rendered; the renderer's state while it is."""

    targets: Targets
    text: str = ""  # the text whose paragraphs are numbered here, and `#p-N` links point into
    notes: Mapping[str, Note] = field(default_factory=dict)  # label → Note
    note_html: Mapping[str, str] = field(default_factory=dict)  # label → inline note (print)
    block_ids: str = ""  # a prefix: give each block an id (the page map finds its place)
    paragraphs_inline: bool = False  # render <p> as <span class="np"> (print notes)
    lead_html: str = ""  # inserted at the start of the first paragraph (note back links)
    blocks: int = 0
    in_heading: bool = False  # no hyphenation in headings
    last_text: int = 0  # id() of the paragraph's last text node: its last word is not broken
    inline_depth: int = 0
    paragraph: int = 0  # the number of the paragraph being rendered (0: not numbered)
    placed: dict[str, int] | None = None  # filled in: a term link's id → its paragraph
    typesetter: Typesetter | None = None  # print, a text in another language: its word breaks
    note_language: str = ""  # print, a text in another language: the notes' (the book's)


class BookRenderer(RendererHTML):
    """markdown-it's XHTML renderer with the book's notes, term links and paragraph numbers."""

    def _state(self, env: Any) -> Fragment:
        return env["fragment"]

    def renderInline(self, tokens: Sequence[Any], options: OptionsDict, env: Any) -> str:
        """Inline nodes; a glossary link is rendered whole, by the term_link macro. A note
        call goes after the punctuation that follows it ("Pososkoni,¹" not "Pososkoni¹,")."""
        state = self._state(env)
        if state.inline_depth == 0:  # a paragraph's (or heading's) inline nodes, all of them
            texts = [t for t in tokens if t.type == "text" and t.content.strip()]
            state.last_text = id(texts[-1]) if texts else 0
        state.inline_depth += 1
        try:
            return self._render_inline(tokens, options, env, state)
        finally:
            state.inline_depth -= 1

    def _render_inline(
        self, tokens: Sequence[Any], options: OptionsDict, env: Any, state: Fragment
    ) -> str:
        out: list[str] = []
        index = 0
        while index < len(tokens):
            node = tokens[index]
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if node.type == "footnote_ref" and after is not None and after.type == "text":
                found = _CALL_AFTER.match(after.content)
                if found:
                    moved = found.end()
                    out.append(escapeHtml(after.content[:moved]))
                    out.append(self.footnote_ref(tokens, index, options, env))
                    out.append(self._text(after, after.content[moved:], state))
                    index += 2
                    continue
            key = node.meta.get("figure") if node.type == "link_open" else None
            if key and key in state.targets.figures:
                end = _link_end(tokens, index)
                inner = self.renderInline(tokens[index + 1 : end], options, env)
                view = state.targets.figures[key]
                words = Markup(inner) if inner.strip() else view.label
                out.append(str(state.targets.macros.figure_link(view, words)))
                index = end + 1
                continue
            slug = node.meta.get("term") if node.type == "link_open" else None
            if slug:
                end = _link_end(tokens, index)
                inner = self.renderInline(tokens[index + 1 : end], options, env)
                href = state.targets.term_href(slug)
                if not href:  # a document without the glossary (the facilitator's): words only
                    out.append(inner)
                    index = end + 1
                    continue
                link_id = node.meta.get("link_id", "")
                if link_id and state.placed is not None:
                    state.placed[link_id] = state.paragraph
                out.append(state.targets.macros.term_link(href, link_id, Markup(inner)))
                index = end + 1
                continue
            if node.type in self.rules:
                out.append(self.rules[node.type](tokens, index, options, env))
            else:
                out.append(self.renderToken(tokens, index, options, env))
            index += 1
        return "".join(out)

    def text(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        return self._text(tokens[idx], tokens[idx].content, self._state(env))

    def _text(self, node: Node, content: str, state: Fragment) -> str:
        typesetter = state.typesetter or state.targets.typesetter
        if state.in_heading:
            bound = typesetter.bind_names(content) if typesetter else content
            return str(unbroken_compounds(bound))
        if typesetter is None:
            return self._abbreviated(content, state.targets)
        return escapeHtml(typesetter.text(content, keep_last_word=id(node) == state.last_text))

    def _abbreviated(self, content: str, targets: Targets) -> str:
        """Acronyms the glossary spells out, marked as abbreviations with their expansion."""
        abbreviations = targets.abbreviations
        if not abbreviations:
            return escapeHtml(content)
        out, end = [], 0
        for found in ACRONYM.finditer(content):
            title = abbreviations.get(found.group(0))
            if title:
                out += [escapeHtml(content[end : found.start()])]
                out += [str(targets.macros.abbreviation(found.group(0), title))]
                end = found.end()
        return "".join([*out, escapeHtml(content[end:])])

    def heading_close(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        self._state(env).in_heading = False
        return self.renderToken(tokens, idx, options, env)

    def footnote_ref(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        state = self._state(env)
        label = tokens[idx].meta["label"]
        note = state.notes[label]
        if state.targets.medium is Medium.PRINT:
            # WeasyPrint floats the note itself to the foot of the page (float: footnote).
            # The empty anchor stays at the call: the PDF keeps a destination there.
            html = Markup(state.note_html[label])
            if state.note_language:  # a note of the guide's, in a paragraph of another language
                return str(state.targets.macros.print_note(note, html, lang=state.note_language))
            return str(state.targets.macros.print_note(note, html))
        return str(state.targets.macros.noteref(note))

    def link_open(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        node = tokens[idx]
        number = node.meta.get("paragraph")
        if number is None:
            return self.renderToken(tokens, idx, options, env)
        state = self._state(env)
        text = node.meta.get("paragraph_text") or state.text
        attrs = {**node.attrs, "href": state.targets.paragraph_href(text, number)}
        return f"<a{_attributes(attrs)}>"

    def paragraph_ref(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        """`[¶ 12]`, `[¶ 12–14]`: a link to the paragraph (in print, with its page after it);
        in a document outside the book, the paragraph and its page in words."""
        state = self._state(env)
        targets, meta = state.targets, tokens[idx].meta
        mark = meta["mark"].upper()
        text = next((t for t, m in targets.marks.items() if m.upper() == mark), "") or state.text
        first, last = meta["first"], meta["last"]
        shown_mark = targets.marks.get(text, "")
        labels = targets.labels
        if first == last:
            shown = labels.format("paragraph_number", number=f"{shown_mark}{first}")
            label = labels.format("paragraph_label", number=f"{shown_mark}{first}")
        else:
            numbers = {"first": f"{shown_mark}{first}", "last": f"{shown_mark}{last}"}
            shown = labels.format("paragraph_range", **numbers)
            label = labels.format("paragraphs_label", **numbers)
        if targets.paragraph_page is not None:
            pages = [targets.paragraph_page(text, first), targets.paragraph_page(text, last)]
            return escapeHtml(f"{shown} ({_pages(labels, pages)})")
        href = targets.paragraph_href(text, first)
        return str(targets.macros.paragraph_reference(href, shown, label, targets.medium.value))

    def paragraph_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        state = self._state(env)
        node = tokens[idx]
        lead = ""
        if state.lead_html:
            lead, state.lead_html = state.lead_html, ""
        if node.hidden:  # a tight list's item: no paragraph around its text
            return lead
        if state.paragraphs_inline:
            return '<span class="np">' + lead
        number = node.meta.get("pnum")
        state.paragraph = number or 0
        if number:
            element_id = state.targets.paragraph_id(state.text, number)
            shown = f"{state.targets.marks.get(state.text, '')}{number}"
            if state.targets.medium is Medium.WEB:  # a permanent link to the paragraph
                label = state.targets.labels.format("paragraph_label", number=shown)
                link = (label, state.targets.labels["paragraph_link"])
                return str(state.targets.macros.paragraph_open(element_id, shown, link)) + lead
            return str(state.targets.macros.paragraph_open(element_id, shown)) + lead
        if node.meta.get("omission"):  # "[…]": a part of the text is left out here
            return self._block_open("p", state)[:-1] + ' class="omission">' + lead
        return self._block_open("p", state) + lead

    def paragraph_close(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        if tokens[idx].hidden:
            return ""
        if self._state(env).paragraphs_inline:
            return "</span>"
        return "</p>\n"

    def _block_open(self, tag: str, state: Fragment) -> str:
        if state.block_ids:
            state.blocks += 1
            return f'<{tag} id="{state.block_ids}b{state.blocks}">'
        return f"<{tag}>"

    def heading_open(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        state = self._state(env)
        state.in_heading = True
        return self._block_open(tokens[idx].tag, state)

    def bullet_list_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open("ul", self._state(env)) + "\n"

    def list_item_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open("li", self._state(env))

    def blockquote_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open("blockquote", self._state(env)) + "\n"

    def ordered_list_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        node = tokens[idx]
        opening = self._block_open("ol", self._state(env))
        start = node.attrGet("start")
        if start is not None and str(start) != "1":
            opening = opening[:-1] + f' start="{start}">'
        return opening + "\n"

    def figure(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        """A picture with its number, caption and credit (sources/figures.py)."""
        state = self._state(env)
        view = state.targets.figures.get(tokens[idx].meta["key"])
        if view is None:
            return ""
        medium = state.targets.medium.value
        return str(state.targets.macros.figure(view, medium)) + "\n"

    def citation(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        targets = self._state(env).targets
        return str(
            targets.macros.citation([targets.reference(k) for k in tokens[idx].meta["keys"]])
        )

    def container_bibliography_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return '<div class="bibliography">\n'

    def container_bibliography_close(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return "</div>\n"

    def container_signature_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return '<div class="signature">\n'

    def container_signature_close(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return "</div>\n"


# Punctuation a note call goes after: the call ends the clause or the quotation it annotates
# (an apostrophe inside a word, "Morales’s", is not one).
ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Z-]*[A-Z](?![\w-])")
_CALL_AFTER = re.compile(r"[.,;:!?)\]”’»]+(?=\s|$)")


def _pages(labels: Any, pages: list[str]) -> str:
    """ "p. 17", or "pp. 17–18" for paragraphs that begin on two pages."""
    if pages[0] == pages[-1]:
        return f"{labels['page_abbreviation']}\u00a0{pages[0]}"
    return f"{labels['pages_abbreviation']}\u00a0{pages[0]}–{pages[-1]}"


def _link_end(tokens: Sequence[Node], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].type == "link_open":
            depth += 1
        elif tokens[index].type == "link_close":
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def _attributes(pairs: Mapping[str, Any]) -> str:
    """As markdown-it's renderAttrs writes them."""
    return "".join(f' {escapeHtml(k)}="{escapeHtml(str(v))}"' for k, v in pairs.items())


RENDERER = BookRenderer()


def render(nodes: Sequence[Node], fragment: Fragment) -> Markup:
    """Block nodes → an XHTML fragment, as `fragment` says."""
    return Markup(RENDERER.render(nodes, OPTIONS, {"fragment": fragment}))
