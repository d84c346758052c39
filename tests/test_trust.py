"""The book's folder is not trusted: the build reads only regular files inside it, never runs
a program it names, and writes only into the output folder. One test per point of the trust
model in SECURITY.md. In-process and small, but for the two that must not hang the suite."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from studyguide.cli import main
from studyguide.errors import BuildError, BuildErrors
from studyguide.render.epubpackage import normalise_zip
from studyguide.sources.book import load_book
from studyguide.sources.dates import MAX_EPOCH, build_date
from studyguide.sources.trust import MAX_SOURCE_BYTES
from support import ROOT, make_book, studyguide

SECRET = "SECRET-7f3a the private contents of a file outside the book"
META = (ROOT / "book.toml").read_text(encoding="utf-8")
FRONT = '---\ntitle: "{title}"\nkind: front\n---\n\nThe text of {title}.\n'
GLOSSARY = {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A book of one front chapter in tmp_path/book; tmp_path/secret.md is outside it."""
    (tmp_path / "secret.md").write_text(FRONT.format(title=SECRET), encoding="utf-8")
    return make_book(tmp_path / "book", {"01-a.md": FRONT.format(title="A")}, GLOSSARY, meta=META)


def _codes(root: Path) -> list[str]:
    """The codes of the errors loading the book gives, each checked to be printable."""
    with pytest.raises((BuildError, BuildErrors)) as caught:
        load_book(root)
    errors = getattr(caught.value, "errors", [caught.value])
    printed = caught.value.format(root)
    assert SECRET not in printed  # what lies outside is never quoted
    return [f"{e.where.display(root) if e.where else ''} [{e.code}]" for e in errors]


def _build(root: Path, out: Path, *args: str) -> int:
    return main(["--root", str(root), "build", "--out", str(out), *args])


# ------------------------------------------------------------------ 1. only regular files inside


