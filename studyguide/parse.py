"""Source files → the document model: front matter, body, notes, questions, glossary links."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from studyguide.config import BookMeta
from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.markdown import (
    QUESTIONS,
    SIGNATURE,
    TERM_SCHEME,
    ParseState,
    TermMatcher,
    make_front_matter_parser,
    number_paragraphs,
)
from studyguide.model import Book, Chapter, Kind, Note, Question, Term, TermLink, TextBlock
from studyguide.sources import (
    ChapterFile,
    GlossaryFile,
    forbidden_character,
    forbidden_character_error,
)

CHAPTER_KEYS = {"title", "kind"}
GLOSSARY_KEYS = {"term", "aliases"}
_UNDEFINED_REF = re.compile(r"\[\^([^\]\s]+)\]")
# libyaml's loader where PyYAML was built with it: the same errors, several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ALLOWED_SCHEMES = ("http://", "https://", "mailto:")


def _front_matter(
    tokens: list[Token], path: Path, example: str, errors: ErrorCollector
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The YAML front matter as a dict, and the line of each top-level key."""
    if not tokens or tokens[0].type != "front_matter":
        errors.add(
            BuildError(
                SourceRef(path, 1),
                "the file does not start with front matter",
                f"begin the file with three lines: ---, {example}, ---",
                "frontmatter.missing",
            )
        )
        return None
    content = tokens[0].content
    try:
        values = _join_surrogates(yaml.load(content, Loader=_YAML_LOADER))
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        opened = getattr(exc, "context_mark", None)
        if opened is not None and "end of stream" in problem:
            # An unclosed quote or bracket: the mistake is where it opens, not at the end.
            mark = opened
        if context:
            problem = f"{context}, {problem}"
        line, column = (mark.line + 2, mark.column + 1) if mark else (2, 0)
        errors.add(
            BuildError(
                SourceRef(path, line, column),
                f"the front matter is not valid YAML: {problem}",
                'write each field as `name: value`; put values with a colon or quote in "…"',
                "frontmatter.yaml",
            )
        )
        return None
    if not isinstance(values, dict):
        errors.add(
            BuildError(
                SourceRef(path, 2),
                "the front matter should be a set of `name: value` fields",
                f"write for example: {example}",
                "frontmatter.shape",
            )
        )
        return None
    lines: dict[str, int] = {}
    for number, line in enumerate(content.splitlines(), start=2):
        found = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if found and found[1] not in lines:
            lines[found[1]] = number
    for key, value in values.items():
        # YAML escapes ("\x07", "\uFFFE") can smuggle in what the file check keeps out.
        for text in (str(key), *_strings_in(value)):
            index = forbidden_character(text)
            if index >= 0:
                errors.add(
                    forbidden_character_error(SourceRef(path, lines.get(str(key), 2)), text, index)
                )
                return None
    return values, lines


def _join_surrogates(value: Any) -> Any:
    """PyYAML reads the escape "\\ud83d\\ude00" as two lone surrogates: make it one character."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
    if isinstance(value, dict):
        return {_join_surrogates(k): _join_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_join_surrogates(item) for item in value]
    return value


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def _check_keys(
    values: dict[str, Any],
    lines: dict[str, int],
    known: set[str],
    path: Path,
    errors: ErrorCollector,
) -> None:
    for key in values:
        if key not in known:
            errors.add(
                BuildError(
                    SourceRef(path, lines.get(str(key), 2)),
                    f"unknown front matter field '{key}'",
                    "the fields here are: " + ", ".join(sorted(known)),
                    "frontmatter.unknown",
                )
            )


def _required_text(
    values: dict[str, Any], key: str, lines: dict[str, int], path: Path, errors: ErrorCollector
) -> str | None:
    value = values.get(key)
    if value is None:
        errors.add(
            BuildError(
                SourceRef(path, lines.get(key, 2)),
                f"the front matter has no '{key}'",
                f'add a line `{key}: "…"` between the --- lines',
                "frontmatter.missing-field",
            )
        )
        return None
    if (
        not isinstance(value, str | int | float)
        or isinstance(value, bool)
        or not str(value).strip()
    ):
        errors.add(
            BuildError(
                SourceRef(path, lines.get(key, 2)),
                f"'{key}' should be a line of text",
                f'write `{key}: "…"`',
                "frontmatter.type",
            )
        )
        return None
    return str(value).strip()


def plain_text(inline: Token) -> str:
    """What a reader sees of an inline token: its text without markup or note calls."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _walk_inline(tokens: list[Token]) -> Iterator[tuple[Token, int, Token]]:
    """Each inline child with its line and its parent inline token."""
    for block in tokens:
        if block.type != "inline":
            continue
        line = block.map[0] + 1 if block.map else 0
        for child in block.children or []:
            yield child, line, block
            if child.type in ("softbreak", "hardbreak"):
                line += 1


