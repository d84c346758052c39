"""Reading the sources: front matter YAML refused where it is unsafe, Markdown nesting bounded,
no file skipped without a word, no mistake reported that is not one, lines right whatever
the line ends. In-process and small: each book is a few lines in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree, html

from studyguide.errors import BuildError, BuildErrors
from studyguide.layout.book import print_html
from studyguide.model import Medium
from studyguide.options import Options
from studyguide.render.documents import render_epub_documents
from studyguide.render.views import render_book
from studyguide.sources.book import load_book
from support import NS, make_book, text_of

GLOSSARY = {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"}


def _chapter(body: str, front: str = 'title: "A chapter"\nkind: front') -> str:
    return f"---\n{front}\n---\n\n{body}\n"


def _book(tmp_path: Path, chapters: dict[str, str]) -> Path:
    return make_book(tmp_path / "book", chapters, GLOSSARY)


def _errors(root: Path) -> list[BuildError]:
    with pytest.raises((BuildError, BuildErrors)) as caught:
        load_book(root)
    error = caught.value
    return error.errors if isinstance(error, BuildErrors) else [error]


def _one_error(root: Path, code: str) -> str:
    """The one error of that code, as printed: `path:line:col: error: … [code]`."""
    found = [e for e in _errors(root) if e.code == code]
    assert len(found) == 1, [e.format(root) for e in _errors(root)]
    return found[0].format(root).splitlines()[0]


def _epub_chapter(root: Path) -> etree._Element:
    view = render_book(load_book(root), Medium.EPUB)
    documents = {d.file_name: d for d in render_epub_documents(view, None)}
    return etree.fromstring(documents["chapter-01.xhtml"].xhtml.encode("utf-8"))


# ------------------------------------------------------------------ front matter YAML


@pytest.mark.parametrize(
    ("front", "where"),
    [
        # a "billion laughs": each level multiplies the one before by nine
        ('title: "T"\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: [*a,*a,*a,*a,*a]', "3:4"),
        ("title: &t [*t]", "2:8"),  # an alias inside its own anchor
        ('title: "T"\nkind: &k front', "3:7"),  # even one harmless-looking anchor
    ],
    ids=["expansion", "recursive", "single-anchor"],
)
def test_yaml_anchors_and_aliases_are_refused_with_their_place(
    tmp_path: Path, front: str, where: str
) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("Text.", front)})
    line = _one_error(root, "frontmatter.alias")
    assert line.startswith(f"chapters/01-a.md:{where}: error: the front matter uses a YAML anchor")


@pytest.mark.parametrize(
    "nested",
    ["[" * 600 + "]" * 600, "{a: " * 600 + "1" + "}" * 600, "[[[[[[[[[x]]]]]]]]]"],
    ids=["600-brackets", "600-braces", "9-brackets"],
)
def test_deeply_nested_yaml_is_refused_not_a_recursion_error(tmp_path: Path, nested: str) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("Text.", f'title: "T"\naliases: {nested}')})
    line = _one_error(root, "frontmatter.depth")
    assert line.startswith("chapters/01-a.md:3:")
    assert "nested more than 8 levels deep" in line


def test_yaml_nested_as_deep_as_allowed_is_read(tmp_path: Path) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("Text.", 'title: "T"\nkind: front')})
    glossary = root / "glossary" / "x.md"
    glossary.write_text('---\nterm: "X"\naliases: [[[[[[["deep"]]]]]]]\n---\n\nText.\n')
    errors = _errors(root)
    # Seven brackets in a mapping are 8 levels: read, then refused for its shape only.
    assert [e.code for e in errors] == ["frontmatter.type"]


@pytest.mark.parametrize(
    ("front", "message", "where"),
    [
        ('title: "First"\nkind: front\ntitle: "Second"', "'title' twice (first on line 2)", "4:1"),
        ('title: "T"\nkind: front\nkind: back', "'kind' twice (first on line 3)", "4:1"),
        ('title: "T"\naliases: {a: 1, a: 2}', "'a' twice (first on line 3)", "3:17"),
    ],
    ids=["title", "kind", "inside-a-value"],
)
def test_duplicate_yaml_keys_are_refused_with_both_lines(
    tmp_path: Path, front: str, message: str, where: str
) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("Text.", front)})
    line = _one_error(root, "frontmatter.duplicate")
    assert line.startswith(f"chapters/01-a.md:{where}: error: the front matter sets {message}")


def test_duplicate_keys_in_a_glossary_entry_are_refused(tmp_path: Path) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("Text.")})
    (root / "glossary" / "mas.md").write_text('---\nterm: "MAS"\nterm: "MNR"\n---\n\nA party.\n')
    assert _one_error(root, "frontmatter.duplicate").startswith("glossary/mas.md:3:1: error: ")


# ------------------------------------------------------------------ Markdown nesting


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("Fine.\n\n" + "*" * 600 + "x" + "*" * 600, 8),  # emphasis
        ("Fine.\n\n" + "> " * 30 + "quoted", 8),  # quotations (markdown-it stops at 20)
        ("".join("  " * i + "- item\n" for i in range(12)), 13),  # a list in a list in …
        ("Fine.\n\n> [" + "*" * 30 + "x" + "*" * 30 + "](https://example.org)", 8),  # mixed
    ],
    ids=["emphasis", "quotations", "lists", "mixed"],
)
def test_markdown_nested_too_deep_is_our_error_with_its_line(
    tmp_path: Path, body: str, line: int
) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter(body)})
    found = _one_error(root, "markdown.nesting")
    assert found.startswith(f"chapters/01-a.md:{line}: error: the Markdown here is nested ")
    assert "more than the limit of 16" in found


def test_markdown_as_deep_as_allowed_builds_and_keeps_every_word(tmp_path: Path) -> None:
    """A quotation 14 deep holding emphasis: under the limit, and nothing dropped."""
    body = "> " * 14 + "*deep words*\n\nAfter the quotation."
    root = _book(tmp_path, {"01-a.md": _chapter(body)})
    section = _epub_chapter(root).find(".//x:section", NS)
    assert len(section.findall(".//x:blockquote", NS)) == 14
    assert "deep words After the quotation." in text_of(section)


def test_nesting_in_a_glossary_entry_is_bounded_too(tmp_path: Path) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("Text.")})
    (root / "glossary" / "mas.md").write_text("---\nterm: MAS\n---\n\n" + "> " * 20 + "x\n")
    assert _one_error(root, "markdown.nesting").startswith("glossary/mas.md:5: error: ")


# ------------------------------------------------------------------ notes in the questions


QUESTIONS_WITH_NOTES = """
Text with a note.[^text]

