"""Text that is not what it looks like, on the real command line: Unicode normalisation,
look-alike characters, bidi controls in titles and names, right-to-left languages, titles of
any length, YAML escapes; and the build's messages, warnings and memory."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import unicodedata
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lxml import etree

from support import (
    ROOT,
    assert_documented,
    epubcheck,
    make_book,
    snapshot,
    studyguide,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

META = """\
title = "A small study guide"
slug = "small"
language = "en"
identifier = "urn:uuid:0b6c5d1e-2f3a-4b5c-8d7e-9f0a1b2c3d4e"

[edition]
editors = "The studyguide project"
year = 2026

[[texts]]
title = "The agreement"
source = "source/text.txt"
authors = [{ name = "LOR-CI" }]
rights = { status = "all-rights-reserved" }
"""
TEXT = "# El acuerdo\n\nLa Corporación Minera aceptó a final offer.\n"
CHAPTER = '---\ntitle: "El acuerdo"\n---\n\nLa Corporación Minera aceptó a final offer.\n'
GLOSSARY = {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"}
INTRO = "---\ntitle: Introduction\nkind: front\n---\n\nA word on COMIBOL.\n"


def _book(tmp_path: Path, chapter: str = CHAPTER, meta: str = META) -> Path:
    book = make_book(
        tmp_path / "book", {"01-intro.md": INTRO, "02-acuerdo.md": chapter}, GLOSSARY, meta=meta
    )
    (book / "source").mkdir()
    (book / "source" / "text.txt").write_text(TEXT, encoding="utf-8")
    return book


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line or ": warning: " in line]


def test_a_chapter_in_decomposed_unicode_is_its_composed_text(tmp_path: Path) -> None:
    """macOS and text pasted from a PDF give "ó" as o + U+0301: the same text."""
    book = _book(tmp_path, unicodedata.normalize("NFD", CHAPTER))
    assert "o\u0301" in (book / "chapters" / "02-acuerdo.md").read_text(encoding="utf-8")
    run = studyguide("check", root=book)
    assert run.code == 0, run.stderr


@pytest.mark.parametrize(
    ("found", "named"),
    [
        ("\ufb01nal", "character 1 is U+FB01 LATIN SMALL LIGATURE FI, where the text has U+0066 "
         "LATIN SMALL LETTER F"),
        ("fin\u0430l", "character 4 is U+0430 CYRILLIC SMALL LETTER A, where the text has U+0061 "
         "LATIN SMALL LETTER A"),
        ("fi\u200bnal", "character 3 is U+200B ZERO WIDTH SPACE, where the text has U+006E LATIN "
         "SMALL LETTER N"),
    ],
    ids=["ligature", "cyrillic", "zero-width-space"],
)  # fmt: skip
def test_words_that_only_look_alike_are_named_character_by_character(tmp_path, found, named):
    book = _book(tmp_path, CHAPTER.replace("final", found))
    run = studyguide("check", root=book)
    assert run.code == 1
    [error] = _errors(run.stderr)
    assert error.startswith("chapters/02-acuerdo.md:5: error: the text differs from ")
    assert f"(they look alike: {named}) [fidelity.differs]" in error, error
    if found.startswith("\ufb01"):
        assert_documented(run.stderr)


def test_a_glossary_file_named_with_an_accent_is_reported_first_and_as_written(tmp_path):
    book = _book(tmp_path)
    (book / "glossary" / "comibol.md").rename(book / "glossary" / "comiból.md")
    intro = INTRO.replace("on COMIBOL", "on [the company](term:comiból)")
    (book / "chapters" / "01-intro.md").write_text(intro, encoding="utf-8")
    run = studyguide("check", root=book)
    assert run.code == 1
    first, second = _errors(run.stderr)
    assert first.startswith("glossary/comiból.md: error: glossary file name ")
    assert first.endswith("[source.name]")
    assert (
        second
        == "chapters/01-intro.md:6: error: unknown glossary term 'comiból' [glossary.unknown]"
    )
    assert "%C3%B3" not in run.stderr
    assert "glossary/comiból.md is not read: its name is not lowercase ASCII" in run.stderr


OVERRIDE = "\u202e"
BIDI_CASES = {
    "book-title": (lambda b: _edit(b / "book.toml", 'title = "A small', 'title = "A \\u202Esmall'),
                   "book.toml:1"),
    "author": (lambda b: _edit(b / "book.toml", 'name = "LOR-CI"', f'name = "LOR{OVERRIDE}-CI"'),
               "book.toml:13"),
    "chapter-title": (lambda b: _edit(b / "chapters" / "01-intro.md", "title: Intro",
                                      f"title: In{OVERRIDE}tro"), "chapters/01-intro.md:2"),
    "glossary-term": (lambda b: _edit(b / "glossary" / "comibol.md", "term: COMIBOL",
                                      'term: "COMI\\u202DBOL"'), "glossary/comibol.md:2"),
    "reference": (lambda b: (b / "references.toml").write_text(
        f'[reuters]\nauthor = "Reu{OVERRIDE}ters"\ntitle = "A report"\n', encoding="utf-8"),
        "references.toml:2"),
}  # fmt: skip


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("case", BIDI_CASES, ids=list(BIDI_CASES))
def test_a_bidi_override_in_a_title_or_name_is_refused_and_shown_escaped(tmp_path, case):
    """U+202A-202E change the order a reader sees a title's characters in ("Trojan Source")."""
    book = _book(tmp_path)
    change, where = BIDI_CASES[case]
    change(book)
    run = studyguide("check", root=book)
    assert run.code == 1, run.stderr
    [error] = _errors(run.stderr)
    assert error.startswith(f"{where}: error: the bidi control U+202"), error
    assert error.endswith("is not allowed in a title or a name: it changes the order in which "
                          "a reader sees the characters [source.bidi-control]")  # fmt: skip
    assert not re.search("[\u202a-\u202e]", run.stderr)
    if case == "chapter-title":
        assert_documented(run.stderr)