def _local_target(source: Path, ref: str) -> tuple[Path, bool]:
    """Where a relative reference in a source file points, and whether that is in the book."""
    book = source.parent.parent.resolve()
    try:
        target = (source.parent / unquote(ref.split("#")[0].split("?")[0])).resolve()
    except (OSError, ValueError):
        return book, False
    return target, target.is_relative_to(book)


def _image_error(src: str, path: Path, line: int) -> BuildError:
    """Images are not supported; say also what else is wrong with this one."""
    why = "the editions carry no images"
    code = "markdown.image"
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//", src) and not src.startswith("data:"):
        why = "it is remote, and the build never fetches anything from the network"
        code = "markdown.remote"
    elif not src.startswith("data:"):
        target, inside = _local_target(path, src)
        if not inside:
            why = "it is outside the book's folder, and the editions carry no images"
        elif not target.is_file():
            why = "there is no such file, and the editions carry no images"
    shown = src if len(src) <= 80 else src[:79] + "…"
    return BuildError(
        SourceRef(path, line),
        f"image '{shown}' is not allowed: {why}",
        "remove the image; describe it in words if it matters",
        code,
    )


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
        "link to a web address (https://…), a glossary entry (term:slug) or "
        "a paragraph of the article (#p-12); the editions carry no other files",
        "markdown.link",
    )


def _check_inline(tokens: list[Token], path: Path, errors: ErrorCollector) -> None:
    """Images, file links, notes inside links and undefined note references are mistakes."""
    link_depth = 0
    for child, line, _ in _walk_inline(tokens):
        if child.type == "image":
            errors.add(_image_error(str(child.attrGet("src") or ""), path, line))
        elif child.type == "link_close":
            link_depth = max(0, link_depth - 1)
        elif child.type == "footnote_ref" and "label" not in child.meta:
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    "inline notes ^[…] are not supported",
                    "write a reference [^id] in the text and the note as a line `[^id]: …`",
                    "notes.inline",
                )
            )
        elif child.type == "footnote_ref" and link_depth:
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    f"footnote reference [^{child.meta['label']}] inside a link",
                    "put the reference after the link: [text](…)[^id]",
                    "notes.in-link",
                )
            )
        elif child.type == "link_open":
            link_depth += 1
            href = str(child.attrGet("href") or "")
            if href.startswith(TERM_SCHEME) or re.fullmatch(r"#p-\d+", href):
                continue
            if not href.startswith(_ALLOWED_SCHEMES):
                errors.add(_link_error(href, path, line))
        elif child.type == "text":
            for found in _UNDEFINED_REF.finditer(child.content):
                errors.add(
                    BuildError(
                        SourceRef(path, line),
                        f"footnote reference [^{found[1]}] has no definition",
                        f"add a line `[^{found[1]}]: …` with the note, or remove the reference",
                        "notes.undefined",
                    )
                )


