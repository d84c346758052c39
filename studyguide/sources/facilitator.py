"""The facilitator's companion: facilitator/NN-slug.md, one file a chapter, read and checked
against the book (its chapters, questions, paragraphs, glossary and sources).

A file may begin with front matter (`meeting: 2`: chapters that share a meeting are discussed
together); then a `::: plan` block (a list of activities, each beginning with its minutes:
`- 10 min: Recall …`), a `::: question N` block of pointers for each discussion question N,
and anything else the facilitator needs, in Markdown.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from studyguide.companion import Activity, Companion, FacilitatorPart
from studyguide.errors import BuildError, ErrorCollector, SourceRef, counted
from studyguide.model import Book, Chapter, Citation
from studyguide.sources.chapters import matching_close
from studyguide.sources.files import FACILITATOR_DIR, SourceFile, read_facilitator_files
from studyguide.sources.frontmatter import check_keys, read_front_matter
from studyguide.sources.inline import check_inline, check_nesting, unknown_term
from studyguide.sources.markdown import ParseState, TermMatcher, make_parser
from studyguide.sources.nodes import freeze_all, plain_text
from studyguide.sources.paragraphs import Paragraphs
from studyguide.sources.references import check_citations

PLAN = "plan"
QUESTION = "question"
KEYS = {"meeting"}
# An activity begins with its minutes: "10 min: …", "10 min – …", "10 minutes …".
MINUTES = re.compile(r"\s*(\d{1,3})\s*min(?:ute)?s?\b\s*[:.–—-]?\s*")


def _parser() -> MarkdownIt:
    return make_parser().use(container_plugin, PLAN).use(container_plugin, QUESTION)


def load_companion(book: Book) -> Companion:
    """The book's facilitator/ folder read and checked; every mistake raised together."""
    errors = ErrorCollector()
    files = read_facilitator_files(book.root, errors)
    md = _parser()
    matcher = TermMatcher.build({}, (term.slug for term in book.glossary))
    texts = [text.id for text in book.meta.texts]
    paragraphs = Paragraphs.of(book.meta, texts, book.chapters)
    chapters = {chapter.path.name: chapter for chapter in book.chapters}
    parts: list[FacilitatorPart] = []
    for source in files:
        chapter = chapters.get(source.path.name)
        if chapter is None:
            errors.add(_no_chapter(source.path, sorted(chapters)))
            continue
        part = _parse(md, source, chapter, matcher, errors)
        if part is None:
            continue
        own = chapter.text or (texts[0] if texts else "")
        for nodes in (part.notes, *part.pointers.values(), *(a.nodes for a in part.plan)):
            paragraphs.check(nodes, source.path, own, errors)
        parts.append(part)
    check_citations([c for part in parts for c in part.citations], list(book.references), errors)
    errors.raise_if_any()
    return Companion(tuple(_meetings(parts)))


def _meetings(parts: list[FacilitatorPart]) -> list[FacilitatorPart]:
    """Each part with its meeting: one given, or the meeting after the last one given."""
    out, last = [], 0
    for part in parts:
        meeting = part.meeting or last + 1
        last = max(last, meeting)
        out.append(replace(part, meeting=meeting))
    return out


def _no_chapter(path: Path, names: list[str]) -> BuildError:
    close = difflib.get_close_matches(path.name, names, n=1)
    return BuildError(
        SourceRef(path, 1),
        f"the facilitator's file {FACILITATOR_DIR}/{path.name} is for no chapter: there is "
        f"no chapters/{path.name}",
        f"name it as its chapter is: {close[0]}"
        if close
        else "name each facilitator's file as the chapter it is for",
        "facilitator.chapter",
    )


def _meeting(tokens: list[Token], path: Path, errors: ErrorCollector) -> int | None:
    """The `meeting:` of the front matter, if any (0: not given); None if it is wrong."""
    if not tokens or tokens[0].type != "front_matter":
        return 0
    front = read_front_matter(tokens, path, "meeting: 1", errors)
    if front is None:
        return None
    check_keys(front, KEYS, errors)
    value = front.values.get("meeting", 0)
    if "meeting" in front.values and (type(value) is not int or value < 1):
        errors.add(
            BuildError(
                front.at("meeting"),
                f"'meeting' should be a whole number from 1 on, not '{value}'",
                "write `meeting: 2`: chapters with the same number are discussed together",
                "frontmatter.type",
            )
        )
        return None
    return int(value)