def test_a_chapter_linked_to_a_file_outside_is_refused_and_never_published(
    book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (book / "chapters" / "02-secret.md").symlink_to(book.parent / "secret.md")
    assert _codes(book) == ["chapters/02-secret.md [source.outside]"]
    assert _build(book, book.parent / "out", "--epub", "--no-cover") == 1
    stderr = capsys.readouterr().err
    assert "chapters/02-secret.md: error: this file is a link to a file outside" in stderr
    assert SECRET not in stderr
    assert not (book.parent / "out").exists() or not list((book.parent / "out").glob("*.epub"))


def test_the_article_linked_outside_is_not_quoted_in_the_fidelity_error(book: Path) -> None:
    (book / "chapters" / "02-article.md").write_text(
        '---\ntitle: "The article"\n---\n\nIts first paragraph.\n', encoding="utf-8"
    )
    (book / "source").mkdir()
    (book / "source" / "article.txt").symlink_to(book.parent / "secret.md")
    assert _codes(book) == ["source/article.txt [source.outside]"]


def test_sources_may_link_to_files_inside_the_book(book: Path) -> None:
    (book / "drafts").mkdir()
    (book / "drafts" / "b.md").write_text(FRONT.format(title="B"), encoding="utf-8")
    (book / "chapters" / "02-b.md").symlink_to("../drafts/b.md")
    assert [c.title for c in load_book(book).chapters] == ["A", "B"]


@pytest.mark.parametrize("which", ["glossary", "book.toml"])
def test_a_source_folder_or_book_toml_linked_outside_is_refused(
    book: Path, tmp_path: Path, which: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.md").write_text(SECRET, encoding="utf-8")
    (elsewhere / "book.toml").write_text(f'title = "{SECRET}"\n', encoding="utf-8")
    target = book / which
    if target.is_dir():
        for child in target.iterdir():
            child.unlink()
        target.rmdir()
    else:
        target.unlink()
    target.symlink_to(elsewhere / which if which == "book.toml" else elsewhere)
    assert _codes(book) == [f"{which} [source.outside]"]


def test_a_fifo_is_refused_at_once_not_waited_on(book: Path) -> None:
    """A FIFO never ends: reading one would hang the build (subprocess, with a time limit)."""
    os.mkfifo(book / "chapters" / "02-pipe.md")
    os.mkfifo(book / "glossary" / "pipe.md")
    run = subprocess.run(
        [*_command(book), "check"], capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 1, run.stderr
    for path in ("chapters/02-pipe.md", "glossary/pipe.md"):
        assert f"{path}: error: the book's sources are regular files, and this is a FIFO" in (
            run.stderr
        )


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device file needs root")
def test_a_device_inside_the_book_is_refused_unopened(book: Path) -> None:
    zero = os.stat("/dev/zero").st_rdev  # endless: read whole, it would exhaust memory
    os.mknod(book / "chapters" / "02-zero.md", stat.S_IFCHR | 0o600, zero)
    assert _codes(book) == ["chapters/02-zero.md [source.not-a-file]"]


def test_a_link_to_a_device_outside_is_refused(book: Path) -> None:
    (book / "glossary" / "zero.md").symlink_to("/dev/zero")
    assert _codes(book) == ["glossary/zero.md [source.outside]"]


def test_the_size_limit_is_applied_while_reading(book: Path) -> None:
    """A sparse 4 GB chapter: the build reads at most the limit and says how big it is."""
    with (book / "chapters" / "02-huge.md").open("wb") as handle:
        handle.truncate(4_000_000_000)
    run = subprocess.run(
        [*_command(book), "check"], capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 1
    assert (
        "chapters/02-huge.md: error: the file is 4,000,000,000 bytes, more than the limit of "
        f"{MAX_SOURCE_BYTES:,} [source.size]"
    ) in run.stderr


def _command(root: Path) -> list[str]:
    return [sys.executable, "-m", "studyguide", "--root", str(root)]


# ------------------------------------------------------------------ 2. nothing run


def _git(root: Path, *args: str, date: str = "2006-10-05T12:00:00Z") -> None:
    environment = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        env=environment,
        check=True,
        capture_output=True,
    )


def test_the_build_date_runs_nothing_the_books_git_config_names(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An fsmonitor hook, a clean filter and a hook folder in the book's own .git/config:
    `git status` would run the first two. The date still comes from the commit."""
    ran = tmp_path / "ran"
    script = tmp_path / "payload.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {ran}\ncat\n', encoding="utf-8")
    script.chmod(0o755)
    _git(book, "init", "-q")
    _git(book, "add", ".")
    _git(book, "commit", "-q", "-m", "the book")
    (book / ".gitattributes").write_text("*.md filter=payload\n", encoding="utf-8")
    hooks = book / ".git" / "payload-hooks"
    hooks.mkdir()
    for name in ("post-index-change", "reference-transaction", "fsmonitor-watchman"):
        (hooks / name).symlink_to(script)
    for key, value in (
        ("core.fsmonitor", str(script)),
        ("core.hooksPath", str(hooks)),
        ("filter.payload.clean", str(script)),
        ("filter.payload.smudge", str(script)),
        ("filter.payload.required", "true"),
        ("core.pager", str(script)),
    ):
        _git(book, "config", key, value)
    (book / ".gitattributes").unlink()  # present or not: nothing may run either way
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_date(book) == dt.datetime(2006, 10, 5, 12, tzinfo=dt.UTC)
    (book / ".gitattributes").write_text("*.md filter=payload\n", encoding="utf-8")
    assert build_date(book) == dt.datetime(2006, 10, 5, 12, tzinfo=dt.UTC)
    assert not ran.exists(), ran.read_text()


def test_an_uncommitted_change_dates_the_build_by_the_file(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(book, "init", "-q")
    _git(book, "add", ".")
    _git(book, "commit", "-q", "-m", "the book")
    chapter = book / "chapters" / "01-a.md"
    chapter.write_text(FRONT.format(title="A, edited"), encoding="utf-8")
    stamp = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    for path in book.rglob("*.*"):
        if ".git" not in path.parts:
            os.utime(path, (stamp.timestamp() - 60, stamp.timestamp() - 60))
    os.utime(chapter, (stamp.timestamp(), stamp.timestamp()))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_date(book) == stamp


@pytest.mark.parametrize(
    "value", ["²", "٣", "253402300800", "10^20", "-1", "1.5", "1e9", "99999999999999999999"]
)
def test_a_wrong_source_date_epoch_is_our_error_before_any_layout(
    book: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert _build(book, tmp_path / "out") == 1
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    assert f"error: SOURCE_DATE_EPOCH is '{value}', not a whole number of seconds" in stderr
    assert "[usage.epoch]" in stderr
    assert "laying out" not in stderr  # checked before any work
    assert stderr.endswith("studyguide: stopped; no edition was written\n")


def test_the_last_second_of_the_year_9999_builds(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MAX_EPOCH))
    assert _build(book, tmp_path / "out", "--epub", "--pdf", "--no-cover") == 0
    with zipfile.ZipFile(tmp_path / "out" / "huanuni-study-guide.epub") as epub:
        assert "9999-12-31T23:59:59Z" in epub.read("EPUB/content.opf").decode()
        assert {i.date_time for i in epub.infolist()} == {(2107, 12, 31, 23, 59, 58)}

    info = PdfReader(tmp_path / "out" / "huanuni-study-guide.pdf").metadata
    assert info is not None and info.creation_date is not None
    assert info.creation_date.year == 9999


def test_zip_dates_outside_what_zip_holds_are_clamped() -> None:
    early = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    packed = normalise_zip(_tiny_zip(), early, "en")
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    return buffer.getvalue()


# ------------------------------------------------------------------ 3. writes only its output


def test_the_books_own_build_folder_may_not_lead_outside(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (book / "build").symlink_to(elsewhere)
    assert main(["--root", str(book), "build", "--epub"]) == 1
    assert "build: error: the output folder is a link to a folder outside the book's folder" in (
        capsys.readouterr().err
    )
    assert list(elsewhere.iterdir()) == []


def test_a_linked_cache_folder_is_not_written_through(tmp_path: Path) -> None:
    from studyguide import cache

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pagemap.keep.json").write_text("not ours", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".cache").symlink_to(elsewhere)
    with pytest.raises(BuildError) as caught:
        cache.write(cache.entry(out, "pagemap", "0123", ".json"), b"[]")
    assert caught.value.code == "output.cache"
    assert [p.name for p in elsewhere.iterdir()] == ["pagemap.keep.json"]


def test_the_lock_file_is_not_followed_out_of_the_output_folder(tmp_path: Path) -> None:
    from studyguide.options import quiet
    from studyguide.output import output_lock

    target = tmp_path / "not-to-be-created"
    out = tmp_path / "out"
    out.mkdir()
    (out / ".studyguide.lock").symlink_to(target)
    with output_lock(out, quiet) as locked:
        assert locked is False  # builds on, unlocked, rather than follow the link
    assert not target.exists()


def test_templates_escape_and_yaml_tags_run_nothing(book: Path, tmp_path: Path) -> None:
    """A YAML tag that would call Python is refused; raw HTML stays text (test_errors)."""
    ran = tmp_path / "ran"
    (book / "chapters" / "02-tag.md").write_text(
        f'---\ntitle: !!python/object/apply:os.system ["touch {ran}"]\n---\n\nText.\n'
    )
    assert _codes(book) == ["chapters/02-tag.md:2:8 [frontmatter.yaml]"]
    assert not ran.exists()


def test_the_check_command_reads_only_the_books_files(book: Path) -> None:
    """The real command line on a book with a link out: exit 1, nothing quoted."""
    (book / "chapters" / "02-secret.md").symlink_to(book.parent / "secret.md")
    run = studyguide("check", root=book)
    assert run.code == 1
    assert SECRET not in run.stderr + run.stdout


def test_every_point_of_the_trust_model_names_a_test_that_exists() -> None:
    """SECURITY.md backs each point with tests: they must exist under the names it gives."""
    import re

    page = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)", page)
    assert len(named) >= 25
    for file_name, test in named:
        assert f"def {test}(" in (ROOT / "tests" / file_name).read_text(encoding="utf-8"), test
