"""Shared fixtures: one real build of the book for the whole session (a full PDF is slow)."""

from __future__ import annotations

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
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The real book, built once with the real command line into a temporary folder."""
    out = tmp_path_factory.mktemp("build")
    run = studyguide(
        "build", "--pdf", "--epub", "--kepub", "--out", out, env={"SOURCE_DATE_EPOCH": "1160006400"}
    )
    assert run.code == 0, run.stderr
    written = [Path(line) for line in run.stdout.split()]
    epub = next(p for p in written if p.name.endswith(".epub") and ".kepub" not in p.name)
    pdf = next(p for p in written if p.suffix == ".pdf")
    kepub = next(p for p in written if p.name.endswith(".kepub.epub"))
    return Built(out, epub, pdf, run.stderr, kepub)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