def test_bidi_isolates_in_a_title_need_no_glyph(tmp_path: Path) -> None:
    """A right-to-left name inside a left-to-right title is set between isolates, which the
    typeface need not have: they are not drawn."""
    book = _book(tmp_path)
    _edit(
        book / "book.toml",
        'title = "A small',
        'title = "\\u2067\u05e9\u05dc\u05d5\u05dd\\u2069 A small',
    )
    _edit(book / "book.toml", 'language = "en"', 'language = "en"\ntypeface = "DejaVu Sans"')
    run = studyguide("check", root=book)
    assert run.code == 0, run.stderr


def test_messages_show_control_and_bidi_characters_escaped(tmp_path: Path) -> None:
    book = _book(tmp_path)
    (book / "glossary" / f"evil{OVERRIDE}dm.exe.md").write_text(GLOSSARY["comibol.md"])
    (book / "glossary" / "bell\x07.md").write_text(GLOSSARY["comibol.md"])
    run = studyguide("check", root=book)
    assert run.code == 1
    assert "glossary/evil\\u202edm.exe.md: error: " in run.stderr
    assert "glossary/bell\\u0007.md: error: " in run.stderr
    assert OVERRIDE not in run.stderr and "\x07" not in run.stderr


def test_a_title_of_any_length_is_refused_at_once_over_a_thousand_characters(tmp_path):
    book = _book(tmp_path)
    _edit(book / "book.toml", 'title = "A small study guide"', f'title = "{"word " * 19_999}words"')
    _edit(book / "chapters" / "01-intro.md", "title: Introduction", f"title: {'x' * 1001}")
    run = studyguide("check", root=book)
    assert run.code == 1
    assert _errors(run.stderr) == [
        "book.toml:1: error: field 'title' is 100,000 characters long, more than the 1,000 a "
        "title or a name may have [source.length]",
        "chapters/01-intro.md:2: error: 'title' is 1,001 characters long, more than the 1,000 "
        "a title or a name may have [source.length]",
    ]
    assert_documented(run.stderr)


def test_a_yaml_surrogate_pair_escape_is_one_character(tmp_path: Path) -> None:
    """ "\\ud83d\\ude00" is valid JSON, so valid YAML 1.2: one character, U+1F600; a lone half
    is refused."""
    from studyguide.sources.book import load_book

    book = _book(tmp_path)
    _edit(book / "chapters" / "01-intro.md", "title: Introduction", 'title: "Hello \\ud83d\\ude00"')
    _edit(book / "book.toml", 'language = "en"', 'language = "en"\ntypeface = "DejaVu Sans"')
    assert load_book(book).chapters[0].title == "Hello \U0001f600"
    _edit(book / "chapters" / "01-intro.md", "\\ude00", "")
    run = studyguide("check", root=book)
    assert run.code == 1
    assert "chapters/01-intro.md:2: error: lone surrogate U+D83D is not allowed" in run.stderr


