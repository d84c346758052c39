"""Shared fixtures: one real build of the book for the whole session (a full PDF is slow)."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from xdist.scheduler import LoadFileScheduling

from studyguide.layout.workers import JOBS_VARIABLE
from support import ROOT, studyguide

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# The tests run in two workers already (pytest -n 2, a core each): a build in a test lays its
# parts out one after the other, rather than forking workers of a large test process for
# no gain. The real book's shared build of every edition lays its parts out side by side
# (ALL_CORES), as `make` does on this machine; its other paper sizes, in turn, as on a machine
# of one core (with fewer layouts: parts.lay_out's `in_turn`); test_parts checks that both
# ways give the same bytes.
os.environ.setdefault(JOBS_VARIABLE, "1")
ALL_CORES = {JOBS_VARIABLE: "0"}


@dataclass
class Built:
    out: Path
    epub: Path
    pdf: Path
    stderr: str
    kepub: Path


def _shared_build(
    factory: pytest.TempPathFactory,
    worker_id: str,
    name: str,
    args: list,
    wait: bool = True,
    cores: dict[str, str] | None = None,
) -> dict | None:
    """A build of the real book, made once for the whole run and shared by the test workers
    (the first to need it builds it, under a lock; the others wait and read it). Without
    `wait`, None while another worker is making it."""
    shared = _shared_folder(factory, worker_id)
    out = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return None
        done = shared / f"{name}.json"
        if not done.exists():
            run = studyguide(*args, "--out", out, env=EPOCH | (cores or {}))
            assert run.code == 0, run.stderr
            done.write_text(json.dumps({"stdout": run.stdout, "stderr": run.stderr}))
        result = json.loads(done.read_text())
    result["out"] = str(out)
    return result


EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}  # 5 October 2006, the statement's date


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Built:
    """The real book, built once with the real command line into a temporary folder: once
    for the whole run, shared by the test workers. Tests copy it before changing anything."""
    run = _shared_build(
        tmp_path_factory,
        worker_id,
        "built-book",
        ["build", "--pdf", "--epub", "--kepub", "--web", "--handout", "--facilitator"],
        cores=ALL_CORES,
    )
    assert run is not None
    written = [Path(line) for line in run["stdout"].split()]
    epub = next(p for p in written if p.name.endswith(".epub") and ".kepub" not in p.name)
    pdf = next(p for p in written if p.suffix == ".pdf")
    kepub = next(p for p in written if p.name.endswith(".kepub.epub"))
    made = Built(Path(run["out"]), epub, pdf, run["stderr"], kepub)
    if _CALIBRE_WANTED:
        in_calibre_started(tmp_path_factory, worker_id, made)
    return made


# Whether this run's tests read the real book's EPUBs as calibre lays them out (in_calibre).
_CALIBRE_WANTED = False
CALIBRE_ENV = {"QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
_BACKGROUND: list[subprocess.Popen] = []  # (kept, to be reaped when they end)


def _shared_folder(factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = factory.getbasetemp()
    return base if worker_id == "master" else base.parent


def in_calibre_started(factory: pytest.TempPathFactory, worker_id: str, made: Built) -> Path:
    """The real book's EPUB and kepub converted to PDF by calibre's ebook-convert, started
    once for the run as soon as they are built, in a process of its own (tests/background.py)
    that the tests go on beside: calibre spends a dozen seconds a book mostly waiting on its
    renderer's timers, a core left idle if a test waited for it. Its folder; `in_calibre`
    waits for the result."""
    shared = _shared_folder(factory, worker_id)
    folder = shared / "calibre"
    with (shared / "calibre.start-lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (shared / "calibre.started").exists():
            return folder
        folder.mkdir(exist_ok=True)
        # The EPUB as calibre sets it (a PDF, its pages read back); the kepub as calibre reads
        # it (plain text: a third of the CPU time of setting it, and enough to show that
        # calibre opens every document of it)
        commands = [
            (
                "epub",
                ["ebook-convert", str(made.epub), str(folder / "epub.pdf"), "--paper-size", "a5"],
                CALIBRE_ENV,
            ),
            ("kepub", ["ebook-convert", str(made.kepub), str(folder / "kepub.txt")], CALIBRE_ENV),
        ]
        runner = [sys.executable, str(ROOT / "tests" / "background.py")]
        with (folder / "running.lock").open("w") as running:
            fcntl.flock(running, fcntl.LOCK_EX)  # (held by the runner, which inherits it)
            _BACKGROUND.append(
                subprocess.Popen(
                    [*runner, str(folder / "result.json"), json.dumps(commands)],
                    pass_fds=[running.fileno()],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        (shared / "calibre.started").touch()
    return folder


def in_calibre_result(folder: Path) -> dict:
    """What the calibre conversions started by `in_calibre_started` gave, once they end."""
    with (folder / "running.lock").open() as running:
        fcntl.flock(running, fcntl.LOCK_EX)  # (free once the runner has ended)
    result = folder / "result.json"
    assert result.exists(), "the calibre conversions ended without a result"
    return json.loads(result.read_text(encoding="utf-8"))


def pytest_collection_finish(session: pytest.Session) -> None:
    global _CALIBRE_WANTED
    _CALIBRE_WANTED = any("in_calibre" in getattr(i, "fixturenames", ()) for i in session.items)


# The print editions the proof is checked on, besides the A4 one of `built`: (paper, options)
PRINT_EDITIONS = {
    "letter": ["--paper", "letter"],
    "a5": ["--paper", "a5"],
    "a4-one-sided": ["--paper", "a4", "--no-blank-pages"],
}


@dataclass
class PrintBuild:
    name: str
    options: list[str]  # the paper and sides, as the command line takes them
    out: Path  # the output folder, with its build cache
    pdf: Path


@pytest.fixture(scope="session")
def print_builds(tmp_path_factory: pytest.TempPathFactory, worker_id: str, built) -> dict:
    """The real book's PDF at every paper size and single-sided, each built once for the run:
    first those no other worker is making, then those it is, waited for (two workers that
    need them make two at a time, and neither waits while there is one to make)."""
    builds = {"a4": PrintBuild("a4", ["--paper", "a4"], built.out, built.pdf)}
    for wait in (False, True):
        for name, options in PRINT_EDITIONS.items():
            if name in builds:
                continue
            run = _shared_build(
                tmp_path_factory, worker_id, f"print-{name}", ["build", "--pdf", *options], wait
            )
            if run is not None:
                pdf = Path(run["stdout"].split()[-1])
                builds[name] = PrintBuild(name, options, Path(run["out"]), pdf)
    return {name: builds[name] for name in ("a4", *PRINT_EDITIONS)}  # (in their order)


@pytest.fixture(scope="session")
def handout(built: Built) -> Path:
    """The real book's questions handout, made with its other editions (`build --handout`;
    the `handout` command itself is run in test_proof, with a meeting's date)."""
    path = built.out / "huanuni-study-guide-questions.pdf"
    assert path.is_file()
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One Chromium for the whole run of a test worker, started when a test first needs it
    (a start costs a second of CPU): each test opens its own pages with `new_page()`, each
    in a fresh context of its own (no cookie, cache or storage shared), and closes them."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"]
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


