"""One layout per change of the sources: the page map is kept, keyed by the sources' content;
an entry of the cache is used only if it is whole and what it should be."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyguide import cache
from studyguide.cli import main
from support import ROOT, make_book, studyguide


def _build(book, out, *args):
    """A build in a child process, which shows the modules it imports (-X importtime): what
    a build did not need is not even imported. (Builds that need no such evidence run in
    this process: support.studyguide.)"""
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


@dataclass
class RealBuilt:
    book: Path
    out: Path


SMALL = {
    "01-intro.md": "---\ntitle: Introduction\nkind: front\n---\n\nCOMIBOL owns the mine.\n",
    "04-four.md": "---\ntitle: Four\nkind: front\n---\n\nA fact.[^a]\n\n[^a]: A note.\n",
}


@pytest.fixture(scope="module")
def real_built(tmp_path_factory: pytest.TempPathFactory) -> RealBuilt:
    """A small book, its EPUB built once: the first build lays it out."""
    folder = tmp_path_factory.mktemp("real")
    book = make_book(folder / "book", SMALL, GLOSSARY)
    out = folder / "out"
    first = _build(book, out, "--epub")
    assert first.returncode == 0, first.stderr
    assert "weasyprint" in first.stderr  # the first build lays the book out once
    return RealBuilt(book, out)


def test_an_epub_only_rebuild_of_unchanged_sources_needs_no_weasyprint(real_built, tmp_path):
    out = shutil.copytree(real_built.out, tmp_path / "out")
    # Another EPUB option, the same layout: the page map kept from the first build serves.
    again = _build(real_built.book, out, "--epub", "--no-cover")
    assert again.returncode == 0, again.stderr
    assert "using the page map of the unchanged sources" in again.stderr
    assert "weasyprint" not in again.stderr


def test_changed_sources_are_laid_out_again(real_built, tmp_path):
    book = shutil.copytree(real_built.book, tmp_path / "book")
    out = shutil.copytree(real_built.out, tmp_path / "out")
    maps = sorted(p.name for p in (out / ".cache").glob("pagemap.*"))
    chapter = next((book / "chapters").glob("04-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("]: ", "]: Edited. ", 1))
    again = _build(book, out, "--epub")
    assert again.returncode == 0, again.stderr
    assert "weasyprint" in again.stderr
    new_maps = sorted(p.name for p in (out / ".cache").glob("pagemap.*"))
    assert len(new_maps) == 1 and new_maps != maps  # the stale map is dropped


def test_the_word_breaks_of_a_build_serve_the_next_without_the_dictionary(built, monkeypatch):
    """The print edition's word breaks are kept with the layout: a build after an edit that
    brings no new word hyphenates the book as the dictionary would, without loading it."""
    from studyguide.layout import partcache
    from studyguide.model import Medium
    from studyguide.render import typeset
    from studyguide.render.views import render_book
    from studyguide.sources.book import load_book

    book = load_book(ROOT)

    def printed() -> list[str]:
        view = render_book(book, Medium.PRINT)
        return [repr(chapter) for chapter in view.chapters_html] + [repr(view.glossary_html)]

    monkeypatch.setattr(typeset, "_BREAKS", {})
    looked_up = printed()
    assert "\\xad" in "".join(looked_up)  # (a soft hyphen, as repr writes it)
    kept = cache.read(partcache.word_breaks(built.out))
    assert kept is not None and json.loads(kept)["en"]  # kept by the first build

    def no_dictionary(language: str) -> None:
        raise AssertionError(f"the {language} dictionary was loaded")

    monkeypatch.setattr(typeset, "_BREAKS", {})
    monkeypatch.setattr(typeset, "_dictionary", no_dictionary)
    typeset.learn_breaks(kept)
    assert printed() == looked_up


def test_kept_word_breaks_are_taken_only_where_the_rules_allow_a_break(monkeypatch):
    """The kept breaks are the book folder's, not trusted: a word with anything but soft
    hyphens added, a break nearer an end than the rules allow, a name, are left out."""
    from studyguide.render import typeset

    monkeypatch.setattr(typeset, "_BREAKS", {})
    kept = {
        "struggle": "strug\u00adgle",  # sound
        "because": "be\u00adcause",  # two letters before the break
        "workers": "work\u00aders\u00ad",  # a break at the end
        "another": "an<b>other",  # not the word
        "Bolivia": "Bol\u00adivia",  # a name: never broken
        "miners": 3,
    }
    typeset.learn_breaks(json.dumps({"en": kept, "fr": []}).encode("utf-8"))
    typeset.learn_breaks(b"not JSON")
    typeset.learn_breaks(b"[1, 2]")
    assert typeset._BREAKS == {"en": {"struggle": "strug\u00adgle"}}


def test_a_file_where_the_cache_goes_is_a_clear_error(kept, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".cache").write_text("not a folder")
    run = studyguide("build", "--epub", "--out", out, root=kept.book)
    assert run.code == 1
    assert "error: cannot keep the build cache here" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_build_of_unchanged_sources_and_options_does_nothing(tmp_path):
    book = make_book(tmp_path / "book", SMALL, GLOSSARY)
    out = tmp_path / "out"
    first = studyguide("build", "--epub", "--no-cover", "--out", out, root=book)
    assert first.code == 0, first.stderr
    epub = out / "huanuni-study-guide.epub"
    made = epub.read_bytes()
    again = _build(book, out, "--epub", "--no-cover")
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stderr
    assert "markdown_it" not in again.stderr  # not even the sources were parsed
    assert again.stdout.split() == [str(epub)]
    # An edition changed or removed since is written again.
    epub.write_bytes(b"not an EPUB")
    third = studyguide("build", "--epub", "--no-cover", "--out", out, root=book)
    assert third.code == 0, third.stderr
    assert "nothing to do" not in third.stderr and epub.read_bytes() == made


# ------------------------------------------------------------------ entries verified when read


GLOSSARY = {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"}
CHAPTER = "---\ntitle: Introduction\nkind: front\n---\n\nCOMIBOL owns the Huanuni mine.\n"


@dataclass
class Kept:
    book: Path
    out: Path
    epub: bytes


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Kept:
    """A small book built once (EPUB with its cover), its cache full."""
    folder = tmp_path_factory.mktemp("kept")
    book = make_book(folder / "book", {"01-intro.md": CHAPTER}, GLOSSARY)
    out = folder / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1160006400")
        assert main(["--root", str(book), "build", "--epub", "--out", str(out)]) == 0
    return Kept(book, out, (out / "huanuni-study-guide.epub").read_bytes())


def _entry(out: Path, kind: str) -> Path:
    (found,) = (out / ".cache").glob(f"{kind}.*")
    return found


def _content(path: Path) -> bytes:
    return path.read_bytes().split(b"\n", 1)[1]


def _with_digest(data: bytes) -> bytes:
    """An entry whose digest is right for `data`: only the content check can refuse it."""
    return b"studyguide-cache sha256:" + hashlib.sha256(data).hexdigest().encode() + b"\n" + data


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _sound_digest_half_font(path: Path) -> None:
    path.write_bytes(_with_digest(_content(path)[:2000]))


def _sound_digest_small_png(path: Path) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, format="PNG")
    path.write_bytes(_with_digest(buffer.getvalue()))


def _empty_page_map(path: Path) -> None:
    path.write_bytes(_with_digest(b'{"starts": [], "in_notes": []}'))


def _page_map_of_wrong_types(path: Path) -> None:
    entries = json.loads(_content(path))
    entries["starts"][0]["offset"] = str(entries["starts"][0]["offset"])
    entries["starts"][-1]["label"] = 7
    path.write_bytes(_with_digest(json.dumps(entries).encode()))


@pytest.mark.parametrize(
    ("kind", "spoil"),
    [
        ("font-charis-sil-regular", _truncated),
        ("font-charis-sil-bold", _sound_digest_half_font),
        ("cover", _truncated),
        ("cover", _sound_digest_small_png),
        ("pagemap", _empty_page_map),
        ("pagemap", _page_map_of_wrong_types),
        ("pagemap", _truncated),
    ],
    ids=[
        "font-truncated",
        "font-not-whole",
        "cover-truncated",
        "cover-wrong-size",
        "page-map-empty",
        "page-map-wrong-types",
        "page-map-truncated",
    ],
)
def test_a_spoiled_cache_entry_is_made_again_never_used(
    kept: Kept, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, spoil: Callable
) -> None:
    out = shutil.copytree(kept.out, tmp_path / "out")
    entry = _entry(out, kind)
    spoil(entry)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1160006400")
    assert main(["--root", str(kept.book), "build", "--epub", "--out", str(out)]) == 0
    assert (out / "huanuni-study-guide.epub").read_bytes() == kept.epub  # same as first made
    assert entry.read_bytes() == _entry(kept.out, kind).read_bytes()  # and kept again


def test_a_fifo_in_the_cache_is_not_waited_on(kept: Kept, tmp_path: Path) -> None:
    out = shutil.copytree(kept.out, tmp_path / "out")
    entry = _entry(out, "cover")
    entry.unlink()
    os.mkfifo(entry)
    assert cache.read(entry) is None


def test_a_manifest_naming_files_outside_the_output_folder_is_not_trusted(tmp_path):
    """A book can ship a build/ folder: a manifest there that names files elsewhere (to skip
    the build, or to make it read them) is ignored, and the build runs."""
    from studyguide.build import _build_key, _manifest, up_to_date
    from studyguide.options import Options
    from studyguide.sources.dates import build_date

    book = make_book(tmp_path / "book", {"01-intro.md": CHAPTER}, GLOSSARY)
    outside = tmp_path / "elsewhere.epub"
    outside.write_bytes(b"not the book's")
    options = Options(out=book / "build")
    names = ["epub"]
    key = _build_key(book, options, names, build_date(book).isoformat())
    manifest = _manifest(options, names, key)
    manifest.parent.mkdir(parents=True)
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    cache.write(manifest, json.dumps({str(outside): digest}).encode())
    assert up_to_date(book, options, names) is None
