"""The patches to WeasyPrint and pydyf: each applies at the pinned versions, and the book's
PDF is the same, byte for byte, with and without them."""

from __future__ import annotations

import copy
import subprocess
import sys

from studyguide.layout.patches import speedups
from support import ROOT, studyguide


def test_every_patch_applies_at_the_pinned_versions():
    import pydyf
    import weasyprint

    assert weasyprint.__version__.startswith("70.")
    assert pydyf.__version__.startswith("0.13.")
    assert speedups.apply() == list(speedups.PATCHES)


def test_a_patch_for_another_version_is_skipped_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(speedups, "_EXPECTED_REFERENCES", "0" * 16)
    import pydyf

    monkeypatch.delattr(pydyf.PDF, "_studyguide_cached_references", raising=False)
    assert speedups.remember_page_references() is False
    assert "patch is skipped" in caplog.text and "pydyf" in caplog.text


def test_a_copied_footnote_list_has_an_index_of_its_own():
    first = speedups.FootnoteList(["a", "b"])
    for second in (copy.copy(first), copy.deepcopy(first), first.copy()):
        second.append("c")
        second.remove("a")
        assert "c" in second and "a" not in second
        assert "c" not in first and "a" in first


def test_the_pdf_is_the_same_without_the_patches(tmp_path, monkeypatch):
    """A book with notes, questions and a glossary, laid out a part a chapter, built with the
    patches (in this process, where they are applied) and with speedups.apply switched off
    (in a child process, which imports WeasyPrint afresh): the same bytes."""
    script = (
        "import sys\n"
        "from studyguide.layout.patches import speedups\n"
        "speedups.apply = lambda: []\n"
        "from studyguide.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    book = ROOT / "tests" / "fixtures" / "constitucion-1812"
    options = ["build", "--pdf", "--part-size", "1"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1160006400")
    assert speedups.apply() == list(speedups.PATCHES)  # on in this process (idempotent)
    run = studyguide(*options, "--out", tmp_path / "on", root=book)
    assert run.code == 0, run.stderr
    off = subprocess.run(
        [sys.executable, "-c", script, "--root", str(book), *options, "--out", tmp_path / "off"],
        capture_output=True,
        text=True,
        env={"SOURCE_DATE_EPOCH": "1160006400", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert off.returncode == 0, off.stderr
    written = {
        patches: (tmp_path / patches / "constitucion-1812.pdf").read_bytes()
        for patches in ("on", "off")
    }
    assert written["on"] == written["off"]
