"""Property-based tests: any chapter or glossary entry gives well-formed XHTML or our error.

The many examples run in-process at the layout level (sources → model → XHTML documents,
each parsed as XML); a few run the real command line and EPUBCheck.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from studyguide.errors import BuildError, BuildErrors
from studyguide.layout.book import print_html
from studyguide.model import Medium
from studyguide.options import Options
from studyguide.render.documents import render_epub_documents, render_navigation
from studyguide.render.typeface import check_book
from studyguide.render.views import render_book
from studyguide.sources.book import load_book
from support import epub_xhtml, epubcheck, make_book

XHTML = "http://www.w3.org/1999/xhtml"
NOTE_IDS = ["a", "b", "note-1", "x_y"]
TERMS = {"comibol": "COMIBOL", "mas": "MAS", "co-operative": "co-operative miners"}

# Text a writer might type, plus what a careless paste brings: HTML, entities, escapes,
# right-to-left marks, combining characters, astral characters, control characters.
nasty = st.sampled_from(
    [
        "<b>",
        "</i>",
        "<div>",
        "<script>alert(1)</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "&",
        "&amp;",
        "&nbsp;",
        "&#0;",
        "&#x7;",
        "&#xFFFE;",
        "&bogus;",
        '"',
        "'",
        "\\",
        "\\*",
        "\u00a0",
        "\u200b",
        "\u202e",
        "e\u0301",
        "\U0001f4a3",
        "\ufffd",
        "\t",
        "[",
        "]",
        "(",
        ")",
        "*",
        "_",
        "`",
        "^",
        "|",
        "~~~",
        "COMIBOL",
        "MAS",
        "co-operative miners",
    ]
)
# Any character a file may hold (controls and non-characters are fuzzed on their own).
words = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from(" \t"),
    max_size=12,
)
control = st.characters(
    codec="utf-8", categories=("Cc",), exclude_characters="\t\n\r"
) | st.sampled_from(["\ufffe", "\uffff", "\ufdd0", "\U0001fffe"])


def _inline(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        children.map(lambda t: f"*{t}*"),
        children.map(lambda t: f"**{t}**"),
        children.map(lambda t: f"_{t}_"),
        children.map(lambda t: f"`{t}`"),
        children.map(lambda t: f"[{t}](https://example.org/{len(t)})"),
        children.map(lambda t: f"[{t}](term:comibol)"),
        # <…> may be an autolink to any scheme, which the build refuses: a mistake.
        children.map(lambda t: f"<{t}>"),
    )


inline_piece = st.recursive(st.one_of(words, nasty), _inline, max_leaves=6)
note_ref = st.sampled_from(NOTE_IDS).map(lambda i: f"[^{i}]")
line = st.lists(st.one_of(inline_piece, note_ref), min_size=1, max_size=8).map("".join)
long_line = st.integers(2_000, 20_000).map(lambda n: ("COMIBOL and the MAS " * n)[:n])


def _item(marker: str, lines: list[str]) -> list[str]:
    """A list item: its continuation lines indented to the width of the marker."""
    pad = " " * len(marker)
    return [marker + lines[0], *[pad + x if x else x for x in lines[1:]]]


def _nest(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    """Blocks holding blocks: list items (nested lists), quotations."""
    marker = st.sampled_from(["- ", "* ", "1. ", "3) ", "10. "])
    return st.one_of(
        st.tuples(marker, st.lists(children, min_size=1, max_size=3)).map(
            lambda p: [x for item in p[1] for x in _item(p[0], item)]
        ),
        children.map(lambda lines: ["> " + x if x else ">" for x in lines]),
    )


paragraph = st.lists(line, min_size=1, max_size=3)
leaf_block = st.one_of(
    paragraph,
    line.map(lambda t: [f"## {t}"]),
    inline_piece.map(lambda t: ["```", t, "```"]),
    long_line.map(lambda t: [t]),
    st.just(["---"]),
)
block = st.recursive(leaf_block, _nest, max_leaves=5)
questions = st.lists(line, min_size=1, max_size=3).map(
    lambda qs: ["::: questions", *[f"{i}. {q}" for i, q in enumerate(qs, 1)], ":::"]
)
signature = line.map(lambda t: ["::: signature", t, ":::"])


def _once(text: str, reference: str) -> str:
    first = text.find(reference)
    if first < 0:
        return text
    cut = first + len(reference)
    return text[:cut] + text[cut:].replace(reference, "")


def _chapter(title: str, blocks: list[list[str]], ending: list[list[str]], extra: str) -> str:
    body = "\n\n".join("\n".join(b) for b in blocks + ending)
    for i in NOTE_IDS:
        body = _once(body, f"[^{i}]")  # a note has one reference
    body += extra
    defined = "".join(f"\n\n[^{i}]: Note {i}." for i in NOTE_IDS if f"[^{i}]" in body)
    title = json.dumps(title, ensure_ascii=False)  # as a writer types it, not escaped
    return f"---\ntitle: {title}\nkind: front\n---\n\n{body}{defined}\n"


chapter = st.builds(
    _chapter,
    words.filter(str.strip) | nasty,
    st.lists(block, min_size=1, max_size=5),
    st.lists(questions | signature, max_size=2),
    # Now and then a mistake: a note never referenced, a control character.
    st.sampled_from(
        [*[""] * 17, "\n\n[^unused]: A note never referenced.", "\x07", "\n\nAgain[^a]."]
    ),
)

# Books with no mistake in them: prose, emphasis, code, links to the web and the glossary,
# notes, lists, quotations, headings, questions, a signature. Every one of them must build.
plain_words = st.text(
    alphabet=st.characters(
        exclude_categories=("Cs", "Cc", "Cn", "Co"), exclude_characters="\\`*_[]()<>!^#&~|=+-:."
    ),
    min_size=1,
    max_size=12,
).filter(str.strip)
plain_inline = st.recursive(
    plain_words,
    lambda children: st.one_of(
        children.map(lambda t: f"*{t}*"),
        children.map(lambda t: f"**{t}**"),
        children.map(lambda t: f"[{t}](https://example.org/{len(t)})"),
        children.map(lambda t: f"[{t}](term:comibol)"),
    ),
    max_leaves=4,
)
plain_line = st.lists(
    st.one_of(plain_inline, st.sampled_from(["COMIBOL", "the MAS", "co-operative miners"])),
    min_size=1,
    max_size=6,
).map(" ".join)
plain_block = st.recursive(
    st.one_of(
        st.lists(st.one_of(plain_line, note_ref), min_size=1, max_size=3).map(
            lambda parts: ["".join(parts)]
        ),
        plain_line.map(lambda t: [f"## {t}"]),
        plain_line.map(lambda t: ["```", t, "```"]),
    ),
    _nest,
    max_leaves=4,
)
valid_chapter = st.builds(
    _chapter,
    plain_words,
    st.lists(plain_block, min_size=1, max_size=4),
    st.lists(
        st.lists(plain_line, min_size=1, max_size=3).map(
            lambda qs: ["::: questions", *[f"{i}. {q}" for i, q in enumerate(qs, 1)], ":::"]
        ),
        max_size=1,
    ),
    st.just(""),
)
glossary_entry = st.builds(
    lambda term, aliases, definition: (
        f"---\nterm: {json.dumps(term)}\naliases: {json.dumps(aliases)}\n---\n\n{definition}\n"
    ),
    # Now and then a name that another entry already has.
    st.sampled_from([*["-"] * 9, "COMIBOL"]).flatmap(
        lambda name: st.just(name) if name != "-" else words.filter(str.strip)
    ),
    st.lists(words.filter(str.strip), max_size=2),
    st.lists(st.one_of(inline_piece, nasty), min_size=1, max_size=6).map("".join),
)


def _glossary(definitions: list[str]) -> dict[str, str]:
    entries = {
        f"{slug}.md": f"---\nterm: {json.dumps(term)}\n---\n\nThe entry for {term}.\n"
        for slug, term in TERMS.items()
    }
    for number, text in enumerate(definitions):
        entries[f"extra-{number}.md"] = text
    return entries


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="studyguide-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _write(folder: Path, chapters: list[str], glossary: list[str]) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return make_book(
        folder,
        {f"{n:02d}-fuzz.md": text for n, text in enumerate(chapters, start=1)},
        _glossary(glossary),
    )


def _assert_our_error(error: BuildError | BuildErrors) -> None:
    for one in error.errors if isinstance(error, BuildErrors) else [error]:
        assert one.message and one.code, one
        assert one.format().count("\n") <= 1, one.format()


def _render_all(root: Path) -> None:
    """Every EPUB document, the navigation and the print HTML; the XHTML parsed as XML,
    its ids unique in each file and every link inside the book pointing at one of them."""
    loaded = load_book(root)
    view = render_book(loaded, Medium.EPUB)
    documents = render_epub_documents(view, None)
    nav, ncx = render_navigation(loaded, [], cover=False)
    etree.fromstring(ncx.encode("utf-8"))
    trees = {d.file_name: etree.fromstring(d.xhtml.encode("utf-8")) for d in documents}
    trees["nav.xhtml"] = etree.fromstring(nav.encode("utf-8"))
    ids: dict[str, set[str]] = {}
    for name, tree in trees.items():
        found = [str(e.get("id")) for e in tree.iter() if e.get("id") is not None]
        assert len(found) == len(set(found)), (name, sorted(found))
        ids[name] = set(found)
    for name, tree in trees.items():
        for element in tree.iter(f"{{{XHTML}}}a"):
            href = str(element.get("href") or "")
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            file_name, _, fragment = href.partition("#")
            target = file_name or name
            assert target in ids, (name, href)
            assert not fragment or fragment in ids[target], (name, href)
    printed = html.fromstring(print_html(loaded, Options(out=Path())).encode("utf-8"))
    sections = printed.xpath("//section[contains(concat(' ', @class, ' '), ' chapter ')]")
    assert [s.get("id") for s in sections] == [c.id for c in loaded.chapters]


def _render_or_our_error(root: Path) -> None:
    """Either every document renders as well-formed XHTML, or the build stops with our error."""
    try:
        _render_all(root)
        event("built")
    except (BuildError, BuildErrors) as error:
        _assert_our_error(error)
        for one in error.errors if isinstance(error, BuildErrors) else [error]:
            event(one.code)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(chapters=st.lists(chapter, min_size=1, max_size=3), glossary=st.lists(glossary_entry))
def test_any_chapter_gives_well_formed_xhtml_or_our_error(
    scratch: Path, chapters: list[str], glossary: list[str]
) -> None:
    root = _write(scratch / "book", chapters, glossary[:3])
    _render_or_our_error(root)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(chapters=st.lists(valid_chapter, min_size=1, max_size=3))
def test_every_book_without_a_mistake_renders(scratch: Path, chapters: list[str]) -> None:
    """No false errors: a book with nothing wrong in it always gives its documents."""
    root = _write(scratch / "valid", chapters, [])
    _render_all(root)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200), where=st.sampled_from(["body", "title", "term", "definition"]))
def test_any_unicode_anywhere_gives_well_formed_xhtml_or_our_error(
    scratch: Path, text: str, where: str
) -> None:
    title = text if where == "title" else "A title"
    body = text if where == "body" else "Some text about COMIBOL."
    term = text if where == "term" else "COMIBOL"
    definition = text if where == "definition" else "The state mining company."
    root = make_book(
        scratch / "unicode",
        {"01-any.md": f"---\ntitle: {json.dumps(title)}\nkind: front\n---\n\n{body}\n"},
        {"comibol.md": f"---\nterm: {json.dumps(term)}\n---\n\n{definition}\n"},
    )
    _render_or_our_error(root)


@settings(max_examples=50, deadline=None)
@given(char=control, before=words)
def test_control_character_is_refused_with_its_line(scratch: Path, char: str, before: str) -> None:
    root = make_book(
        scratch / "control",
        {"01-any.md": f"---\ntitle: Title\nkind: front\n---\n\nFine.\n\n{before}{char}\n"},
    )
    with pytest.raises(BuildError) as caught:
        load_book(root)
    assert caught.value.code == "source.control-character"
    assert caught.value.where is not None
    assert caught.value.where.path.name == "01-any.md"
    assert caught.value.where.line == 8
    assert f"U+{ord(char):04X}" in caught.value.message


def _shown_by_the_typeface(text: str) -> str:
    """The text, each character the book's typeface lacks replaced: books that build."""
    from studyguide.render.typeface import covered, find_faces

    face = find_faces("Charis SIL")[0]
    have = covered(face.path, face.index)
    return "".join(c if ord(c) in have or c.isspace() else "x" for c in text)


