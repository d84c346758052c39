"""What `new` wrote and no one has changed yet: each placeholder in book.toml and each sample
paragraph left in a chapter or glossary entry, as a warning that `check` and `build` print
(the editions would show them as the book's own words)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from studyguide.authoring.new import skeleton, skeleton_languages
from studyguide.errors import BuildError, SourceRef
from studyguide.model import Book, Kind
from studyguide.sources.files import displayed_sources, read_text
from studyguide.sources.tomlfile import Key, locate

CODE = "scaffold.placeholder"
_MIN_WORDS = 6  # a sample's line this long is the sample's, not a common phrase


@cache
def _words(key: str) -> frozenset[str]:
    return frozenset(skeleton(code).words[key] for code in skeleton_languages())


@cache
def _sample_lines() -> frozenset[str]:
    """The lines of prose of every sample file, in every language."""
    lines: set[str] = set()
    for code in skeleton_languages():
        for name in ("introduction.md", "glossary.md"):
            for line in skeleton(code).file(name).splitlines():
                if len(line.split()) >= _MIN_WORDS:
                    lines.add(line.strip())
    return frozenset(lines)


def placeholders(book: Book) -> list[BuildError]:
    """Every placeholder and sample of `new` still in the book, a warning each."""
    path = book.meta.path
    where = locate(read_text(book.root, path))

    def warning(key: Key, what: str, hint: str) -> BuildError:
        while key and key not in where:  # (a value inside an inline table or list)
            key = key[:-1]
        return BuildError(SourceRef(path, where.get(key, 0)), what, hint, CODE)

    found = []
    for index, text in enumerate(book.meta.texts):
        for field, word in (("title", "text_title"), ("kind", "text_kind")):
            value = getattr(text, field)
            if value in _words(word):
                what = f"the text's {field} is still the placeholder '{value}'"
                hint = f"write the text's {field} in book.toml"
                found.append(warning(("texts", index, field), what, hint))
        for number, person in enumerate(text.authors):
            if person.name in _words("author"):
                what = f"the text's author is still the placeholder '{person.name}'"
                hint = "give the authors' names in book.toml (docs/authoring.md)"
                found.append(warning(("texts", index, "authors", number), what, hint))
        if text.rights.holder in _words("author"):
            found.append(
                warning(("texts", index, "rights"), "the text's rights holder is still the "
                        f"placeholder '{text.rights.holder}'",
                        "say who holds the rights (or that the text is in the public domain)")
            )  # fmt: skip
    if book.meta.edition.editors in _words("editors"):
        found.append(
            warning(("edition", "editors"), "the editors are still the placeholder "
                    f"'{book.meta.edition.editors}'", "give the editors' names in book.toml")
        )  # fmt: skip
    found += _not_imported(book, where)
    return found + list(_samples(book))


def _not_imported(book: Book, where: dict[Key, int]) -> list[BuildError]:
    """A book whose text is not imported yet (it builds, with its front chapters only)."""
    if any(chapter.kind is Kind.ARTICLE for chapter in book.chapters):
        return []
    return [
        BuildError(
            SourceRef(book.meta.path, where.get(("texts", index), 0)),
            f"the text '{text.id}' has no chapters yet",
            f"bring it in with `studyguide import FILE --text {text.id}`",
            CODE,
        )
        for index, text in enumerate(book.meta.texts)
    ]


def _samples(book: Book) -> Iterable[BuildError]:
    """Chapters and glossary entries that still hold a line of a sample file."""
    samples = _sample_lines()
    for path, text in displayed_sources(book.root).items():
        if path.suffix.lower() != ".md":
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() in samples:
                shown = " ".join(line.split()[:8])
                yield BuildError(
                    SourceRef(path, number),
                    f"the sample text `studyguide new` wrote is still here: '{shown} …'",
                    "replace it with the guide's own words, or delete the file",
                    CODE,
                )
                break
