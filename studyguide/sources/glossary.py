"""Glossary files → the names the text is matched against, and the model's Terms."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from studyguide.errors import BuildError, ErrorCollector, SourceRef
from studyguide.model import Citation, Term
from studyguide.sources.characters import MAX_TITLE, too_long_error
from studyguide.sources.files import GlossaryFile
from studyguide.sources.frontmatter import check_keys, read_front_matter, required_text
from studyguide.sources.inline import check_inline, check_nesting, unknown_term
from studyguide.sources.markdown import ParseState, TermMatcher, make_front_matter_parser
from studyguide.sources.nodes import freeze_all
from studyguide.sources.references import alphabetical

GLOSSARY_KEYS = {"term", "aliases", "sort"}


def glossary_names(glossary_files: list[GlossaryFile], errors: ErrorCollector) -> dict[str, str]:
    """Every term and alias → its entry's slug, read from the front matter alone: the names
    are needed before any text is parsed. A name given to two entries is a mistake."""
    names: dict[str, str] = {}
    where: dict[str, Path] = {}
    front = make_front_matter_parser()
    for source in glossary_files:
        # A wrong shape is reported when the entry itself is parsed.
        found = read_front_matter(front.parse(source.text, {}), source.path, "", ErrorCollector())
        if found is None:
            continue
        values = found.values
        aliases = values.get("aliases") or []
        candidates = [values.get("term"), *(aliases if isinstance(aliases, list) else [aliases])]
        for name in candidates:
            if not isinstance(name, str) or not name.strip():
                continue
            name = name.strip()
            if name in names and names[name] != source.slug:
                key = "aliases" if name != values.get("term") else "term"
                errors.add(
                    BuildError(
                        found.at(key),
                        f"the glossary name '{name}' is also used by {where[name].name}",
                        "each term and alias may belong to one entry only",
                        "glossary.duplicate",
                    )
                )
                continue
            names[name] = source.slug
            where[name] = source.path
    return names


def _aliases(values: dict, at: SourceRef, errors: ErrorCollector) -> tuple[str, ...]:
    aliases = values.get("aliases", []) or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        errors.add(
            BuildError(
                at,
                "'aliases' should be a list of names",
                'write `aliases: ["Goni", "Sánchez de Lozada"]`',
                "frontmatter.type",
            )
        )
        return ()
    for alias in aliases:
        if len(alias.strip()) > MAX_TITLE:
            errors.add(too_long_error(at, "an alias", len(alias.strip())))
            return ()
    return tuple(a.strip() for a in aliases)


def parse_term(
    md: MarkdownIt, source: GlossaryFile, state: ParseState, errors: ErrorCollector
) -> Term | None:
    path = source.path
    tokens = md.parse(source.text, {"studyguide": state})
    front = read_front_matter(tokens, path, 'term: "COMIBOL"', errors)
    if front is None:
        return None
    check_keys(front, GLOSSARY_KEYS, errors)
    term = required_text(front, "term", errors)
    aliases = _aliases(front.values, front.at("aliases"), errors)
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
    check_nesting(tokens, path, errors)
    check_inline(tokens, path, errors, state.undefined_notes)
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
    sort = front.values.get("sort", "")
    if "sort" in front.values and (not isinstance(sort, str) or not sort.strip()):
        errors.add(
            BuildError(
                front.at("sort"),
                "'sort' should be a line of text: how the entry sorts",
                'write for a person `sort: "Morales, Evo"` (surname first)',
                "frontmatter.type",
            )
        )
        sort = ""
    if term is None:
        return None
    citations = tuple(Citation(key, SourceRef(path, line)) for key, line in state.citations)
    return Term(source.slug, term, aliases, freeze_all(body), path, sort.strip(), citations)


def parse_glossary(
    md: MarkdownIt,
    glossary_files: list[GlossaryFile],
    errors: ErrorCollector,
) -> list[Term]:
    """The entries, sorted for display; links between entries are explicit only."""
    explicit_only = TermMatcher({}, None, frozenset(s.slug for s in glossary_files))
    state = ParseState(0, explicit_only)
    terms: list[Term] = []
    for source in glossary_files:
        state.unknown_links.clear()
        state.citations.clear()
        state.undefined_notes.clear()
        state.figure_prefix = source.slug
        term = parse_term(md, source, state, errors)
        for slug, line in state.unknown_links:
            errors.add(unknown_term(slug, SourceRef(source.path, line), explicit_only))
        if term is not None:
            terms.append(term)
    return sorted(terms, key=sort_key)


def sort_key(term: Term) -> str:
    """Alphabetical, accents and case aside; people by surname (their `sort:` field)."""
    return alphabetical(term.sort or term.term)
