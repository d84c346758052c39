"""One layout per change of the sources: the page map is kept, keyed by the sources' content."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT, copy_real_book


def _build(book, out, *args):
    return subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "studyguide",
            "--root",
            str(book),
            "build",
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_epub_only_rebuild_of_unchanged_sources_needs_no_weasyprint(tmp_path):
    book = copy_real_book(tmp_path / "book")
    out = tmp_path / "out"
    first = _build(book, out, "--epub")
    assert first.returncode == 0, first.stderr
    assert "weasyprint" in first.stderr  # the first build lays the book out once
    # Another EPUB option, the same layout: the page map kept from the first build serves.
    again = _build(book, out, "--epub", "--no-cover")
    assert again.returncode == 0, again.stderr
    assert "using the page map of the unchanged sources" in again.stderr
    assert "weasyprint" not in again.stderr
    assert "using the page map of the unchanged sources" in again.stderr


def test_changed_sources_are_laid_out_again(tmp_path):
    book = copy_real_book(tmp_path / "book")
    out = tmp_path / "out"
    assert _build(book, out, "--epub").returncode == 0
    maps = sorted((out / ".cache").glob("pagemap.*"))
    chapter = next((book / "chapters").glob("04-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("]: ", "]: Edited. ", 1))
    again = _build(book, out, "--epub")
    assert again.returncode == 0, again.stderr
    assert "weasyprint" in again.stderr
    new_maps = sorted((out / ".cache").glob("pagemap.*"))
    assert len(new_maps) == 1 and new_maps != maps  # the stale map is dropped


def test_a_file_where_the_cache_goes_is_a_clear_error(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".cache").write_text("not a folder")
    run = _build(ROOT, out, "--epub")
    assert run.returncode == 1
    assert "error: cannot keep the build cache here" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_build_of_unchanged_sources_and_options_does_nothing(tmp_path):
    book = copy_real_book(tmp_path / "book")
    out = tmp_path / "out"
    first = _build(book, out, "--epub", "--no-cover")
    assert first.returncode == 0, first.stderr
    epub = out / "huanuni-study-guide.epub"
    made = epub.read_bytes()
    again = _build(book, out, "--epub", "--no-cover")
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stderr
    assert "markdown_it" not in again.stderr  # not even the sources were parsed
    assert again.stdout.split() == [str(epub)]
    # An edition changed or removed since is written again.
    epub.write_bytes(b"not an EPUB")
    third = _build(book, out, "--epub", "--no-cover")
    assert "nothing to do" not in third.stderr and epub.read_bytes() == made
