"""The authoring commands (`new`, `import`, `migrate`) on hostile or odd books: each mistake is
our error at its place, nothing is written through a link or over an existing file, and a
command that fails part-way leaves the book (and everything outside it) as it was."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from support import Run, assert_documented, snapshot, studyguide

OLD_META = """\
title = "A small study guide"
language = "en"
identifier = "urn:uuid:0b6c5d1e-2f3a-4b5c-8d7e-9f0a1b2c3d4e"

[original]
author = "LOR-CI"
date = 2006-10-05
publication = "Left Voice"
published = 2006-10-16

[edition]
editors = "The studyguide project"
year = 2026
"""
CHAPTER = '---\ntitle: "The agreement"\n---\n\nLast week the government agreed.\n'
ARTICLE = "The agreement\n\nLast week the government agreed.\n"


def run(*args: str | Path, fsize: int | None = None) -> Run:
    """The real command line, in this process; with `fsize`, in a child process no file of
    which may grow past that many bytes (the system's file-size limit, which holds for a
    whole process: a write fails as on a full disk)."""
    if fsize is None:
        return studyguide(*args, root=None)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    result = subprocess.run(
        [sys.executable, "-m", "studyguide", *map(str, args)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def old_book(folder: Path, article: str = ARTICLE) -> Path:
    """A book of the old form (one [original] article), in `folder`/book."""
    book = folder / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "source").mkdir()
    (book / "book.toml").write_text(OLD_META, encoding="utf-8")
    (book / "chapters" / "01-agreement.md").write_text(CHAPTER, encoding="utf-8")
    (book / "source" / "article.txt").write_text(article, encoding="utf-8")
    return book


def assert_refused(result: Run, where: str, code: str) -> None:
    """Exit 1, our message at its place with a hint, no traceback, and 'nothing was changed'."""
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    error = next(
        i for i, line in enumerate(lines) if ": error: " in line or line.startswith("error")
    )
    assert lines[error].startswith(f"{where}: error: "), result.stderr
    assert lines[error].endswith(f"[{code}]"), result.stderr
    assert lines[error + 1].startswith("  hint: "), result.stderr
    assert lines[-1] == "studyguide: stopped; nothing was changed", result.stderr


# --- migrate ------------------------------------------------------------------------------


def test_migrate_rewrites_an_old_book_that_check_then_passes(tmp_path: Path) -> None:
    book = old_book(tmp_path)
    result = run("--root", book, "migrate")
    assert result.code == 0, result.stderr
    assert "marked 1 heading in source/article.txt" in result.stderr
    assert (book / "book.toml.bak").read_text(encoding="utf-8") == OLD_META
    assert (
        (book / "source" / "article.txt").read_text(encoding="utf-8").startswith("# The agreement")
    )
    assert run("--root", book, "check").code == 0
    assert not [p for p in book.rglob("*") if p.name.endswith(".part")]


@pytest.mark.parametrize("planted", ["link", "file"])
def test_migrate_never_writes_through_or_over_a_planted_backup(tmp_path: Path, planted: str):
    book = old_book(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("not the book's\n", encoding="utf-8")
    if planted == "link":
        (book / "book.toml.bak").symlink_to("../victim.txt")
    else:
        (book / "book.toml.bak").write_text("an older backup\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = run("--root", book, "migrate")
    assert_refused(result, "book.toml.bak", "migrate.backup")
    assert snapshot(tmp_path) == before
    if planted == "link":
        assert_documented(result.stderr)


def test_migrate_replaces_a_linked_book_toml_and_never_writes_through_it(tmp_path: Path):
    book = old_book(tmp_path)
    (book / "meta").mkdir()
    (book / "book.toml").rename(book / "meta" / "book.toml")
    (book / "book.toml").symlink_to("meta/book.toml")
    result = run("--root", book, "migrate")
    assert result.code == 0, result.stderr
    assert (book / "meta" / "book.toml").read_text(encoding="utf-8") == OLD_META
    assert not (book / "book.toml").is_symlink()
    assert "[[texts]]" in (book / "book.toml").read_text(encoding="utf-8")


def _replace_line(book: Path, old: str, new: str) -> None:
    path = book / "book.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


ODD_FILES = {
    "no-author": (
        lambda b: _replace_line(b, 'author = "LOR-CI"\n', ""), "book.toml:5", "meta.missing"
    ),
    "not-toml": (
        lambda b: _replace_line(b, "year = 2026", "year = "), "book.toml:13:8", "meta.syntax"
    ),
    "original-a-string": (
        lambda b: _replace_line(b, "[original]\n", 'original = "LOR-CI"\n[other]\n'),
        "book.toml:6",
        "meta.unknown",
    ),
    "article-linked-outside": (
        lambda b: (
            (b / "source" / "article.txt").unlink(),
            (b / "source" / "article.txt").symlink_to(b.parent / "victim.txt"),
        ),
        "source/article.txt",
        "source.outside",
    ),
    "article-a-fifo": (
        lambda b: (
            (b / "source" / "article.txt").unlink(), os.mkfifo(b / "source" / "article.txt")
        ),
        "source/article.txt",
        "source.not-a-file",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", ODD_FILES, ids=list(ODD_FILES))
def test_migrate_reports_an_odd_old_book_at_its_place_and_changes_nothing(tmp_path, case):
    book = old_book(tmp_path)
    (tmp_path / "victim.txt").write_text("Secret words\n", encoding="utf-8")
    change, where, code = ODD_FILES[case]
    change(book)
    before = snapshot(tmp_path)
    result = run("--root", book, "migrate")
    assert_refused(result, where, code)
    assert "Secret" not in result.stderr
    assert snapshot(tmp_path) == before


def test_migrate_that_fails_part_way_leaves_the_book_as_it_was(tmp_path: Path) -> None:
    # The article is longer than the file-size limit: the backup is written, then the
    # article's rewrite fails; the backup must go again, and book.toml stay the old one.
    article = "The agreement\n\n" + "Last week the government agreed. " * 200 + "\n"
    book = old_book(tmp_path, article)
    before = snapshot(tmp_path)
    result = run("--root", book, "migrate", fsize=4000)
    assert_refused(result, "source/article.txt", "migrate.write")
    assert "cannot write the file: File too large" in result.stderr
    assert snapshot(tmp_path) == before
    assert_documented(result.stderr)
    assert run("--root", book, "migrate").code == 0  # and it can be done again


# --- new ----------------------------------------------------------------------------------


def test_new_that_fails_part_way_leaves_no_half_made_book(tmp_path: Path) -> None:
    # A file where new's glossary/ folder goes: book.toml and the chapter are written, then
    # the glossary entry cannot be.
    folder = tmp_path / "guide"
    folder.mkdir()
    (folder / "glossary").write_text("not a folder\n", encoding="utf-8")
    before = snapshot(tmp_path)
    result = run("new", folder)
    assert_refused(result, f"{folder}/glossary/study-group.md", "new.write")
    assert "cannot write the file: Not a directory" in result.stderr
    assert snapshot(tmp_path) == before
    assert_documented(result.stderr, tmp_path)
    (folder / "glossary").unlink()
    second = run("new", folder)
    assert second.code == 0, second.stderr


# --- import -------------------------------------------------------------------------------

SPEECH = "A speech\n\n" + "The first paragraph of the speech, of some length. " * 4 + "\n"


def _new_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    assert run("new", book, "--title", "A reading").code == 0
    return book


def test_import_that_fails_part_way_leaves_the_book_as_it_was(tmp_path: Path) -> None:
    book = _new_book(tmp_path)
    speech = tmp_path / "speech.txt"
    speech.write_text(SPEECH, encoding="utf-8")
    assert run("--root", book, "import", speech).code == 0
    # Again with --force and a longer text: the old files are copied to replaced/ and removed,
    # then the (longer) chapter cannot be written: all of it is undone.
    speech.write_text(SPEECH + "\n" + "A second paragraph, longer still. " * 60 + "\n")
    before = snapshot(tmp_path)
    result = run("--root", book, "import", speech, "--force", fsize=2000)
    assert_refused(result, "chapters/02-a-speech.md", "import.write")
    assert snapshot(tmp_path) == before
    assert_documented(result.stderr)


def test_import_never_writes_through_a_folder_linked_out_of_the_book(tmp_path: Path) -> None:
    book = _new_book(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (book / "source").symlink_to(tmp_path / "elsewhere")
    speech = tmp_path / "speech.txt"
    speech.write_text(SPEECH, encoding="utf-8")
    before = snapshot(tmp_path)
    result = run("--root", book, "import", speech)
    assert_refused(result, "source", "source.outside")
    assert snapshot(tmp_path) == before
    assert_documented(result.stderr)


@pytest.mark.parametrize(
    ("make", "message", "code"),
    [
        (lambda p: p.mkdir(), "it is a folder, not a file", "import.not-a-file"),
        (os.mkfifo, "it is a FIFO (named pipe), not a file", "import.not-a-file"),
        (lambda p: None, "there is no such file", "import.missing"),
    ],
    ids=["folder", "fifo", "missing"],
)
def test_import_of_a_folder_or_fifo_says_what_it_is(tmp_path: Path, make, message, code):
    book = _new_book(tmp_path)
    target = tmp_path / "speech.html"
    make(target)
    result = run("--root", book, "import", target)
    assert_refused(result, str(target), code)
    assert_documented(result.stderr, tmp_path)
    assert (
        f"error: {message} [{code}]" in result.stderr
        or f"error: cannot import this: {message}" in result.stderr
    )


def _page(tmp_path: Path, body: str, head: str = "", encoding: str = "utf-8") -> Path:
    page = tmp_path / "page.html"
    html = f"<html><head>{head}</head><body>\n{body}\n</body></html>"
    page.write_bytes(html.encode(encoding))
    return page


def test_import_refuses_a_page_nested_past_the_parser_s_depth_never_drops_text(tmp_path):
    book = _new_book(tmp_path)
    nested = "<div>" * 300 + "<p>The deep paragraph.</p>" + "</div>" * 300
    page = _page(tmp_path, "<p>The first paragraph, which is read.</p>\n" + nested)
    before = snapshot(book)
    result = run("--root", book, "import", page)
    assert_refused(result, f"{page}:3", "import.html")
    assert "nested more than 255 deep" in result.stderr
    assert snapshot(book) == before
    assert_documented(result.stderr, tmp_path)


def test_import_refuses_a_page_whose_bytes_are_not_its_declared_encoding(tmp_path):
    book = _new_book(tmp_path)
    page = _page(
        tmp_path, "<p>Café au lait, and more words.</p>", '<meta charset="utf-16">', "latin-1"
    )
    result = run("--root", book, "import", page)
    assert_refused(result, f"{page}:2:7", "import.encoding")
    assert "it says it is utf-16, but it is neither that nor UTF-8" in result.stderr
    assert_documented(result.stderr, tmp_path)
    # The same bytes, declared as what they are, are read.
    page = _page(
        tmp_path, "<p>Café au lait, and more words.</p>", '<meta charset="latin-1">', "latin-1"
    )
    assert run("--root", book, "import", page).code == 0
    assert "Café au lait" in (book / "source" / "text.txt").read_text(encoding="utf-8")


def test_import_never_writes_a_source_the_loader_would_refuse(tmp_path: Path) -> None:
    book = _new_book(tmp_path)
    sentence = "A paragraph with quite a few words in it, to make the page large. "
    page = _page(tmp_path, "".join(f"<p>{n}: {sentence * 20}</p>\n" for n in range(1_700)))
    before = snapshot(book)
    result = run("--root", book, "import", page)
    assert_refused(result, str(page), "import.size")
    assert "more than the 2,000,000 a book's source file may have" in result.stderr
    assert snapshot(book) == before
    assert_documented(result.stderr, tmp_path)


@pytest.mark.parametrize(
    ("heading", "where", "code"),
    [
        ("A \u202etitle", ":2", "source.bidi-control"),
        ("A title " + "that goes on " * 80, ":2", "source.length"),
    ],
    ids=["bidi-override", "too-long"],
)
def test_import_never_writes_a_title_the_loader_would_refuse(tmp_path, heading, where, code):
    book = _new_book(tmp_path)
    page = _page(tmp_path, f"<h1>{heading}</h1>\n<p>A paragraph of the text, long enough.</p>")
    before = snapshot(book)
    result = run("--root", book, "import", page)
    assert_refused(result, f"{page}{where}", code)
    assert "\u202e" not in result.stderr
    assert snapshot(book) == before