::: questions
1. What does the first note say?[^why]

   [^why]: Defined inside the question.
2. And the second?[^how]
:::

[^text]: A note on the text.

[^how]: Defined after the questions.
"""


def test_notes_called_from_questions_are_in_both_editions(tmp_path: Path) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter(QUESTIONS_WITH_NOTES)})
    book = load_book(root)
    assert [note.label for note in book.chapters[0].notes] == ["text", "why", "how"]

    chapter = _epub_chapter(root)
    questions = chapter.xpath("//x:section[@class='questions']//x:li", namespaces=NS)
    assert [
        q.xpath("string(.//x:a[@role='doc-noteref']/@href)", namespaces=NS) for q in questions
    ] == [
        "#note-1-2",
        "#note-1-3",
    ]
    notes = {a.get("id"): text_of(a) for a in chapter.iterfind(".//x:aside", NS)}
    assert notes["note-1-2"] == "2. Defined inside the question."
    assert notes["note-1-3"] == "3. Defined after the questions."

    printed = html.fromstring(print_html(book, Options(out=tmp_path)).encode("utf-8"))
    items = printed.xpath("//section[@class='questions']//li")
    assert [i.xpath("string(.//span[@class='footnote'])") for i in items] == [
        "Defined inside the question.",
        "Defined after the questions.",
    ]


def test_a_note_defined_inside_another_note_is_our_error(tmp_path: Path) -> None:
    body = "Text.[^a]\n\n[^a]: The first note.\n\n    [^b]: Indented: inside the first."
    root = _book(tmp_path, {"01-a.md": _chapter(body)})
    line = _one_error(root, "notes.nested")
    assert line == (
        "chapters/01-a.md:10: error: the note [^a] holds the definition of another note [^b] "
        "[notes.nested]"
    )


# ------------------------------------------------------------------ no silent skips


def test_a_chapter_named_in_upper_case_md_is_read(tmp_path: Path) -> None:
    root = _book(
        tmp_path,
        {
            "01-a.md": _chapter("First."),
            "02-two.MD": _chapter("Second.", 'title: "Two"\nkind: back'),
        },
    )
    (root / "glossary" / "mas.Md").write_text("---\nterm: MAS\n---\n\nA party.\n")
    book = load_book(root)
    assert [(c.number, c.slug, c.title) for c in book.chapters] == [
        (1, "a", "A chapter"),
        (2, "two", "Two"),
    ]
    assert [t.slug for t in book.glossary] == ["comibol", "mas"]


@pytest.mark.parametrize(
    "name", ["02-two.markdown", "02-two.txt", "02-two.md.txt", "02-two.mkd", "two.MARKDOWN"]
)
def test_a_source_that_would_not_be_read_is_our_error(tmp_path: Path, name: str) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("First."), name: _chapter("Second.")})
    line = _one_error(root, "source.name")
    assert line == (
        f"chapters/{name}: error: '{name}' is not read: the book's sources end in .md [source.name]"
    )


def test_other_files_and_hidden_ones_are_left_alone(tmp_path: Path) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("First.")})
    (root / "chapters" / ".01-a.md.swp").write_bytes(b"\0\1binary")
    (root / "chapters" / "map.png").write_bytes(b"\x89PNG")
    assert len(load_book(root).chapters) == 1


# ------------------------------------------------------------------ no false errors


def test_an_escaped_note_call_is_text(tmp_path: Path) -> None:
    body = r"Written \[^abc] on purpose, &#91;^def] too, and [^real]." + "\n\n[^real]: A note."
    root = _book(tmp_path, {"01-a.md": _chapter(body)})
    section = _epub_chapter(root).find(".//x:section", NS)
    assert "Written [^abc] on purpose, [^def] too, and" in text_of(section)
    assert len(load_book(root).chapters[0].notes) == 1


def test_an_unescaped_undefined_note_call_is_still_reported(tmp_path: Path) -> None:
    body = r"Escaped \[^abc], then not: [^abc]."
    root = _book(tmp_path, {"01-a.md": _chapter(body)})
    assert _one_error(root, "notes.undefined").startswith(
        "chapters/01-a.md:6: error: footnote reference [^abc] has no definition"
    )


def test_link_schemes_are_compared_without_regard_to_case(tmp_path: Path) -> None:
    body = (
        "See [the site](HTTPS://example.org/a), [mail](MAILTO:group@example.org), "
        "[the company](Term:comibol) and <HTTP://example.org/b>."
    )
    root = _book(tmp_path, {"01-a.md": _chapter(body)})
    links = [a.get("href") for a in _epub_chapter(root).iterfind(".//x:section//x:a", NS)]
    assert links == [
        "HTTPS://example.org/a",
        "MAILTO:group@example.org",
        "glossary.xhtml#term-comibol",
        "HTTP://example.org/b",
    ]


def test_a_refused_scheme_is_refused_in_any_case(tmp_path: Path) -> None:
    root = _book(tmp_path, {"01-a.md": _chapter("See [x](FTP://example.org/file).")})
    assert _one_error(root, "markdown.link").startswith("chapters/01-a.md:6: error: link to ")


# ------------------------------------------------------------------ line ends


@pytest.mark.parametrize("newline", ["\r", "\r\n"], ids=["CR", "CRLF"])
def test_errors_in_files_with_cr_line_ends_have_the_right_line(
    tmp_path: Path, newline: str
) -> None:
    lines = ["---", 'title: "T"', "kind: front", "---", "", "Fine.", "", "A call[^x] on 8."]
    root = _book(tmp_path, {"01-a.md": "x"})
    chapter = root / "chapters" / "01-a.md"
    chapter.write_bytes(newline.join(lines).encode())
    assert _one_error(root, "notes.undefined").startswith("chapters/01-a.md:8: error: ")

    chapter.write_bytes(newline.join([*lines[:7], "A bell \a on line 8."]).encode())
    assert _one_error(root, "source.control-character").startswith("chapters/01-a.md:8:8: ")

    chapter.write_bytes(newline.join([*lines[:7], "Caf\xe9 on line 8."]).encode("latin-1"))
    assert _one_error(root, "source.encoding").startswith("chapters/01-a.md:8:4: ")

    chapter.write_bytes(newline.join(["---", 'title: "T"', "kind: front: x", "---"]).encode())
    assert _one_error(root, "frontmatter.yaml").startswith("chapters/01-a.md:3:12: ")


def test_an_article_with_cr_line_ends_is_read_block_by_block(tmp_path: Path) -> None:
    chapter = _chapter("First paragraph.\n\nSecond paragraph.", 'title: "The article"')
    root = make_book(tmp_path / "book", {"01-a.md": chapter}, GLOSSARY, article="x")
    article = "# The article\r\rFirst paragraph.\r\rSecond paragraph.\r"
    (root / "source" / "article.txt").write_bytes(article.encode())
    assert [b.text for b in load_book(root).chapters[0].text_blocks] == [
        "The article",
        "First paragraph.",
        "Second paragraph.",
    ]