def _split_chapter(
    tokens: list[Token], path: Path, chapter_number: int, errors: ErrorCollector
) -> tuple[list[Token], dict[str, tuple[list[Token], int]], list[Question], SourceRef | None]:
    """Separate the body from note definitions and the questions block."""
    body: list[Token] = []
    definitions: dict[str, tuple[list[Token], int]] = {}
    questions: list[Question] = []
    questions_at: SourceRef | None = None
    index = 1 if tokens and tokens[0].type == "front_matter" else 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "footnote_reference_open":
            end = _matching_close(tokens, index)
            label = token.meta["label"]
            line = token.map[0] + 1 if token.map else 0
            if label in definitions:
                errors.add(
                    BuildError(
                        SourceRef(path, line),
                        f"footnote [^{label}] is defined twice "
                        f"(first on line {definitions[label][1]})",
                        "give each note its own id, or merge the two notes",
                        "notes.duplicate",
                    )
                )
            else:
                definitions[label] = (tokens[index + 1 : end], line)
            for child, child_line, _ in _walk_inline(tokens[index + 1 : end]):
                if child.type == "footnote_ref":
                    errors.add(
                        BuildError(
                            SourceRef(path, child_line),
                            f"the note [^{label}] refers to another note "
                            f"[^{child.meta.get('label', '…')}]",
                            "a note cannot have notes of its own: write the text into the note, "
                            "or refer to the other note from the chapter's text",
                            "notes.nested",
                        )
                    )
            index = end + 1
            continue
        if token.type == f"container_{QUESTIONS}_open":
            end = _matching_close(tokens, index)
            line = token.map[0] + 1 if token.map else 0
            if questions_at is not None:
                errors.add(
                    BuildError(
                        SourceRef(path, line),
                        "a second questions block",
                        "put all questions in one block "
                        f"(the first is on line {questions_at.line})",
                        "questions.duplicate",
                    )
                )
            questions_at = SourceRef(path, line)
            questions.extend(_questions(tokens[index + 1 : end], path, line, errors))
            index = end + 1
            continue
        if token.type == "heading_open" and token.tag == "h1":
            errors.add(
                BuildError(
                    SourceRef(path, token.map[0] + 1 if token.map else 0),
                    "a level-1 heading (#) in the chapter body",
                    "the chapter title comes from the front matter; use ## for a section heading",
                    "markdown.heading",
                )
            )
        body.append(token)
        index += 1
    return body, definitions, questions, questions_at


def _matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


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
    if tokens[0].type != "ordered_list_open" or _matching_close(tokens, 0) != len(tokens) - 1:
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
        end = _matching_close(tokens, index)
        item = tokens[index]
        questions.append(
            Question(
                tokens[index + 1 : end], SourceRef(path, item.map[0] + 1 if item.map else line)
            )
        )
        index = end + 1
    return questions


def _text_blocks(body: list[Token], path: Path) -> list[TextBlock]:
    """The article's text in a chapter body, block by block, for the fidelity check."""
    blocks: list[TextBlock] = []
    in_signature = False
    for token in body:
        if token.type == f"container_{SIGNATURE}_open":
            in_signature = True
        elif token.type == f"container_{SIGNATURE}_close":
            in_signature = False
        elif token.type == "inline":
            role = "signature" if in_signature else "paragraph"
            blocks.append(
                TextBlock(
                    plain_text(token), SourceRef(path, token.map[0] + 1 if token.map else 0), role
                )
            )
    return blocks


