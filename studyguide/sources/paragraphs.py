"""What a note, a question, a glossary entry or a facilitator's file says of the texts'
paragraphs, checked: a link `[¶ 2](#p-2)` or a reference `[¶ 12]`, `[¶ 12–14]`, `[¶ B12]`
needs the paragraphs it names; a reference in the text's own words would pass for the text's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.model import BookMeta, Chapter, Node
from studyguide.sources.nodes import PARAGRAPH_LINK, walk_inline


@dataclass(frozen=True)
class Paragraphs:
    """How many paragraphs each text has, and which text each mark names."""

    counts: dict[str, int]  # text id → its paragraphs
    marks: dict[str, str]  # a text's mark ("B") → its id

    @classmethod
    def of(cls, meta: BookMeta | None, texts: list[str], chapters: Iterable[Chapter]) -> Paragraphs:
        counts = dict.fromkeys(texts, 0)
        for chapter in chapters:
            if chapter.text in counts:
                counts[chapter.text] += len(chapter.paragraphs)
        marks = {t.mark.upper(): t.id for t in (meta.texts if meta else ()) if t.mark}
        return cls(counts, marks)

    def check(
        self,
        nodes: Sequence[Node],
        path: Path,
        own_text: str,
        errors: ErrorCollector,
        in_text: bool = False,
    ) -> None:
        """Every paragraph link and reference in `nodes`; `own_text`, the text they point
        into where they do not say; `in_text`: the nodes are the text's own words."""
        for child, line, _ in walk_inline(nodes):
            where = SourceRef(path, line)
            if child.type == "paragraph_ref":
                for error in self._reference(child, where, own_text, in_text):
                    errors.add(error)
            elif child.type == "link_open" and child.meta.get("paragraph") is not None:
                for error in self._link(child, where, own_text):
                    errors.add(error)

    def _reference(
        self, node: Node, where: SourceRef, own_text: str, in_text: bool
    ) -> list[BuildError]:
        shown = node.content
        if in_text:
            return [
                BuildError(
                    where,
                    f"a paragraph reference {shown} in the text's own words",
                    "refer to a paragraph in a note or a question ([^id]: … [¶ 12]), "
                    "not in the text itself",
                    "paragraph.in-text",
                )
            ]
        mark = node.meta["mark"].upper()
        text = self.marks.get(mark) if mark else own_text
        if text is None or text not in self.counts:
            known = ", ".join(sorted(self.marks)) or "none: the book has one text"
            return [
                BuildError(
                    where,
                    f"{shown} names a text marked '{node.meta['mark']}', which the book does "
                    "not have",
                    f"the texts' marks are: {known}",
                    "paragraph.unknown",
                )
            ]
        first, last, count = node.meta["first"], node.meta["last"], self.counts[text]
        if last < first:
            return [
                BuildError(
                    where,
                    f"{shown} runs backwards, from paragraph {first} to {last}",
                    f"write the first paragraph first: [¶ {last}–{first}]",
                    "paragraph.unknown",
                )
            ]
        if not 1 <= first <= last <= count:
            wrong = first if not 1 <= first <= count else last
            return [
                BuildError(
                    where,
                    f"{shown} refers to paragraph {wrong}, but the text has {count}",
                    f"use a paragraph number from 1 to {count}"
                    if count
                    else "the book has no chapters of that text: remove the reference",
                    "paragraph.unknown",
                )
            ]
        return []

    def _link(self, node: Node, where: SourceRef, own_text: str) -> list[BuildError]:
        number = node.meta["paragraph"]
        text = node.meta.get("paragraph_text") or own_text
        found = PARAGRAPH_LINK.fullmatch(node.attrGet("href"))
        assert found is not None
        if text not in self.counts:
            return [
                BuildError(
                    where,
                    f"link to paragraph {found['number']} of a text '{text}' the book "
                    "does not have",
                    "the texts are: " + ", ".join(self.counts),
                    "markdown.paragraph-link",
                )
            ]
        count = self.counts[text]
        if not 1 <= number <= count:
            return [
                BuildError(
                    where,
                    f"link to paragraph {found['number']}, but the text has {count}",
                    f"use a paragraph number from 1 to {count}"
                    if count
                    else "the book has no chapters of that text: remove the link",
                    "markdown.paragraph-link",
                )
            ]
        return []