@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # A build and EPUBCheck take seconds: report the example found, do not shrink it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(chapters=st.lists(chapter.map(_shown_by_the_typeface), min_size=2, max_size=4))
def test_fuzzed_books_that_build_pass_epubcheck(
    tmp_path_factory: pytest.TempPathFactory, chapters: list[str]
) -> None:
    """The command line on a few random books that load: EPUBCheck finds no error."""
    folder = tmp_path_factory.mktemp("fuzz-cli")
    root = _write(folder / "book", chapters, [])
    try:
        check_book(load_book(root))  # (the typeface must show every character, too)
    except (BuildError, BuildErrors):
        assume(False)  # spend the slow examples on books that build
    from studyguide.cli import main

    # The command line in this process: a child would spend its first second on imports.
    assert (
        main(["--root", str(root), "build", "--epub", "--no-cover", "--out", str(folder / "out")])
        == 0
    )
    epub = folder / "out" / "huanuni-study-guide.epub"
    documents = epub_xhtml(epub)
    assert {f"chapter-{n:02d}.xhtml" for n in range(1, len(chapters) + 1)} <= set(documents)
    messages = epubcheck(epub, folder / "epubcheck.json")
    serious = [m for m in messages if m["severity"] in ("FATAL", "ERROR")]
    assert not serious, serious