def parse_chapter(
    md: MarkdownIt,
    source: ChapterFile,
    matcher: TermMatcher,
    next_paragraph: int,
    errors: ErrorCollector,
) -> Chapter | None:
    path = source.path
    state = ParseState(source.number, matcher)
    tokens = md.parse(source.text, {"studyguide": state})
    found = _front_matter(tokens, path, 'title: "The chapter\'s title"', errors)
    if found is None:
        return None
    values, lines = found
    _check_keys(values, lines, CHAPTER_KEYS, path, errors)
    title = _required_text(values, "title", lines, path, errors)
    kind_name = values.get("kind", Kind.ARTICLE.value)
    if not isinstance(kind_name, str) or kind_name not in {k.value for k in Kind}:
        errors.add(
            BuildError(
                SourceRef(path, lines.get("kind", 2)),
                f"unknown kind '{kind_name}'",
                "kind is one of: front, article, back",
                "frontmatter.kind",
            )
        )
        return None
    kind = Kind(kind_name)
    if title is None:
        return None

    body, definitions, questions, questions_at = _split_chapter(tokens, path, source.number, errors)
    _check_inline(tokens, path, errors)

    order: list[str] = []
    first_line: dict[str, int] = {}
    in_notes = {id(t) for note_tokens, _ in definitions.values() for t in note_tokens}
    for child, line, block in _walk_inline(tokens):
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
        if label in definitions:
            note_tokens, line = definitions[label]
            notes.append(
                Note(label, len(notes) + 1, note_tokens, SourceRef(path, line), source.number)
            )
    for label, (_, line) in definitions.items():
        if label not in order:
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    f"footnote [^{label}] is defined but never referenced",
                    f"add [^{label}] in the text where the note belongs, or delete the note",
                    "notes.unused",
                )
            )
    for slug, line in state.unknown_links:
        errors.add(_unknown_term(slug, SourceRef(path, line), matcher))

    chapter = Chapter(
        number=source.number,
        slug=source.slug,
        title=title,
        kind=kind,
        path=path,
        body=body,
        notes=notes,
        questions=questions,
        questions_source=questions_at,
        term_links=[
            TermLink(slug, link_id, SourceRef(path, line)) for slug, link_id, line in state.links
        ],
    )
    if kind is Kind.ARTICLE:
        title_ref = SourceRef(path, lines.get("title", 2))
        chapter.text_blocks = [TextBlock(title, title_ref, "title"), *_text_blocks(body, path)]
        chapter.next_paragraph = number_paragraphs(body, next_paragraph)
    return chapter


def _unknown_term(slug: str, where: SourceRef, matcher: TermMatcher) -> BuildError:
    import difflib

    slugs = sorted(set(matcher.slug_of.values()))
    close = difflib.get_close_matches(slug, slugs, n=1)
    hint = (
        f"did you mean term:{close[0]}?"
        if close
        else "add glossary/" + slug + ".md, or fix the link"
    )
    return BuildError(where, f"unknown glossary term '{slug}'", hint, "glossary.unknown")


def parse_term(
    md: MarkdownIt, source: GlossaryFile, state: ParseState, errors: ErrorCollector
) -> Term | None:
    path = source.path
    tokens = md.parse(source.text, {"studyguide": state})
    found = _front_matter(tokens, path, 'term: "COMIBOL"', errors)
    if found is None:
        return None
    values, lines = found
    _check_keys(values, lines, GLOSSARY_KEYS, path, errors)
    term = _required_text(values, "term", lines, path, errors)
    aliases = values.get("aliases", []) or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        errors.add(
            BuildError(
                SourceRef(path, lines.get("aliases", 2)),
                "'aliases' should be a list of names",
                'write `aliases: ["Goni", "Sánchez de Lozada"]`',
                "frontmatter.type",
            )
        )
        aliases = []
    body = tokens[1:]
    if not any(t.type == "inline" and t.content.strip() for t in body):
        errors.add(
            BuildError(
                SourceRef(path, (tokens[0].map[1] + 1) if tokens[0].map else 1),
                "the glossary entry has no definition",
                "write the definition below the front matter",
                "glossary.empty",
            )
        )
    _check_inline(tokens, path, errors)
    for token in tokens:
        found = token.type == "footnote_reference_open" or any(
            child.type == "footnote_ref" for child in token.children or []
        )
        if found:
            errors.add(
                BuildError(
                    SourceRef(path, token.map[0] + 1 if token.map else 1),
                    "a footnote in a glossary entry",
                    "glossary entries have no notes: write the text into the definition",
                    "glossary.note",
                )
            )
            break
    if term is None:
        return None
    return Term(source.slug, term, [a.strip() for a in aliases], body, path)


