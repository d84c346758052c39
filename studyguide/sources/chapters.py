"""A chapter file → a model Chapter: its body, notes, questions, glossary links, article text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.model import Chapter, Citation, Kind, Note, Question, TermLink, TextBlock
from studyguide.sources.chapterfields import (
    CHAPTER_KEYS,
    chapter_kind,
    chapter_short_title,
    chapter_text,
)
from studyguide.sources.files import ChapterFile
from studyguide.sources.frontmatter import (
    check_keys,
    read_front_matter,
    required_text,
)
from studyguide.sources.inline import check_inline, check_nesting, unknown_term
from studyguide.sources.markdown import QUESTIONS, ParseState, TermMatcher
from studyguide.sources.nodes import freeze_all, freeze_numbered, walk_inline
from studyguide.sources.textblocks import SPLIT, is_split, split_outside_text, text_blocks


@dataclass
class _Parts:
    """A chapter's tokens sorted out: the body, the note definitions and the questions."""

    body: list[Token]
    definitions: dict[str, tuple[list[Token], int]]  # label → (tokens, line)
    questions: list[Question]
    questions_at: SourceRef | None
    continued: set[int]  # ids of the paragraph_open tokens that continue a split paragraph


def matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _definition(tokens: list[Token], index: int, parts: _Parts, path: Path) -> list[BuildError]:
    """Record the note definition that opens at `index`; the mistakes in it."""
    end = matching_close(tokens, index)
    token = tokens[index]
    label = token.meta["label"]
    line = token.map[0] + 1 if token.map else 0
    found: list[BuildError] = []
    if label in parts.definitions:
        found.append(
            BuildError(
                SourceRef(path, line),
                f"footnote [^{label}] is defined twice "
                f"(first on line {parts.definitions[label][1]})",
                "give each note its own id, or merge the two notes",
                "notes.duplicate",
            )
        )
    else:
        parts.definitions[label] = (tokens[index + 1 : end], line)
    for inner in tokens[index + 1 : end]:
        if inner.type == "footnote_reference_open":
            # Indented under another note's text, a definition becomes part of that note.
            inner_line = inner.map[0] + 1 if inner.map else line
            parts.definitions.setdefault(inner.meta["label"], ([], inner_line))
            found.append(
                BuildError(
                    SourceRef(path, inner_line),
                    f"the note [^{label}] holds the definition of another note "
                    f"[^{inner.meta['label']}]",
                    "start each note's definition at the left margin, after a blank line",
                    "notes.nested",
                )
            )
    for child, child_line, _ in walk_inline(tokens[index + 1 : end]):
        if child.type == "footnote_ref":
            found.append(
                BuildError(
                    SourceRef(path, child_line),
                    f"the note [^{label}] refers to another note [^{child.meta.get('label', '…')}]",
                    "a note cannot have notes of its own: write the text into the note, "
                    "or refer to the other note from the chapter's text",
                    "notes.nested",
                )
            )
    return found


def _take_definitions(
    tokens: list[Token], parts: _Parts, path: Path, errors: ErrorCollector
) -> list[Token]:
    """`tokens` without the note definitions in them, which are recorded in `parts`."""
    kept: list[Token] = []
    index = 0
    while index < len(tokens):
        if tokens[index].type == "footnote_reference_open":
            for error in _definition(tokens, index, parts, path):
                errors.add(error)
            index = matching_close(tokens, index) + 1
            continue
        kept.append(tokens[index])
        index += 1
    return kept


def _split_marker(
    tokens: list[Token], index: int, parts: _Parts, where: SourceRef
) -> BuildError | None:
    """A split marker joins the paragraphs before and after it into one of the text's."""
    if not parts.body or parts.body[-1].type != "paragraph_close":
        side = "before"
    elif index + 3 < len(tokens) and tokens[index + 3].type == "paragraph_open":
        parts.continued.add(id(tokens[index + 3]))
        return None
    else:
        side = "after"
    return BuildError(
        where,
        f"a split marker ({SPLIT}) with no paragraph {side} it",
        f"put {SPLIT} on a line of its own between the two parts of a paragraph",
        "fidelity.split",
    )


