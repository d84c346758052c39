"""The tests' EPUBCheck server (support.EpubCheckServer, one JVM for a test worker's checks)
reports what EPUBCheck in a JVM of its own reports, check after check, and where it cannot
start or dies, the checks go on without it."""

from __future__ import annotations

import json
import re
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from conftest import EPOCH

from support import ROOT, EpubCheckServer, epubcheck, epubcheck_served, studyguide


def _broken(good: Path, path: Path) -> Path:
    """`good` with a wrong mimetype and a first chapter that is not well-formed XML."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as broken:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "mimetype":
                data = b"application/epub+zap"
            elif info.filename.endswith("/chapter-01.xhtml"):
                data = data.replace(b"</p>", b"</q></p>", 1)
            broken.writestr(info, data)
    return path


def _without_run_ids(messages: list[dict]) -> list[dict]:
    """Messages with the random id EPUBCheck gives each run's container URL taken out (two
    runs of the same EPUB differ there, and only there)."""
    text = json.dumps(messages)
    return json.loads(re.sub(r"https://[0-9a-f-]{36}\.epubcheck\.", "https://RUN.epubcheck.", text))


class _WithoutCompiler(EpubCheckServer):
    """The server on a Java runtime without the JDK's compiler (a JRE): the source launcher
    cannot start."""

    def command(self) -> list[str]:
        java, *options = super().command()
        return [java, "--limit-modules", "java.base", *options]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Spanish test book's EPUB: a small one, whose checks cost the JVMs little (the
    real book's EPUB is checked in test_epub)."""
    out = tmp_path_factory.mktemp("good")
    book = ROOT / "tests" / "fixtures" / "constitucion-1812"
    run = studyguide("build", "--epub", "--out", out, root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    return out / "constitucion-1812.epub"


def test_the_server_reports_what_epubcheck_alone_reports(good, tmp_path):
    """A good EPUB, a broken one and the good one again through the one server: the broken
    one's errors all there, exactly as a JVM of their own finds them (here, where the server
    cannot start), and none of them left over for the good one."""
    broken = _broken(good, tmp_path / "broken.epub")
    before = epubcheck_served(good, tmp_path / "good-before.json")
    served = epubcheck_served(broken, tmp_path / "broken-served.json")
    after = epubcheck_served(good, tmp_path / "good-after.json")

    found = {(m["severity"], m["ID"]) for m in served}
    assert {("ERROR", "PKG-007"), ("FATAL", "RSC-016")} <= found, found
    assert before == after == []

    without = _WithoutCompiler()
    with pytest.warns(UserWarning, match="did not start"):
        alone = epubcheck(broken, tmp_path / "broken-alone.json", server=without)
    assert without.failure is not None
    assert _without_run_ids(served) == _without_run_ids(alone)


class _Fake(EpubCheckServer):
    """A stand-in for the JVM, in Python: says it is ready, answers the first check, then
    does `then` with the second."""

    def __init__(self, then: str) -> None:
        super().__init__()
        self.then = then

    def command(self) -> list[str]:
        script = (
            "import sys, time\n"
            "print('ready', flush=True)\n"
            "sys.stdin.readline()\n"
            "print('1 exit 0', flush=True)\n"
            "sys.stdin.readline()\n"
        )
        return [sys.executable, "-c", script + self.then]


@pytest.mark.parametrize(
    ("then", "why"),
    [
        ("", "stopped during a check"),
        ("print('2 error java.lang.OutOfMemoryError: Java heap space', flush=True)", "heap space"),
        ("time.sleep(600)", "stopped during a check"),
    ],
    ids=["dies", "throws", "hangs"],
)
def test_a_server_that_fails_is_not_asked_again(then, why, tmp_path):
    """A server that dies, answers with an error, or hangs (and is ended when its patience
    runs out): the check says why it did not check (epubcheck then runs a JVM of its own) and
    warns, and later checks are not sent to it."""
    server = _Fake(then)
    epub, report = tmp_path / "book.epub", tmp_path / "report.json"
    assert server.check(epub, report) is None
    server.PATIENCE = 1.0  # (the hung one: ended after a second, not ten minutes)
    with pytest.warns(UserWarning, match=why):
        failure = server.check(epub, report)
    assert failure is not None and why in failure
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (not started again, so no second failure)
        assert server.check(epub, report) == failure