# The files whose tests take longest, longest first (each file's time in a run of the whole
# suite): run first, they leave the short ones to fill in around them on the two workers
# (`-n 2 --dist loadfile` hands files out in order; `--no-loadscope-reorder`, or xdist would
# order the files by their number of tests). test_proof makes the real book's builds that
# other files share (built, print_builds); the long files that need none of them come next,
# to keep the other worker busy meanwhile rather than waiting for those builds. The files
# that run EPUBCheck go out as one unit where the first of them is (_FilesEpubCheckTogether).
SLOW_FIRST = [
    "test_proof.py",
    # none of the real book's builds
    "test_incremental.py",
    "test_warm.py",
    "test_fuzz.py",
    "test_parallel.py",
    "test_new.py",
    # any
    "test_cache.py",
    "test_safety.py",
    "test_web.py",
    "test_preview.py",
    "test_parts.py",
    "test_worked_example.py",
    "test_print.py",
    "test_next_text.py",
    "test_figures.py",
    "test_typography.py",
    "test_second_book.py",
    "test_text_safety.py",
    "test_pagemap.py",
    "test_epub_editions.py",
    "test_errors.py",
    "test_epub.py",
    "test_trust.py",
    "test_speedups.py",
    "test_facilitator.py",
    "test_citations.py",
]


class _FilesEpubCheckTogether(LoadFileScheduling):
    """`--dist loadfile` (a file's tests to one worker, as one unit), but the files that run
    EPUBCheck (support.epubcheck) are one unit together: their checks go to one JVM for the
    run (support.EpubCheckServer), not one a worker, whose start and first check cost some
    5 s of CPU time."""

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        return "(the files that run EPUBCheck)" if _runs_epubcheck(path) else path


@functools.cache
def _runs_epubcheck(path: str) -> bool:
    file = ROOT / path
    return file.is_file() and bool(re.search(r"\bepubcheck\w*\(", file.read_text("utf-8")))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadFileScheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None  # (xdist's own)
    return _FilesEpubCheckTogether(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # (stable: within a file, tests keep their order)