def _split(tokens: list[Token], path: Path, errors: ErrorCollector) -> _Parts:
    """Separate the body from note definitions and the questions block."""
    parts = _Parts([], {}, [], None, set())
    index = 1 if tokens and tokens[0].type == "front_matter" else 0
    while index < len(tokens):
        token = tokens[index]
        line = token.map[0] + 1 if token.map else 0
        if token.type == "footnote_reference_open":
            for error in _definition(tokens, index, parts, path):
                errors.add(error)
            index = matching_close(tokens, index) + 1
            continue
        if token.type == f"container_{QUESTIONS}_open":
            end = matching_close(tokens, index)
            if parts.questions_at is not None:
                errors.add(
                    BuildError(
                        SourceRef(path, line),
                        "a second questions block",
                        "put all questions in one block "
                        f"(the first is on line {parts.questions_at.line})",
                        "questions.duplicate",
                    )
                )
            parts.questions_at = SourceRef(path, line)
            # A note may be defined anywhere in the file, the questions block too.
            inner = _take_definitions(tokens[index + 1 : end], parts, path, errors)
            parts.questions.extend(_questions(inner, path, line, errors))
            index = end + 1
            continue
        if is_split(tokens, index):
            error = _split_marker(tokens, index, parts, SourceRef(path, line))
            if error:
                errors.add(error)
            index += 3
            continue
        if token.type == "heading_open" and token.tag == "h1":
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    "a level-1 heading (#) in the chapter body",
                    "the chapter title comes from the front matter; use ## for a section heading",
                    "markdown.heading",
                )
            )
        parts.body.append(token)
        index += 1
    return parts


def _questions(
    tokens: list[Token], path: Path, line: int, errors: ErrorCollector
) -> list[Question]:
    if not tokens:
        errors.add(
            BuildError(
                SourceRef(path, line),
                "the questions block is empty",
                "write the questions as a numbered list: 1. …",
                "questions.empty",
            )
        )
        return []
    if tokens[0].type != "ordered_list_open" or matching_close(tokens, 0) != len(tokens) - 1:
        errors.add(
            BuildError(
                SourceRef(path, line),
                "the questions block must hold one numbered list and nothing else",
                "write each question as a list item: 1. …, 2. …",
                "questions.shape",
            )
        )
        return []
    questions: list[Question] = []
    index = 1
    while index < len(tokens) - 1:
        end = matching_close(tokens, index)
        item = tokens[index]
        where = SourceRef(path, item.map[0] + 1 if item.map else line)
        questions.append(Question(freeze_all(tokens[index + 1 : end]), where))
        index = end + 1
    return questions


def _notes(
    tokens: list[Token], parts: _Parts, path: Path, chapter: int, errors: ErrorCollector
) -> tuple[Note, ...]:
    """The chapter's notes in the order of their calls; calls and definitions checked."""
    order: list[str] = []
    first_line: dict[str, int] = {}
    in_notes = {id(t) for note_tokens, _ in parts.definitions.values() for t in note_tokens}
    for child, line, block in walk_inline(tokens):
        label = child.meta.get("label") if child.type == "footnote_ref" else None
        if label is None:
            continue
        if label not in order:
            order.append(label)
        if id(block) in in_notes:
            continue  # reported as a nested note
        if label in first_line:
            # Each call carries the note's id and, in print, the note itself.
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    f"footnote [^{label}] is referenced a second time "
                    f"(first on line {first_line[label]})",
                    "a note has one reference: refer to it again in words, or write a second note",
                    "notes.twice",
                )
            )
        else:
            first_line[label] = line
    notes: list[Note] = []
    for label in order:
        if label not in parts.definitions:  # the parser saw a definition that is nowhere
            errors.add(
                BuildError(
                    SourceRef(path, first_line.get(label, 0)),
                    f"footnote reference [^{label}] has no definition",
                    f"add a line `[^{label}]: …` with the note, or remove the reference",
                    "notes.undefined",
                )
            )
            continue
        note_tokens, line = parts.definitions[label]
        where = SourceRef(path, line)
        notes.append(Note(label, len(notes) + 1, freeze_all(note_tokens), where, chapter))
    for label, (_, line) in parts.definitions.items():
        if label not in order:
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    f"footnote [^{label}] is defined but never referenced",
                    f"add [^{label}] in the text where the note belongs, or delete the note",
                    "notes.unused",
                )
            )
    return tuple(notes)


