"""The whole book from its folder: every source read, parsed and checked, or every mistake."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from markdown_it import MarkdownIt

from studyguide.errors import BuildError, BuildErrors, ErrorCollector, SourceRef
from studyguide.model import Book, BookMeta, Chapter, Kind, Node, Term
from studyguide.sources.chapters import parse_chapter
from studyguide.sources.checks import check_fidelity
from studyguide.sources.files import (
    METADATA_FILE,
    ChapterFile,
    read_chapter_files,
    read_glossary_files,
)
from studyguide.sources.glossary import glossary_names, parse_glossary
from studyguide.sources.markdown import TermMatcher, make_parser
from studyguide.sources.meta import load_meta
from studyguide.sources.nodes import PARAGRAPH_LINK, walk_inline
from studyguide.sources.trust import check_source


def load_book(root: Path) -> Book:
    """Read, parse and check every source; raise all user mistakes found."""
    errors = ErrorCollector()
    meta: BookMeta | None = None
    try:
        metadata = root / METADATA_FILE
        if metadata.exists() or metadata.is_symlink():
            check_source(root, metadata)  # book.toml is read only if it may be
        meta = load_meta(root)
    except (BuildError, BuildErrors) as error:
        # Keep going: mistakes in the chapters are reported in the same run.
        errors.add(error)
    chapter_files = read_chapter_files(root, errors)
    glossary_files = read_glossary_files(root, errors)
    md = make_parser()
    names = glossary_names(glossary_files, errors)
    terms = parse_glossary(md, glossary_files, names, errors)
    slugs = {s.slug for s in glossary_files}
    chapters = _parse_chapters(md, chapter_files, _with_slugs(names, slugs), errors)
    _check_order(chapters, errors)
    _check_paragraph_links(chapters, terms, errors)
    errors.raise_if_any()
    assert meta is not None  # else an error was raised
    book = Book(meta, root, tuple(chapters), tuple(terms))
    if book.article_chapters:
        check_fidelity(book)
    return book


def _with_slugs(names: dict[str, str], slugs: set[str]) -> TermMatcher:
    """The matcher of the glossary's names, knowing every slug, so explicit `term:slug`
    links resolve."""
    matcher = TermMatcher.build(names)
    known = dict(matcher.slug_of)
    for slug in slugs:
        known.setdefault("\0" + slug, slug)
    return TermMatcher(known, matcher.pattern)


def _parse_chapters(
    md: MarkdownIt, files: list[ChapterFile], matcher: TermMatcher, errors: ErrorCollector
) -> list[Chapter]:
    """The chapters in order; the article's paragraphs and parts numbered across them."""
    chapters: list[Chapter] = []
    next_paragraph = 1
    part = 0
    for source in files:
        chapter = parse_chapter(md, source, matcher, next_paragraph, part + 1, errors)
        if chapter is None:
            continue
        if chapter.kind is Kind.ARTICLE:
            part += 1
            next_paragraph += len(chapter.paragraphs)
        chapters.append(chapter)
    return chapters


def _check_order(chapters: list[Chapter], errors: ErrorCollector) -> None:
    """Front matter before the article, back matter after it."""
    rank = {Kind.FRONT: 0, Kind.ARTICLE: 1, Kind.BACK: 2}
    highest = 0
    for chapter in chapters:
        if rank[chapter.kind] < highest:
            errors.add(
                BuildError(
                    SourceRef(chapter.path, 1),
                    f"a {chapter.kind.value} chapter comes after a later part of the book",
                    "number front chapters before the article chapters, back chapters after them",
                    "source.order",
                )
            )
        highest = max(highest, rank[chapter.kind])


def _linking_text(chapters: list[Chapter], terms: list[Term]) -> Iterable[tuple[Path, list[Node]]]:
    for chapter in chapters:
        nodes = [*chapter.body]
        nodes += [node for note in chapter.notes for node in note.nodes]
        nodes += [node for question in chapter.questions for node in question.nodes]
        yield chapter.path, nodes
    for term in terms:
        yield term.path, list(term.definition)


def _check_paragraph_links(
    chapters: list[Chapter], terms: list[Term], errors: ErrorCollector
) -> None:
    """A link to ¶ N needs an article paragraph N."""
    paragraphs = sum(len(chapter.paragraphs) for chapter in chapters)
    for path, nodes in _linking_text(chapters, terms):
        for child, line, _ in walk_inline(nodes):
            number = child.meta.get("paragraph") if child.type == "link_open" else None
            if number is not None and not 1 <= number <= paragraphs:
                written = PARAGRAPH_LINK.fullmatch(child.attrGet("href"))[1]  # as in the file
                errors.add(
                    BuildError(
                        SourceRef(path, line),
                        f"link to paragraph {written}, but the article has {paragraphs}",
                        f"use a paragraph number from 1 to {paragraphs}"
                        if paragraphs
                        else "the book has no article chapters: remove the link",
                        "markdown.paragraph-link",
                    )
                )
