"""Checks across the whole book: each text kept word for word, every glossary entry reachable.

A text's published form is kept in the file its [[texts]] entry names (source/…): one block
a paragraph, blocks separated by a blank line, a heading written `# Heading`. Its chapters,
without their annotations, must give the same words. A chapter's title (or a `##` heading)
is compared only where the text itself has a heading; elsewhere it is the guide's own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import BuildError, SourceRef
from studyguide.model import Book, Chapter, Text, TextBlock
from studyguide.sources.files import METADATA_FILE, read_text

_SHOWN_WORDS = 6
HEADING = "# "


@dataclass(frozen=True)
class SourceBlock:
    text: str  # whitespace collapsed
    heading: bool


def source_blocks(root: Path, text: Text) -> list[SourceBlock]:
    """The text as published, block by block."""
    path = root / text.source
    if not path.exists() and not path.is_symlink():
        raise BuildError(
            SourceRef(root / METADATA_FILE, text.source_line),
            f"the text '{text.id}' has chapters, but its source {text.source.as_posix()}, the "
            "text as published, is missing",
            f"keep the text as published in {text.source.as_posix()}, one paragraph per block "
            "(`studyguide import` writes it), or give `source` the file that holds it",
            "fidelity.missing",
        )
    content = read_text(root, path)
    blocks = []
    for block in content.split("\n\n"):
        if not block.strip():
            continue
        words = " ".join(block.split())
        heading = words.startswith(HEADING.strip() + " ")
        blocks.append(SourceBlock(words[2:] if heading else words, heading))
    return blocks


@dataclass(frozen=True)
class _Found:
    """A block of the chapters: one TextBlock, or a paragraph split in parts (+++)."""

    parts: tuple[TextBlock, ...]

    @property
    def text(self) -> str:
        return " ".join(" ".join(p.text.split()) for p in self.parts)

    @property
    def first(self) -> TextBlock:
        return self.parts[0]

    def place(self, word: int) -> SourceRef:
        """Where the block's word number `word` is: its part, and the line in it."""
        for part in self.parts:
            count = len(part.text.split())
            if word < count or part is self.parts[-1]:
                return SourceRef(part.source.path, part.line_of_word(word))
            word -= count
        return self.first.source


def _joined(blocks: list[TextBlock]) -> list[_Found]:
    found: list[_Found] = []
    for block in blocks:
        if block.continues and found:
            found[-1] = _Found((*found[-1].parts, block))
        else:
            found.append(_Found((block,)))
    return found


def _quote(words: list[str], start: int) -> str:
    shown = words[start : start + _SHOWN_WORDS]
    if not shown:
        return "(end of text)"
    more = " …" if start + _SHOWN_WORDS < len(words) else ""
    return "'" + " ".join(shown) + more + "'"


def check_fidelity(book: Book) -> None:
    """Each text's chapters, without their annotations, must be its published text exactly.

    Raises a BuildError at the first difference, naming the chapter file and the line of the
    first differing word, and quoting the expected and the found words.
    """
    for text in book.meta.texts:
        chapters = [c for c in book.article_chapters if c.text == text.id]
        if chapters:
            _check_text(source_blocks(book.root, text), chapters, text.source.as_posix())


def _check_text(expected: list[SourceBlock], chapters: list[Chapter], source: str) -> None:
    index = 0
    last: _Found | None = None
    omission: _Found | None = None  # a "[…]" whose omitted blocks are being passed over
    for found in _joined([b for c in chapters for b in c.text_blocks]):
        if found.first.role == "omission":
            omission = omission or found
            continue
        if omission is not None:
            after = _resume(expected, index, found)
            if after is None and found.first.is_heading:
                continue  # the guide's own title or heading
            index = _after_omission(expected, index, after, found, omission, source)
            omission = None
        if found.first.is_heading and (index >= len(expected) or not expected[index].heading):
            continue  # the guide's own title or heading: the text has none here
        if index >= len(expected):
            raise BuildError(
                found.first.source,
                f"text that is not in {source}: {_quote(found.text.split(), 0)}",
                "annotations go in footnotes or the questions block; "
                f"the text's own words are in {source}",
                "fidelity.extra-text",
            )
        _compare(expected[index], found, source)
        index += 1
        last = found
    if omission is not None:  # the text is left out to its end
        _after_omission(expected, index, len(expected), None, omission, source)
        index = len(expected)
    if index < len(expected):
        want = expected[index]
        raise BuildError(
            last.first.source if last else SourceRef(Path(source)),
            f"the text continues after this point: block {index + 1} of {len(expected)} is "
            f"missing: expected {_quote(want.text.split(), 0)}",
            f"copy the missing text from {source} into the chapters, or put […] on a line "
            "of its own where a part of the text is left out",
            "fidelity.missing-text",
        )