def _sort_key(term: Term) -> str:
    decomposed = unicodedata.normalize("NFKD", term.term.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def build_book(
    md: MarkdownIt,
    meta: BookMeta | None,
    root: Path,
    chapter_files: list[ChapterFile],
    glossary_files: list[GlossaryFile],
    errors: ErrorCollector,
) -> Book:
    """Parse every source into one Book; mistakes go to `errors`.

    `meta` is None when book.toml has mistakes: the sources are still parsed so that their
    mistakes are reported in the same run, and the caller raises before using the Book.
    """
    names: dict[str, str] = {}
    where: dict[str, Path] = {}
    front = make_front_matter_parser()
    for source in glossary_files:
        # Names are needed before any entry is parsed, for the links between them.
        found = _front_matter(front.parse(source.text, {}), source.path, "", ErrorCollector())
        if found is None:
            continue
        values, lines = found
        aliases = values.get("aliases") or []
        # A wrong shape is reported when the entry itself is parsed.
        candidates = [values.get("term"), *(aliases if isinstance(aliases, list) else [aliases])]
        for name in candidates:
            if not isinstance(name, str) or not name.strip():
                continue
            name = name.strip()
            if name in names and names[name] != source.slug:
                errors.add(
                    BuildError(
                        SourceRef(
                            source.path,
                            lines.get("aliases" if name != values.get("term") else "term", 2),
                        ),
                        f"the glossary name '{name}' is also used by {where[name].name}",
                        "each term and alias may belong to one entry only",
                        "glossary.duplicate",
                    )
                )
                continue
            names[name] = source.slug
            where[name] = source.path
    slugs = {s.slug for s in glossary_files}
    matcher = TermMatcher.build(names)
    explicit_only = TermMatcher({**{n: s for n, s in names.items()}, **{s: s for s in slugs}}, None)

    glossary_state = ParseState(0, explicit_only)
    terms: list[Term] = []
    for source in glossary_files:
        glossary_state.unknown_links.clear()
        term = parse_term(md, source, glossary_state, errors)
        for slug, line in glossary_state.unknown_links:
            errors.add(_unknown_term(slug, SourceRef(source.path, line), explicit_only))
        if term is not None:
            terms.append(term)

    chapters: list[Chapter] = []
    next_paragraph = 1
    part = 0
    for source in chapter_files:
        chapter = parse_chapter(md, source, _with_slugs(matcher, slugs), next_paragraph, errors)
        if chapter is None:
            continue
        if chapter.kind is Kind.ARTICLE:
            part += 1
            chapter.part_number = part
            next_paragraph = chapter.next_paragraph
        chapters.append(chapter)
    _check_order(chapters, errors)
    paragraphs = next_paragraph - 1
    linking: list[tuple[Path, list[Token]]] = [
        (
            chapter.path,
            [
                *chapter.body,
                *(t for n in chapter.notes for t in n.tokens),
                *(t for q in chapter.questions for t in q.tokens),
            ],
        )
        for chapter in chapters
    ]
    linking += [(term.path, term.definition) for term in terms]
    for path, tokens in linking:
        for child, line, _ in _walk_inline(tokens):
            if child.type == "link_open":
                found_p = re.fullmatch(r"#p-(\d+)", str(child.attrGet("href") or ""))
                if found_p and not 1 <= int(found_p[1]) <= paragraphs:
                    errors.add(
                        BuildError(
                            SourceRef(path, line),
                            f"link to paragraph {found_p[1]}, but the article has {paragraphs}",
                            f"use a paragraph number from 1 to {paragraphs}"
                            if paragraphs
                            else "the book has no article chapters: remove the link",
                            "markdown.paragraph-link",
                        )
                    )
    return Book(meta, root, chapters, sorted(terms, key=_sort_key))  # type: ignore[arg-type]


def _with_slugs(matcher: TermMatcher, slugs: set[str]) -> TermMatcher:
    """The matcher, knowing every slug, so explicit `term:slug` links resolve."""
    known = dict(matcher.slug_of)
    for slug in slugs:
        known.setdefault("\0" + slug, slug)
    return TermMatcher(known, matcher.pattern)


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