# The text's id → (the number of its first paragraph in this chapter, the chapter's part).
Numbering = Callable[[str], tuple[int, int]]


def _links_and_citations(
    state: ParseState, path: Path, matcher: TermMatcher, errors: ErrorCollector
) -> tuple[tuple[TermLink, ...], tuple[Citation, ...]]:
    """The chapter's glossary links (each unknown term reported) and its citations."""
    for slug, line in state.unknown_links:
        errors.add(unknown_term(slug, SourceRef(path, line), matcher))
    links = tuple(
        TermLink(slug, link_id, SourceRef(path, line), form)
        for slug, link_id, line, form in state.links
    )
    citations = tuple(Citation(key, SourceRef(path, line)) for key, line in state.citations)
    return links, citations


def parse_chapter(
    md: MarkdownIt,
    source: ChapterFile,
    matcher: TermMatcher,
    texts: list[str] | None,
    numbering: Numbering,
    errors: ErrorCollector,
) -> Chapter | None:
    """The chapter; an article chapter's paragraphs are numbered as `numbering` says."""
    path = source.path
    state = ParseState(source.number, matcher)
    tokens = md.parse(source.text, {"studyguide": state})
    front = read_front_matter(tokens, path, 'title: "The chapter\'s title"', errors)
    if front is None:
        return None
    check_keys(front, CHAPTER_KEYS, errors)
    title = required_text(front, "title", errors)
    short_title = chapter_short_title(front, errors)
    kind = chapter_kind(front, errors)
    text = chapter_text(front, texts, errors) if kind is Kind.ARTICLE else ""
    if kind is None or title is None or text is None:
        return None

    parts = _split(tokens, path, errors)
    check_nesting(tokens, path, errors)
    check_inline(tokens, path, errors, state.undefined_notes)
    notes = _notes(tokens, parts, path, source.number, errors)
    links, citations = _links_and_citations(state, path, matcher, errors)
    if kind is not Kind.ARTICLE:
        if parts.continued:
            errors.add(split_outside_text(path, parts))
        body, numbers, blocks, part_number = freeze_all(parts.body), (), (), 0
    else:
        _no_citations_in_the_text(parts.body, path, errors)
        first_paragraph, part_number = numbering(text)
        body, numbers = freeze_numbered(parts.body, first_paragraph)
        title_block = TextBlock(title, front.at("title"), "title")
        blocks = (title_block, *text_blocks(parts.body, path, parts.continued))
    return Chapter(
        number=source.number,
        slug=source.slug,
        title=title,
        short_title=short_title,
        kind=kind,
        path=path,
        body=body,
        notes=notes,
        questions=tuple(parts.questions),
        questions_source=parts.questions_at,
        text_blocks=tuple(blocks),
        term_links=links,
        part_number=part_number,
        paragraphs=numbers,
        text=text,
        citations=citations,
    )


def _no_citations_in_the_text(body: list[Token], path: Path, errors: ErrorCollector) -> None:
    """A citation belongs in a note: in the text's own words it would pass for the text's."""
    for child, line, _ in walk_inline(body):
        if child.type == "citation":
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    f"a citation {child.content} in the text's own words",
                    "cite sources in a note ([^id]: … [@key]), not in the text itself",
                    "references.in-text",
                )
            )