def _parse(
    md: MarkdownIt,
    source: SourceFile,
    chapter: Chapter,
    matcher: TermMatcher,
    errors: ErrorCollector,
) -> FacilitatorPart | None:
    path = source.path
    state = ParseState(chapter.number, matcher)
    tokens = md.parse(source.text, {"studyguide": state})
    meeting = _meeting(tokens, path, errors)
    check_nesting(tokens, path, errors)
    check_inline(tokens, path, errors, state.undefined_notes)
    for slug, line in state.unknown_links:
        errors.add(unknown_term(slug, SourceRef(path, line), matcher))
    plan: list[Activity] = []
    pointers: dict[int, tuple] = {}
    notes: list[Token] = []
    index = 1 if tokens and tokens[0].type == "front_matter" else 0
    while index < len(tokens):
        token = tokens[index]
        end = matching_close(tokens, index) if token.nesting == 1 else index
        line = token.map[0] + 1 if token.map else 0
        inner = tokens[index + 1 : end]
        if token.type == f"container_{PLAN}_open":
            plan += _plan(inner, SourceRef(path, line), errors)
        elif token.type == f"container_{QUESTION}_open":
            number = _question(token, chapter, pointers, SourceRef(path, line), errors)
            if number:
                pointers[number] = freeze_all(inner)
        elif token.type == "footnote_reference_open" or _has_note(token):
            errors.add(
                BuildError(
                    SourceRef(path, line),
                    "a note in a facilitator's file",
                    "write it into the text: the companion has no notes of its own",
                    "facilitator.note",
                )
            )
        else:
            notes += tokens[index : end + 1]
        index = end + 1
    if meeting is None:
        return None
    citations = tuple(Citation(key, SourceRef(path, line)) for key, line in state.citations)
    return FacilitatorPart(
        chapter.number, path, meeting, tuple(plan), pointers, freeze_all(notes), citations
    )


def _has_note(token: Token) -> bool:
    return any(child.type == "footnote_ref" for child in token.children or ())


def _plan(tokens: list[Token], where: SourceRef, errors: ErrorCollector) -> list[Activity]:
    """A plan's activities: a list, each item beginning with its minutes."""
    level = tokens[0].level + 1 if tokens else 0
    items = [i for i, t in enumerate(tokens) if t.type == "list_item_open" and t.level == level]
    if not tokens or tokens[0].type not in ("bullet_list_open", "ordered_list_open") or not items:
        errors.add(
            BuildError(
                where,
                "a plan should be a list of activities, each beginning with its minutes",
                "write the plan as a list: `- 10 min: Recall the last meeting`",
                "facilitator.plan",
            )
        )
        return []
    activities = []
    for index in items:
        item = tokens[index]
        line = item.map[0] + 1 if item.map else where.line
        body = tokens[index + 1 : matching_close(tokens, index)]
        inline = next((t for t in body if t.type == "inline"), None)
        first = inline.children[0] if inline is not None and inline.children else None
        found = MINUTES.match(first.content) if first is not None and first.type == "text" else None
        if found is None or int(found[1]) == 0:
            errors.add(
                BuildError(
                    SourceRef(where.path, line),
                    "an activity of the plan does not begin with its minutes",
                    "begin it with a number of minutes: `- 15 min: The background notes`",
                    "facilitator.plan",
                )
            )
            continue
        assert first is not None
        first.content = first.content[found.end() :]
        activities.append(Activity(int(found[1]), freeze_all(body), SourceRef(where.path, line)))
    return activities


def _question(
    token: Token,
    chapter: Chapter,
    pointers: dict[int, tuple],
    where: SourceRef,
    errors: ErrorCollector,
) -> int | None:
    """The number of the question a `::: question N` block is for, if it is one."""
    argument = token.info.strip()[len(QUESTION) :].strip()
    count = len(chapter.questions)
    number = int(argument) if argument.isdigit() else 0
    if number in pointers:
        message = f"a second block of pointers for question {number}"
        hint = "put all the pointers for a question in one `::: question N` block"
    elif 1 <= number <= count:
        return number
    elif not argument.isdigit():
        message = f"'::: {token.info.strip()}' does not say which question it is for"
        hint = "write `::: question 3` for the chapter's third discussion question"
    else:
        message = (
            f"pointers for question {number}, but the chapter has {counted(count, 'question')}"
        )
        hint = f"number the blocks from 1 to {count}, as chapters/{chapter.path.name} does"
    errors.add(BuildError(where, message, hint, "facilitator.question"))
    return None


def companion_sentences(book: Book) -> list[str]:
    """Every sentence of the facilitator's files as a reader sees it, of more than 20
    characters (for the test that no members' edition holds one)."""
    sentences: list[str] = []
    for part in load_companion(book).parts:
        for nodes in (part.notes, *part.pointers.values(), *(a.nodes for a in part.plan)):
            for block in nodes:
                if block.type != "inline":
                    continue
                text = " ".join(plain_text(block).split())
                sentences += [s for s in re.split(r"(?<=[.?!])\s+", text) if len(s) > 20]
    return sentences