def _resume(expected: list[SourceBlock], index: int, found: _Found) -> int | None:
    """Where the text goes on after an omission: the first block from `index` on that is
    `found`'s (the same words; a heading for a heading)."""
    for position in range(index, len(expected)):
        want = expected[position]
        if want.text == found.text and want.heading == found.first.is_heading:
            return position
    return None


def _after_omission(
    expected: list[SourceBlock],
    index: int,
    after: int | None,
    found: _Found | None,
    omission: _Found,
    source: str,
) -> int:
    """The index of the block after an omission; our error if nothing of the text is left
    out there, or what follows it is not the text's."""
    if after is None:
        assert found is not None
        raise BuildError(
            found.first.source,
            f"after the omission on line {omission.first.source.line}, text that is not in "
            f"{source}: {_quote(found.text.split(), 0)}",
            "the text's words go on after […] exactly as published; check this paragraph "
            f"against {source}",
            "fidelity.omission",
        )
    if after == index:
        raise BuildError(
            omission.first.source,
            "[…] marks a part of the text left out, but nothing of it is left out here",
            "remove the […] line, or the paragraphs it stands for",
            "fidelity.omission",
        )
    return after


def _compare(want: SourceBlock, found: _Found, source: str) -> None:
    if want.heading and not found.first.is_heading:
        raise BuildError(
            found.first.source,
            f"the text has a heading here, {_quote(want.text.split(), 0)}, "
            f"but the chapter has a {found.first.role}",
            "start a new chapter with this heading as its title, or write it as a `##` heading",
            "fidelity.heading",
        )
    # Compared as Unicode's composed form (NFC): "é" typed as e and U+0301 (macOS, text
    # pasted from a PDF) is the published "é".
    have, expected = (
        unicodedata.normalize("NFC", found.text),
        unicodedata.normalize("NFC", want.text),
    )
    if have == expected:
        return
    want_words, have_words = expected.split(), have.split()
    position = next(
        (i for i, (a, b) in enumerate(zip(want_words, have_words, strict=False)) if a != b),
        min(len(want_words), len(have_words)),
    )
    kind = found.first.role
    raise BuildError(
        found.place(position),
        f"the text differs from {source} in this {kind} at word {position + 1}: expected "
        f"{_quote(want_words, position)}, found {_quote(have_words, position)}"
        + _unseen(want_words[position : position + 1], have_words[position : position + 1]),
        "the text's words must stay exactly as published; put comments in a "
        "footnote, and check that no paragraph was moved, split or joined "
        "(split a paragraph for discussion with +++ between its parts; leave one out with "
        "[…] on a line of its own). Words that came in with the import but are not the "
        "text's (a date line, a share box): import again with --drop or --exclude, and --force",
        "fidelity.differs",
    )


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def _unseen(want: list[str], have: list[str]) -> str:
    """Where two words that look the same differ: their characters named ("ﬁ", one ligature,
    for "fi"; a zero-width space; a Cyrillic "а" for a Latin "a"), "" if they look different."""
    if not want or not have:
        return ""
    a, b = want[0], have[0]
    shown = [unicodedata.normalize("NFKC", "".join(c for c in w if unicodedata.category(c) != "Cf"))
             for w in (a, b)]  # fmt: skip
    if shown[0] != shown[1] and not _confusable(shown[0], shown[1]):
        return ""
    index = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    expected = _name(a[index]) if index < len(a) else "nothing"
    found = _name(b[index]) if index < len(b) else "nothing"
    return f" (they look alike: character {index + 1} is {found}, where the text has {expected})"


def _confusable(a: str, b: str) -> bool:
    """Words whose differing letters are the same letter of other scripts (a Cyrillic "а"
    for a Latin "a"), as far as their names tell."""
    if len(a) != len(b):
        return False

    def letter(char: str) -> str:  # "CYRILLIC SMALL LETTER A" → "SMALL LETTER A"
        return unicodedata.name(char, "?").partition(" ")[2]

    return all(letter(x) == letter(y) for x, y in zip(a, b, strict=True) if x != y)


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


def right_to_left_print(book: Book) -> list[BuildError]:
    """A book in a right-to-left language: its text is set right to left in every edition,
    but the print layout's pages are still a left-to-right book's (a warning, for the PDF)."""
    if book.meta.direction != "rtl":
        return []
    from studyguide.sources.tomlfile import locate

    line = locate(read_text(book.root, book.meta.path)).get(("language",), 0)
    return [
        BuildError(
            SourceRef(book.meta.path, line),
            f"the book's language '{book.meta.language}' is written right to left: the text "
            "is set right to left in every edition, and the EPUB's pages turn leftwards, but "
            "right-to-left print is not supported: the PDF's pages open, number and mirror "
            "as a left-to-right book's",
            "read the EPUB or the web edition; in print, expect the binding on the left",
            "print.right-to-left",
        )
    ]
