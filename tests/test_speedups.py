"""The patches to WeasyPrint and pydyf: each applies at the pinned versions, and the book's
PDF is the same, byte for byte, with and without them."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys

import pymupdf

from studyguide.layout.patches import speedups
from support import ROOT, studyguide


def test_every_patch_applies_at_the_pinned_versions():
    import pydyf
    import weasyprint

    assert weasyprint.__version__.startswith("70.")
    assert pydyf.__version__.startswith("0.13.")
    assert speedups.apply() == list(speedups.PATCHES)


def test_a_patch_for_another_version_is_skipped_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(speedups, "_EXPECTED_REFERENCES", "0" * 120)
    import pydyf

    monkeypatch.delattr(pydyf.PDF, "_studyguide_cached_references", raising=False)
    assert speedups.remember_page_references() is False
    assert "patch is skipped" in caplog.text and "pydyf" in caplog.text


def test_pydyf_compresses_its_streams_at_zlib_s_own_level():
    """patches/compression.py: a stream pydyf writes is compressed at level 6, not 9, and
    reads back whole."""
    import zlib

    import pydyf

    from studyguide.layout.patches import compression

    assert compression.apply() == ["compression"]
    raw = b"".join(f"{n} 0 0 RG {n} {n * 2} m {n * 3} {n} l S\n".encode() for n in range(5000))
    stream = pydyf.Stream([raw], compress=True)
    data = stream.data
    written = data[data.index(b"stream\n") + 7 : data.rindex(b"\nendstream")]
    assert zlib.decompress(written) == raw
    level = {level: len(zlib.compress(raw, level)) for level in (6, 9)}
    assert level[6] != level[9] and len(written) == level[6], (len(written), level)


def test_a_copied_footnote_list_has_an_index_of_its_own():
    first = speedups.FootnoteList(["a", "b"])
    for second in (copy.copy(first), copy.deepcopy(first), first.copy()):
        second.append("c")
        second.remove("a")
        assert "c" in second and "a" not in second
        assert "c" not in first and "a" in first


# A chapter whose pages hold several notes each, some long enough to go on over a page: the
# note area is measured again at each call, the case the note-layout memo is for.
NOTES_CHAPTER = (
    '---\ntitle: "Notas"\nkind: back\n---\n\n'
    + "\n\n".join(
        f"Párrafo {n}: las Cortes de Cádiz debatieron cada artículo,[^a{n}] y sus actas lo "
        f"recogen con detalle.[^b{n}] El texto sigue un poco más para llenar la línea."
        for n in range(1, 6)
    )
    + "\n\n"
    + "\n\n".join(
        f"[^a{n}]: Nota breve {n} sobre el debate."
        + (" Una nota larga sigue en la página siguiente. " * 150 if n == 4 else "")
        + f"\n\n[^b{n}]: Otra nota, la {n}, sobre las actas de las sesiones."
        for n in range(1, 6)
    )
    + "\n"
)


def test_the_pdf_is_the_same_without_the_patches(tmp_path, monkeypatch):
    """A book with notes (pages of several, some continued), questions and a glossary, laid
    out a part a chapter, built with the patches (in this process, where they are applied)
    and with speedups.apply and the note-layout memo switched off (in a child process, which
    imports WeasyPrint afresh): the same bytes."""
    script = (
        "import sys\n"
        "from studyguide.layout.patches import footnotes, speedups\n"
        "speedups.apply = lambda: []\n"
        "footnotes.note_layout = lambda original: original\n"
        "from studyguide.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    book = tmp_path / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "constitucion-1812", book)
    (book / "chapters" / "03-notas.md").write_text(NOTES_CHAPTER, encoding="utf-8")
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
    with pymupdf.open(stream=written["on"]) as document:  # the case is there
        pages = [page.get_text() for page in document]
    assert any("(continuación)" in page for page in pages)
    assert any(len(re.findall(r"(?m)^\d+\. ", page)) >= 5 for page in pages)


def test_weasyprint_is_imported_without_running_a_compiler(tmp_path):
    """ctypes' library search runs gcc and ld for each name WeasyPrint tries that is not a
    file; prepare() imports WeasyPrint from ldconfig's cache alone, and finds the same
    libraries (the optional HarfBuzz subsetter too)."""
    ran = tmp_path / "ran"
    for tool in ("gcc", "cc", "ld", "objdump"):
        fake = tmp_path / "bin" / tool
        fake.parent.mkdir(exist_ok=True)
        fake.write_text(f"#!/bin/sh\necho {tool} >> {ran}\nexit 1\n")
        fake.chmod(0o755)
    script = (
        "from studyguide.layout.engine import prepare\n"
        "prepare()\n"
        "from weasyprint.text import ffi\n"
        "print(ffi.harfbuzz_subset is not None, ffi.pangoft2 is not None)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]
    assert not ran.exists(), ran.read_text()
