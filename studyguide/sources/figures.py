"""Figures: an image standing alone in a paragraph of a chapter or a glossary entry, with its
text alternative, caption and credit, numbered through the book; their images read and
checked (images.py); links to them (`[](#fig-map)`) resolved.

    ![Bolivia's departments](images/bolivia.svg "Bolivia and its departments"){#map credit="…"}

The parser (markdown.py) reads `{#id .decorative credit="…"}` after an image; the core rule
here makes a paragraph that holds nothing but an image one `figure` token, which the render
stage draws as a figure in every edition. Any other image is a mistake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from markdown_it.token import Token

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.model import Chapter, Figure, Image, Node, Term
from studyguide.sources.images import IMAGES_DIR, read_image, reference_problem
from studyguide.sources.nodes import FIGURE_LINK, walk_inline

FIGURE = "figure"  # the token's type
DECORATIVE = "decorative"  # the class that marks an image that needs no text alternative
ATTRIBUTES = ("id", "class", "credit")  # what `{…}` after an image may give
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_TEXT = 1000  # characters of a caption, a credit or a text alternative


def _alt_text(image: Token) -> str:
    """What the image's brackets say, as plain text (emphasis marks dropped)."""
    parts = []
    for child in image.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def figures_rule(state: Any) -> None:
    """Make each top-level paragraph that holds one image and nothing else a `figure` token
    (markdown-it core rule, after the inline parse)."""
    tokens: list[Token] = state.tokens
    parse = state.env.get("studyguide")
    prefix = (parse.figure_prefix or str(parse.chapter_number)) if parse else "0"
    out: list[Token] = []
    place = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        image = _lone_image(tokens, index)
        if image is None:
            out.append(token)
            index += 1
            continue
        place += 1
        figure = Token(FIGURE, "figure", 0)
        figure.block = True
        figure.map = token.map
        figure.meta = {
            "src": str(image.attrGet("src") or ""),
            "alt": _alt_text(image),
            "caption": " ".join(str(image.attrGet("title") or "").split()),
            "credit": " ".join(str(image.attrGet("credit") or "").split()),
            "id": str(image.attrGet("id") or ""),
            # the figure's key: its id, or where it stands ("2-1": chapter 2's first)
            "key": str(image.attrGet("id") or "") or f"{prefix}-{place}",
            "classes": tuple(str(image.attrGet("class") or "").split()),
            "refused": tuple(sorted((image.meta or {}).get("insecure_attrs", {}))),
        }
        out.append(figure)
        index += 3
    state.tokens = out


def _lone_image(tokens: list[Token], index: int) -> Token | None:
    if tokens[index].type != "paragraph_open" or tokens[index].level != 0:
        return None
    if index + 2 >= len(tokens) or tokens[index + 2].type != "paragraph_close":
        return None
    children = [
        child
        for child in tokens[index + 1].children or ()
        if not (child.type == "text" and not child.content.strip())
        and child.type not in ("softbreak", "hardbreak")
    ]
    if len(children) == 1 and children[0].type == "image":
        return children[0]
    return None


def _figure_error(where: SourceRef, message: str, hint: str, code: str) -> BuildError:
    return BuildError(where, message, hint, code)


def _figure_problems(meta: Any, where: SourceRef) -> Iterable[BuildError]:
    """What is wrong with a figure's Markdown, its file aside."""
    for name in meta["refused"]:
        yield _figure_error(
            where,
            f"a figure has no attribute '{name}'",
            'after the image, {…} may give #id, .decorative and credit="…"',
            "figure.attribute",
        )
    for name in meta["classes"]:
        if name != DECORATIVE:
            yield _figure_error(
                where,
                f"a figure has no class '.{name}'",
                "the one class a figure takes is .decorative, for an image that needs no "
                "text alternative",
                "figure.attribute",
            )
    if meta["id"] and not _KEY.fullmatch(meta["id"]):
        yield _figure_error(
            where,
            f"the figure id '{meta['id']}' is not lowercase words joined by hyphens",
            "write {#bolivia-map}: links to it are then [](#fig-bolivia-map)",
            "figure.attribute",
        )
    longest = max(("alt", "caption", "credit"), key=lambda k: len(meta[k]))
    if len(meta[longest]) > _MAX_TEXT:
        yield _figure_error(
            where,
            f"the figure's {longest} is {len(meta[longest]):,} characters long, more than "
            f"{_MAX_TEXT:,}",
            "say the rest in the text around the figure",
            "figure.text",
        )
    decorative = DECORATIVE in meta["classes"]
    if decorative and (meta["alt"] or meta["caption"] or meta["credit"]):
        yield _figure_error(
            where,
            "a decorative image has a text alternative, a caption or a credit",
            "an image that says something is a figure: remove .decorative; an ornament "
            "says nothing: write ![](images/…){.decorative}",
            "figure.decorative",
        )
    elif not decorative and not meta["alt"]:
        yield _figure_error(
            where,
            f"the figure '{meta['src']}' has no text alternative",
            "say in the brackets what the picture shows, for readers who cannot see it: "
            "![Map of Bolivia's departments](…); an ornament that says nothing is marked "
            "{.decorative}",
            "figure.alt",
        )


