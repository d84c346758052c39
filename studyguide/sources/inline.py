"""Mistakes inside running text: images outside a figure, links the editions cannot carry,
stray note calls."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

from markdown_it.token import Token

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.sources.figures import inline_image_error
from studyguide.sources.files import GLOSSARY_NAME
from studyguide.sources.markdown import TERM_SCHEME, TermMatcher, has_scheme
from studyguide.sources.nodes import FIGURE_LINK, PARAGRAPH_LINK, walk_inline

_ALLOWED_SCHEMES = ("http://", "https://", "mailto:")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")
# How deeply Markdown may nest (quotations, lists and their items, emphasis, links): far
# beyond prose (this study guide nests 5 deep), far below what the layout can take
# (WeasyPrint recurses per level; lxml refuses XHTML 256 deep) and below markdown-it's own
# limit of 20 blocks, past which it drops the rest of the file without a word.
MAX_NESTING = 16


def _local_target(source: Path, ref: str) -> tuple[Path, bool]:
    """Where a relative reference in a source file points, and whether that is in the book."""
    book = source.parent.parent.resolve()
    try:
        target = (source.parent / unquote(ref.split("#")[0].split("?")[0])).resolve()
    except (OSError, ValueError):
        return book, False
    return target, target.is_relative_to(book)


def _link_error(href: str, path: Path, line: int) -> BuildError:
    what = f"link to '{href}' is not allowed"
    if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|#|//", href):
        target, inside = _local_target(path, href)
        if not inside:
            what = f"link to the file '{href}', outside the book's folder, is not allowed"
        elif not target.exists():
            what = f"link to the file '{href}' is not allowed (and the file does not exist)"
        else:
            what = f"link to the file '{href}' is not allowed"
    return BuildError(
        SourceRef(path, line),
        what,
        "link to a web address (https://…), a glossary entry (term:slug), "
        "a paragraph of the article (#p-12) or a figure (#fig-map); the editions carry no "
        "other files",
        "markdown.link",
    )


def _note_call_error(child: Token, line: int, path: Path, link_depth: int) -> BuildError | None:
    if "label" not in child.meta:
        return BuildError(
            SourceRef(path, line),
            "inline notes ^[…] are not supported",
            "write a reference [^id] in the text and the note as a line `[^id]: …`",
            "notes.inline",
        )
    if link_depth:
        return BuildError(
            SourceRef(path, line),
            f"footnote reference [^{child.meta['label']}] inside a link",
            "put the reference after the link: [text](…)[^id]",
            "notes.in-link",
        )
    return None


def check_inline(
    tokens: Sequence[Token],
    path: Path,
    errors: ErrorCollector,
    undefined_notes: Sequence[tuple[str, int]] = (),
) -> None:
    """Images, file links, notes inside links and undefined note references (found by the
    parser, studyguide.sources.markdown) are mistakes."""
    link_depth = 0
    for child, line, _ in walk_inline(tokens):
        if child.type == "image":
            errors.add(inline_image_error(str(child.attrGet("src") or ""), path, line))
        elif child.type == "link_close":
            link_depth = max(0, link_depth - 1)
        elif child.type == "footnote_ref":
            error = _note_call_error(child, line, path, link_depth)
            if error is not None:
                errors.add(error)
        elif child.type == "link_open":
            link_depth += 1
            href = str(child.attrGet("href") or "")
            if has_scheme(href, TERM_SCHEME) or PARAGRAPH_LINK.fullmatch(href):
                continue
            if FIGURE_LINK.fullmatch(href):  # checked once every figure is known
                continue
            if not any(has_scheme(href, scheme) for scheme in _ALLOWED_SCHEMES):
                errors.add(_link_error(href, path, line))
    for label, line in undefined_notes:
        errors.add(
            BuildError(
                SourceRef(path, line),
                f"footnote reference [^{label}] has no definition",
                f"add a line `[^{label}]: …` with the note, or remove the reference",
                "notes.undefined",
            )
        )


def check_nesting(tokens: Sequence[Token], path: Path, errors: ErrorCollector) -> None:
    """Markdown nested deeper than MAX_NESTING is a mistake (the first place, once a file):
    what `check` passes, every edition can lay out."""
    for token in tokens:
        # Elements open around a token: its block level, plus its own if it opens one, plus
        # those its inline children open (emphasis, links).
        inline = (child.level + 1 for child in token.children or () if child.nesting == 1)
        depth = token.level + (token.nesting == 1) + max(inline, default=0)
        if depth > MAX_NESTING:
            errors.add(
                BuildError(
                    SourceRef(path, token.map[0] + 1 if token.map else 0),
                    f"the Markdown here is nested {depth} levels deep (quotations, lists, "
                    f"emphasis, links), more than the limit of {MAX_NESTING}",
                    "write it flatter: fewer quotation marks (>), list levels or "
                    "emphasis marks (*, _) inside one another",
                    "markdown.nesting",
                )
            )
            return


def unknown_term(slug: str, where: SourceRef, matcher: TermMatcher) -> BuildError:
    slug = unquote(slug)  # as written: `term:comiból`, not the link's `comib%C3%B3l`
    slugs = sorted(matcher.slugs)
    close = difflib.get_close_matches(slug, slugs, n=1)
    refused = where.path.parent.parent / "glossary" / f"{slug}.md"
    if refused.is_file() and not GLOSSARY_NAME.match(refused.name):
        hint = (
            f"glossary/{slug}.md is not read: its name is not lowercase ASCII words joined by "
            "hyphens (see the error about it above); rename it, and link to the new name"
        )
    elif close:
        hint = f"did you mean term:{close[0]}?"
    else:
        hint = "add glossary/" + slug + ".md, or fix the link"
    return BuildError(where, f"unknown glossary term '{slug}'", hint, "glossary.unknown")
