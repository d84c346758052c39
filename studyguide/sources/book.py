"""The whole book from its folder: every source read, parsed and checked, or every mistake."""

from __future__ import annotations

import collections
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt

from studyguide.errors import BuildError, BuildErrors, ErrorCollector, SourceRef
from studyguide.labels import Labels, base_table
from studyguide.labels.grammar import TermForms
from studyguide.model import Book, BookMeta, Chapter, Citation, Kind, Node, Term
from studyguide.sources.chapters import parse_chapter
from studyguide.sources.checks import check_fidelity
from studyguide.sources.figures import check_figure_links, collect_figures
from studyguide.sources.files import (
    METADATA_FILE,
    ChapterFile,
    read_chapter_files,
    read_glossary_files,
)
from studyguide.sources.glossary import glossary_names, parse_glossary
from studyguide.sources.labelfile import load_labels
from studyguide.sources.markdown import TermMatcher, make_parser
from studyguide.sources.meta import load_meta
from studyguide.sources.paragraphs import Paragraphs
from studyguide.sources.references import check_citations, load_references
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
    labels = load_labels(root, meta, errors)
    chapter_files = read_chapter_files(root, errors)
    glossary_files = read_glossary_files(root, errors)
    md = make_parser()
    names = glossary_names(glossary_files, errors)
    terms = parse_glossary(md, glossary_files, errors)
    texts = [text.id for text in meta.texts] if meta else None  # None: book.toml is wrong
    matcher = TermMatcher.build(names, (s.slug for s in glossary_files), _forms(labels, meta))
    chapters = _parse_chapters(md, chapter_files, matcher, texts, errors)
    _check_order(chapters, errors)
    if meta:
        _check_texts(meta, chapters, errors)
    _check_paragraph_links(meta, chapters, terms, texts or [], errors)
    references = load_references(root, labels, errors)
    check_citations(citations(chapters, terms), references, errors)
    figures, images = collect_figures(root, chapters, terms, errors)
    check_figure_links(_linking_nodes(chapters, terms), {figure.key for figure in figures}, errors)
    errors.raise_if_any()
    assert meta is not None  # else an error was raised
    book = Book(
        meta, root, tuple(chapters), tuple(terms), tuple(references), labels, figures, images
    )
    check_fidelity(book)
    return book


def _forms(labels: Labels, meta: BookMeta | None) -> TermForms:
    """The forms glossary names are linked in: the book's language's, after an elided word
    of any of its texts' languages too ("l’Assemblée" in the French text of an English book)."""
    forms = labels.term_forms
    others = [base_table(t.language).forms for t in (meta.texts if meta else ()) if t.language]
    elisions = [*forms.elisions, *(e for other in others if other for e in other.elisions)]
    return replace(forms, elisions=tuple(dict.fromkeys(elisions)))


def citations(chapters: Iterable[Chapter], terms: Iterable[Term]) -> list[Citation]:
    """Every citation of the book, in the order of the sources."""
    return [c for source in (*chapters, *terms) for c in source.citations]


def _parse_chapters(
    md: MarkdownIt,
    files: list[ChapterFile],
    matcher: TermMatcher,
    texts: list[str] | None,
    errors: ErrorCollector,
) -> list[Chapter]:
    """The chapters in order; each text's paragraphs and parts numbered across its chapters,
    from 1. (`texts` is None when book.toml has mistakes: any text is taken.)"""
    chapters: list[Chapter] = []
    paragraphs: dict[str, int] = collections.defaultdict(int)
    parts: dict[str, int] = collections.defaultdict(int)

    def numbering(text: str) -> tuple[int, int]:
        return paragraphs[text] + 1, parts[text] + 1

    for source in files:
        chapter = parse_chapter(md, source, matcher, texts, numbering, errors)
        if chapter is None:
            continue
        if chapter.kind is Kind.ARTICLE:
            parts[chapter.text] += 1
            paragraphs[chapter.text] += len(chapter.paragraphs)
        chapters.append(chapter)
    return chapters


def _check_texts(meta: BookMeta, chapters: list[Chapter], errors: ErrorCollector) -> None:
    """Every text has chapters, once the book has any: a text left without is a mistake (the
    placeholder `new` writes, forgotten by an import into another text). A book whose text
    is not imported yet builds (`check` warns of the placeholder: authoring/scaffold.py)."""
    held = {chapter.text for chapter in chapters if chapter.kind is Kind.ARTICLE}
    if not held:
        return
    for text in meta.texts:
        if text.id not in held:
            errors.add(
                BuildError(
                    SourceRef(meta.path, text.line),
                    f"the text '{text.id}' has no chapters",
                    f"import it (`studyguide import FILE --text {text.id}`), or remove its "
                    "[[texts]] table",
                    "texts.no-chapters",
                )
            )


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


def _linking_nodes(chapters: list[Chapter], terms: list[Term]) -> list[tuple[Path, list[Node]]]:
    """Each source's Markdown that may hold links: its body, notes, questions, definitions."""
    linking = []
    for chapter in chapters:
        nodes = [*chapter.body]
        nodes += [node for note in chapter.notes for node in note.nodes]
        nodes += [node for question in chapter.questions for node in question.nodes]
        linking.append((chapter.path, nodes))
    linking += [(term.path, list(term.definition)) for term in terms]
    return linking


def _check_paragraph_links(
    meta: BookMeta | None,
    chapters: list[Chapter],
    terms: list[Term],
    texts: list[str],
    errors: ErrorCollector,
) -> None:
    """A link to ¶ N, or a reference [¶ N], needs a paragraph N in the text it points into;
    a reference in the text's own words is a mistake."""
    paragraphs = Paragraphs.of(meta, texts, chapters)
    first = texts[0] if texts else ""
    for chapter in chapters:
        own = chapter.text or first
        paragraphs.check(chapter.body, chapter.path, own, errors, chapter.kind is Kind.ARTICLE)
        for note in chapter.notes:
            paragraphs.check(note.nodes, chapter.path, own, errors)
        for question in chapter.questions:
            paragraphs.check(question.nodes, chapter.path, own, errors)
    for term in terms:
        paragraphs.check(term.definition, term.path, first, errors)
