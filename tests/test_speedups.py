"""The patches to WeasyPrint and pydyf: each applies at the pinned versions, and the book's
PDF is the same, byte for byte, with and without them."""

from __future__ import annotations

import copy
import subprocess
import sys

from studyguide.layout.patches import speedups
from support import ROOT


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


def test_the_pdf_is_the_same_without_the_patches(tmp_path):
    """A book with notes, questions and a glossary, laid out a part a chapter, built with the
    patches and with speedups.apply switched off: the same bytes."""
    script = (
        "import sys\n"
        "from studyguide.layout.patches import speedups\n"
        "if sys.argv.pop(1) == 'off':\n"
        "    speedups.apply = lambda: []\n"
        "from studyguide.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    book = ROOT / "tests" / "fixtures" / "constitucion-1812"
    written = {}
    for patches in ("on", "off"):
        out = tmp_path / patches
        run = subprocess.run(
            [sys.executable, "-c", script, patches, "--root", str(book), "build", "--pdf",
             "--part-size", "1", "--out", str(out)],
            capture_output=True,
            text=True,
            env={"SOURCE_DATE_EPOCH": "1160006400", "PATH": "/usr/bin:/bin"},
            check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        written[patches] = (out / "constitucion-1812.pdf").read_bytes()
    assert written["on"] == written["off"]
