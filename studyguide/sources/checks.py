"""Checks across the whole book: the article kept word for word, every glossary entry reachable."""

from __future__ import annotations

from pathlib import Path

from studyguide.errors import BuildError, SourceRef
from studyguide.model import Book, TextBlock
from studyguide.sources.files import ARTICLE_FILE, read_text

_SHOWN_WORDS = 6


def article_blocks(root: Path) -> list[str]:
    """The stored article, block by block (blocks are separated by blank lines)."""
    path = root / ARTICLE_FILE
    if not path.exists() and not path.is_symlink():
        raise BuildError(
            path,
            "the stored article text is missing",
            f"keep the article as published in {ARTICLE_FILE}, one paragraph per block",
            "fidelity.missing",
        )
    text = read_text(root, path)
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def _quote(words: list[str], start: int) -> str:
    shown = words[start : start + _SHOWN_WORDS]
    if not shown:
        return "(end of text)"
    more = " …" if start + _SHOWN_WORDS < len(words) else ""
    return "'" + " ".join(shown) + more + "'"


def check_fidelity(book: Book) -> None:
    """The article chapters, without their annotations, must be the stored article exactly.

    Raises a BuildError at the first difference, naming the chapter file and line and
    quoting the expected and the found words.
    """
    expected = article_blocks(book.root)
    found: list[TextBlock] = [b for c in book.article_chapters for b in c.text_blocks]
    article = book.root / ARTICLE_FILE
    for index, want in enumerate(expected):
        if index >= len(found):
            where = found[-1].source if found else SourceRef(article)
            raise BuildError(
                where,
                f"the article continues after this point: block {index + 1} of "
                f"{len(expected)} is missing: expected {_quote(want.split(), 0)}",
                f"copy the missing text from {ARTICLE_FILE} into the chapters",
                "fidelity.missing-text",
            )
        have = " ".join(found[index].text.split())
        if have == want:
            continue
        want_words, have_words = want.split(), have.split()
        position = next(
            (i for i, (a, b) in enumerate(zip(want_words, have_words, strict=False)) if a != b),
            min(len(want_words), len(have_words)),
        )
        block = found[index]
        kind = "title" if block.role == "title" else block.role
        raise BuildError(
            block.source,
            f"the article's text differs from {ARTICLE_FILE} in this {kind} at word "
            f"{position + 1}: expected {_quote(want_words, position)}, "
            f"found {_quote(have_words, position)}",
            "the article's words must stay exactly as published; put comments in a "
            "footnote, and check that no paragraph was moved, split or joined",
            "fidelity.differs",
        )
    if len(found) > len(expected):
        extra = found[len(expected)]
        raise BuildError(
            extra.source,
            f"text that is not in the article: {_quote(extra.text.split(), 0)}",
            "annotations go in footnotes or the questions block; "
            f"the article's own text is in {ARTICLE_FILE}",
            "fidelity.extra-text",
        )


def unlinked_terms(book: Book) -> list[BuildError]:
    """Glossary entries that no text links to: readers will not find them from the text."""
    linked = {link.slug for chapter in book.chapters for link in chapter.term_links}
    return [
        BuildError(
            SourceRef(term.path, 1),
            f"glossary entry '{term.term}' is not linked from any chapter",
            "use the term (or an alias) in a chapter or a note, or link it with "
            f"[text](term:{term.slug})",
            "glossary.unlinked",
        )
        for term in book.glossary
        if term.slug not in linked
    ]