def test_warnings_are_capped_as_errors_are_and_stats_count_in_english(tmp_path: Path) -> None:
    book = _book(tmp_path)
    for n in range(25):
        (book / "glossary" / f"term-{n}.md").write_text(f"---\nterm: Term{n}\n---\n\nA term.\n")
    run = studyguide("check", root=book)
    assert run.code == 0
    warnings = [line for line in run.stderr.splitlines() if ": warning: " in line]
    assert len(warnings) == 20
    assert "… and 5 more warnings (glossary.unlinked)" in run.stderr
    for name in book.glob("glossary/term-*.md"):
        name.unlink()
    stats = studyguide("stats", root=book)
    assert "glossary: 1 entry, 1 link from the text, 1 entry linked at least once" in stats.stdout


ARABIC_TEXT = "# الاتفاق\n\nهذا نص تجريبي باللغة العربية، وفيه جملة طويلة.\n"
ARABIC_CHAPTER = '---\ntitle: "الاتفاق"\n---\n\nهذا نص تجريبي باللغة العربية، وفيه جملة طويلة.\n'


def test_a_right_to_left_book_reads_right_to_left_and_warns_about_print(
    tmp_path: Path, chromium: Browser
) -> None:
    meta = META.replace('language = "en"', 'language = "ar"\ntypeface = "DejaVu Sans"')
    book = make_book(tmp_path / "book", {"01-text.md": ARABIC_CHAPTER}, meta=meta)
    (book / "source").mkdir()
    (book / "source" / "text.txt").write_text(ARABIC_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    run = studyguide("build", "--epub", "--web", "--no-cover", "--out", out, root=book)
    assert run.code == 0, run.stderr
    [warning] = _errors(run.stderr)
    assert warning.startswith("book.toml:3: warning: the book's language 'ar' is written right")
    assert warning.endswith("[print.right-to-left]")
    assert_documented(run.stderr)
    with zipfile.ZipFile(out / "small.epub") as epub:
        opf = epub.read("EPUB/content.opf").decode("utf-8")
        assert '<spine toc="ncx" page-progression-direction="rtl">' in opf
        for name in (n for n in epub.namelist() if n.endswith(".xhtml")):
            assert etree.fromstring(epub.read(name)).get("dir") == "rtl", name
    assert epubcheck(out / "small.epub", tmp_path / "epubcheck.json") == []
    page = (out / "small-web" / "chapter-01.html").read_text(encoding="utf-8")
    assert re.search(r'<html [^>]*dir="rtl"', page)

    from studyguide.layout.book import print_html
    from studyguide.options import Options
    from studyguide.sources.book import load_book

    assert re.search(
        r'<html lang="ar" dir="rtl"[ >]', print_html(load_book(book), Options(out=out))
    )
    _look_at_the_web_page(chromium, out / "small-web" / "chapter-01.html")


def _look_at_the_web_page(chromium: Browser, page: Path) -> None:
    """In Chromium the page is as wide as the window: nothing (the skip link) hangs off its
    left, which would open a right-to-left page scrolled to a blank."""
    window = chromium.new_page(viewport={"width": 900, "height": 600})
    try:
        window.goto(page.as_uri())
        width = window.evaluate("document.documentElement.scrollWidth")
        text = window.inner_text("main")
    finally:
        window.close()
    assert width == 900
    assert "هذا نص تجريبي" in text


def test_running_out_of_memory_is_our_error_and_keeps_the_editions(tmp_path: Path) -> None:
    """The real command line in a process that may use 30 MB more than it has once loaded:
    a chapter of 1.5 MB needs far more to parse, and the build stops with our error."""
    book = _book(tmp_path)
    body = "".join(f"Paragraph {n} on [COMIBOL](term:comibol).\n\n" for n in range(40_000))
    (book / "chapters" / "03-long.md").write_text(f"---\ntitle: Long\nkind: back\n---\n\n{body}")
    out = tmp_path / "out"
    out.mkdir()
    (out / "small.epub").write_bytes(b"the last good EPUB")
    before = snapshot(out)
    script = textwrap.dedent(
        """
        import resource, sys
        from studyguide.cli import main
        import studyguide.sources.book, studyguide.render.typeface, studyguide.build
        size = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status")
                    if l.startswith("VmSize"))
        resource.setrlimit(resource.RLIMIT_AS, (size + 30_000_000, size + 30_000_000))
        sys.exit(main(sys.argv[1:]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "--root", str(book), "build", "--epub", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,  # (only bounds a failure: a build that hangs once memory has run out)
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "WeasyPrint could not" not in result.stderr
    assert "error: studyguide ran out of memory [memory]" in result.stderr
    assert_documented(result.stderr)
    assert result.stderr.endswith(
        "studyguide: stopped; no edition was written, the editions from the last good build "
        "are unchanged\n"
    )
    assert snapshot(out) == before