# ------------------------------------------------------------ what check passes, builds


def _wrap_inline(text: str, kind: str) -> str:
    return {
        "em": f"*{text}*",
        "strong": f"**{text}**",
        "under": f"_{text}_",
        "link": f"[{text}](https://example.org/x)",
        "term": f"[{text}](term:comibol)",
        "code": f"`{text}`",
    }[kind]


def _wrap_block(lines: list[str], kind: str) -> list[str]:
    if kind == "quote":
        return ["> " + x if x else ">" for x in lines]
    return _item({"bullet": "- ", "ordered": "1. "}[kind], lines)


def _deep_block(inline: list[str], blocks: list[str], text: str) -> list[str]:
    """`text` inside the inline kinds (innermost first), inside the block kinds."""
    for kind in inline:
        text = _wrap_inline(text, kind)
    lines = [text, "", "After it."]
    for kind in blocks:
        lines = _wrap_block(lines, kind)
    return lines


def _kinds(kinds: list[str], most: int) -> st.SearchStrategy[list[str]]:
    """A list of `kinds` of a length drawn evenly from 0 to `most`: as many deep examples
    as shallow ones (lists drawn directly come out short)."""
    return st.integers(0, most).flatmap(
        lambda n: st.lists(st.sampled_from(kinds), min_size=n, max_size=n)
    )


