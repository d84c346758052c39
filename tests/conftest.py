"""Shared fixtures: one real build of the book for the whole session (a full PDF is slow)."""

from __future__ import annotations

import fcntl
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import ROOT, studyguide


@dataclass
class Built:
    out: Path
    epub: Path
    pdf: Path
    stderr: str
    kepub: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Built:
    """The real book, built once with the real command line into a temporary folder: once
    for the whole run, shared by the test workers (the first to need it builds it, under a
    lock; the others wait for it and read it). Tests copy it before changing anything."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out = shared / "built-book"
    with (shared / "built-book.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "built-book.json"
        if not done.exists():
            run = studyguide(
                "build", "--pdf", "--epub", "--kepub", "--out", out,
                env={"SOURCE_DATE_EPOCH": "1160006400"},
            )  # fmt: skip
            assert run.code == 0, run.stderr
            done.write_text(json.dumps({"stdout": run.stdout, "stderr": run.stderr}))
        run = json.loads(done.read_text())
    written = [Path(line) for line in run["stdout"].split()]
    epub = next(p for p in written if p.name.endswith(".epub") and ".kepub" not in p.name)
    pdf = next(p for p in written if p.suffix == ".pdf")
    kepub = next(p for p in written if p.name.endswith(".kepub.epub"))
    return Built(out, epub, pdf, run["stderr"], kepub)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


# The files whose tests take longest, longest first: run first, they leave the short ones to
# fill in around them on the two workers (`-n 2 --dist loadfile` hands files out in order;
# `--no-loadscope-reorder`, or xdist would order the files by their number of tests).
SLOW_FIRST = [
    "test_parts.py",
    "test_parallel.py",
    "test_fuzz.py",
    "test_print.py",
    "test_epub_editions.py",
    "test_typography.py",
    "test_pagemap.py",
    "test_cache.py",
    "test_epub.py",
    "test_new.py",
    "test_next_text.py",
    "test_worked_example.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # (stable: within a file, tests keep their order)