def inline_image_error(src: str, path: Path, line: int) -> BuildError:
    """An image that does not stand alone in a paragraph (inside text, a list, a note, a
    question, a heading): a mistake, with what else is wrong with it."""
    shown = src if len(src) <= 80 else src[:79] + "…"
    problem = reference_problem(src, path.parent.parent)
    if problem is not None and problem[1] == "markdown.remote":
        return BuildError(SourceRef(path, line), problem[0], problem[2], problem[1])
    return BuildError(
        SourceRef(path, line),
        f"the image '{shown}' stands inside a paragraph, a list, a note or a question",
        'a picture is a figure: put `![What it shows](images/….svg "Caption")` in a '
        "paragraph of its own, in a chapter or a glossary entry",
        "figure.inline",
    )


def _nodes_of(
    chapters: Sequence[Chapter], terms: Sequence[Term]
) -> Iterable[tuple[Path, Sequence[Node]]]:
    """Each source's top-level nodes, in reading order."""
    for chapter in chapters:
        yield chapter.path, chapter.body
    for term in terms:
        yield term.path, term.definition


def collect_figures(
    root: Path, chapters: Sequence[Chapter], terms: Sequence[Term], errors: ErrorCollector
) -> tuple[tuple[Figure, ...], MappingProxyType[str, Image]]:
    """Every figure of the book, numbered in reading order, and their images, read and
    checked; each mistake in `errors`."""
    figures: list[Figure] = []
    images: dict[str, Image] = {}
    refused: set[str] = set()
    keys: dict[str, SourceRef] = {}
    number = 0
    for path, nodes in _nodes_of(chapters, terms):
        for node in nodes:
            if node.type != FIGURE:
                continue
            meta = node.meta
            where = SourceRef(path, node.line)
            found = list(_figure_problems(meta, where))
            src = meta["src"]
            if src not in images and src not in refused:
                try:
                    images[src] = read_image(root, src, where)
                except BuildError as error:
                    found.append(error)
                    refused.add(src)  # reported where it is first used, once
            key = meta["key"]
            if key in keys:
                first = keys[key]
                found.append(
                    _figure_error(
                        where,
                        f"the figure id '{key}' is also given on line {first.line} of "
                        f"{first.path.name}",
                        "give each figure an id of its own",
                        "figure.duplicate-id",
                    )
                )
            keys.setdefault(key, where)
            for error in found:
                errors.add(error)
            if found or src in refused:
                continue
            decorative = DECORATIVE in meta["classes"]
            number += 0 if decorative else 1
            figures.append(
                Figure(
                    key,
                    0 if decorative else number,
                    src,
                    meta["alt"],
                    meta["caption"],
                    meta["credit"],
                    where,
                )
            )
    return tuple(figures), MappingProxyType(images)


def check_figure_links(
    sources: Iterable[tuple[Path, Sequence[Node]]],
    keys: set[str],
    errors: ErrorCollector,
) -> None:
    """A link to `#fig-x` needs a figure x in the book."""
    for path, nodes in sources:
        for child, line, _ in walk_inline(nodes):
            key = child.meta.get("figure") if child.type == "link_open" else None
            if key is not None and key not in keys:
                known = ", ".join(f"#fig-{k}" for k in sorted(keys)) or "none"
                errors.add(
                    BuildError(
                        SourceRef(path, line),
                        f"link to a figure '#fig-{key}' the book does not have",
                        f"the book's figures are: {known} (give a figure an id with "
                        "{#name} after its image)",
                        "figure.unknown",
                    )
                )


__all__ = ["FIGURE", "FIGURE_LINK", "IMAGES_DIR", "collect_figures", "figures_rule"]