deep_block = st.builds(
    _deep_block,
    _kinds(["em", "strong", "under", "link", "term", "code"], 18),
    _kinds(["quote", "bullet", "ordered"], 10),
    words.filter(str.strip) | nasty,
)
deep_chapter = st.builds(
    _chapter,
    st.sampled_from(["Deep", "Nested all the way"]),
    st.lists(deep_block | paragraph, min_size=1, max_size=3),
    st.lists(questions | signature, max_size=1),
    st.just(""),
)
EPOCH_DATE = dt.datetime(2006, 10, 5, tzinfo=dt.UTC)


def _every_edition(root: Path) -> None:
    """What a build makes of the book, in-process: the print layout (WeasyPrint), and the
    EPUB with that layout's page markers, packed and read back."""
    from studyguide.layout.engine import lay_out_html as layout
    from studyguide.layout.markers import insert_markers
    from studyguide.layout.pages import from_document
    from studyguide.render.epubpackage import build_epub_package

    book = load_book(root)
    options = Options(out=root)
    document = layout(print_html(book, options), root)
    view = render_book(book, Medium.EPUB)
    documents, pages = insert_markers(render_epub_documents(view, None), from_document(document))
    packed = build_epub_package(book, documents, [], pages, None, EPOCH_DATE)
    with zipfile.ZipFile(io.BytesIO(packed)) as epub:
        for name in epub.namelist():
            if name.endswith(".xhtml"):
                etree.fromstring(epub.read(name))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(chapters=st.lists(deep_chapter, min_size=1, max_size=2))
def test_what_check_passes_every_edition_lays_out(scratch: Path, chapters: list[str]) -> None:
    """Nesting near the limit and beyond: `check` (loading the book) either refuses it with
    our error, or both the print layout and the EPUB are made."""
    root = _write(scratch / "deep", chapters, [])
    try:
        load_book(root)
    except (BuildError, BuildErrors) as error:
        _assert_our_error(error)
        event("refused: " + ", ".join(sorted({e.code for e in getattr(error, "errors", [error])})))
        return
    _every_edition(root)
    event("built")
