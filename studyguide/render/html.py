"""The model's Markdown nodes → XHTML fragments: markdown-it's render rules plus the book's own.

Notes, term links and paragraph numbers come from the macros of _markup.html.j2; where a
link points (a glossary entry, a paragraph) depends on the edition, and is asked of the
`Targets` it is given. Nothing here changes a node: the model is frozen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.presets import commonmark
from markdown_it.renderer import RendererHTML
from markdown_it.utils import OptionsDict
from markupsafe import Markup

from studyguide.model import Medium, Node, Note

# The parser's options as far as rendering reads them: CommonMark's, which emit XHTML.
OPTIONS = OptionsDict({**commonmark.make()["options"], "html": False, "typographer": False})


@dataclass(frozen=True)
class Targets:
    """Where an edition's links go."""

    medium: Medium
    term_href: Callable[[str], str]  # glossary slug → href
    paragraph_href: Callable[[str, int], str]  # (text id, paragraph number) → href
    paragraph_id: Callable[[str, int], str]  # (text id, paragraph number) → the element's id
    reference: Callable[[str], tuple[str, str]]  # source key → (href, label: "Klein 2011")
    macros: Any  # the book's _markup.html.j2 macros


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


class BookRenderer(RendererHTML):
    """markdown-it's XHTML renderer with the book's notes, term links and paragraph numbers."""

    def _state(self, env: Any) -> Fragment:
        return env["fragment"]

    def renderInline(self, tokens: Sequence[Any], options: OptionsDict, env: Any) -> str:
        """Inline nodes; a glossary link is rendered whole, by the term_link macro."""
        out: list[str] = []
        index = 0
        while index < len(tokens):
            node = tokens[index]
            slug = node.meta.get("term") if node.type == "link_open" else None
            if slug:
                end = _link_end(tokens, index)
                inner = self.renderInline(tokens[index + 1 : end], options, env)
                href = self._state(env).targets.term_href(slug)
                out.append(
                    self._state(env).targets.macros.term_link(
                        href, node.meta.get("link_id", ""), Markup(inner)
                    )
                )
                index = end + 1
                continue
            if node.type in self.rules:
                out.append(self.rules[node.type](tokens, index, options, env))
            else:
                out.append(self.renderToken(tokens, index, options, env))
            index += 1
        return "".join(out)

    def footnote_ref(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        state = self._state(env)
        label = tokens[idx].meta["label"]
        note = state.notes[label]
        if state.targets.medium is Medium.PRINT:
            # WeasyPrint floats the note itself to the foot of the page (float: footnote).
            # The empty anchor stays at the call: the PDF keeps a destination there.
            return str(
                self._state(env).targets.macros.print_note(note, Markup(state.note_html[label]))
            )
        return str(self._state(env).targets.macros.noteref(note))

    def link_open(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        node = tokens[idx]
        number = node.meta.get("paragraph")
        if number is None:
            return self.renderToken(tokens, idx, options, env)
        state = self._state(env)
        text = node.meta.get("paragraph_text") or state.text
        attrs = {**node.attrs, "href": state.targets.paragraph_href(text, number)}
        return f"<a{_attributes(attrs)}>"

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
        if number:
            element_id = state.targets.paragraph_id(state.text, number)
            return str(self._state(env).targets.macros.paragraph_open(element_id, number)) + lead
        return self._block_open(node, "p", state) + lead

    def paragraph_close(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        if tokens[idx].hidden:
            return ""
        if self._state(env).paragraphs_inline:
            return "</span>"
        return "</p>\n"

    def _block_open(self, node: Node, tag: str, state: Fragment) -> str:
        if state.block_ids:
            state.blocks += 1
            return f'<{tag} id="{state.block_ids}b{state.blocks}">'
        return f"<{tag}>"

    def heading_open(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        return self._block_open(tokens[idx], tokens[idx].tag, self._state(env))

    def bullet_list_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], "ul", self._state(env)) + "\n"

    def list_item_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], "li", self._state(env))

    def blockquote_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        return self._block_open(tokens[idx], "blockquote", self._state(env)) + "\n"

    def ordered_list_open(
        self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any
    ) -> str:
        node = tokens[idx]
        opening = self._block_open(node, "ol", self._state(env))
        start = node.attrGet("start")
        if start is not None and str(start) != "1":
            opening = opening[:-1] + f' start="{start}">'
        return opening + "\n"

    def citation(self, tokens: Sequence[Node], idx: int, options: OptionsDict, env: Any) -> str:
        reference = self._state(env).targets.reference
        return str(
            self._state(env).targets.macros.citation(
                [reference(key) for key in tokens[idx].meta["keys"]]
            )
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
