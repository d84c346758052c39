"""Safety of a build: nothing read from outside the book, nothing lost when a build fails or
is interrupted, the same sources give the same bytes."""

from __future__ import annotations

import datetime as dt
import errno
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ALL_CORES
from lxml import html
from pypdf import PdfReader

from studyguide.errors import BuildError, BuildErrors
from support import ROOT, SMALL_GLOSSARY, SMALL_INTRO, assert_documented, make_book, studyguide

EPOCH = "1160006400"  # 5 October 2006, 00:00 UTC
SLUG = "small-guide"
META = (ROOT / "book.toml").read_text(encoding="utf-8")
META = META.replace('slug = "huanuni-study-guide"', f'slug = "{SLUG}"')
INTRO, GLOSSARY = SMALL_INTRO, SMALL_GLOSSARY


def _small_book(folder: Path, paragraphs: int = 0) -> Path:
    """A book of one front chapter; `paragraphs` more of them make the PDF slower to write."""
    long = "\n\n".join(
        f"Paragraph {n}: the miners of Huanuni and the co-operatives. " * 8
        for n in range(paragraphs)
    )
    return make_book(folder, {"01-intro.md": INTRO + "\n" + long}, GLOSSARY, meta=META)


def _editions(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".epub", ".pdf")}


def _leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".part")]


# ------------------------------------------------------------ nothing read from outside


@dataclass
class Server:
    url: str
    requests: list[str]


@pytest.fixture
def server() -> Iterator[Server]:
    """A web server on the loopback interface that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", requests)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """Every file this process opens while the test runs (Python's `open` audit event)."""
    seen: list[str] = []
    active = True

    def hook(event: str, args: tuple) -> None:
        if active and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            seen.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)  # hooks cannot be removed: this one goes quiet after the test
    yield seen
    active = False


def test_remote_image_in_a_chapter_is_refused_without_a_request(
    tmp_path: Path, server: Server
) -> None:
    book = _small_book(tmp_path / "book")
    chapter = book / "chapters" / "01-intro.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + f"\n![The mine]({server.url}/mine.png)\n",
        encoding="utf-8",
    )
    line = (
        chapter.read_text(encoding="utf-8")
        .splitlines()
        .index(f"![The mine]({server.url}/mine.png)")
        + 1
    )
    run = studyguide("build", "--out", tmp_path / "out", root=book)
    assert run.code == 1
    assert f"chapters/01-intro.md:{line}: error: image " in run.stderr
    assert "[markdown.remote]" in run.stderr
    assert server.requests == []


def _layout_refusals(html_text: str, root: Path) -> str:
    from studyguide.layout import engine as pdf

    with pytest.raises((BuildError, BuildErrors)) as caught:
        pdf.lay_out_html(html_text, root)
    return caught.value.format(root)


def test_print_layout_requests_nothing_from_the_network(tmp_path: Path, server: Server) -> None:
    """The fetcher refuses http: and https: before any connection: the server sees nothing."""
    root = _small_book(tmp_path / "book")
    page = f"""<html><head>
        <link rel="stylesheet" href="{server.url}/style.css">
        <style>@import url("{server.url}/import.css");
               body {{ background: url("{server.url}/background.png") }}
               @font-face {{ font-family: X; src: url("{server.url}/font.ttf") }}</style>
        </head><body><p style="font-family: X">Text</p>
        <img src="{server.url}/image.png" alt=""><img src="https://example.org/x.png" alt="">
        </body></html>"""
    message = _layout_refusals(page, root)
    assert server.requests == []
    for name in ("style.css", "import.css", "background.png", "font.ttf", "image.png"):
        assert f"{server.url}/{name} (not a file in the book's folder" in message
    assert "https://example.org/x.png" in message
    assert "[pdf.resource]" in message


def test_print_layout_does_not_read_files_outside_the_book(
    tmp_path: Path, opened: list[str]
) -> None:
    root = _small_book(tmp_path / "book")
    (root / "inside.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', encoding="utf-8"
    )
    (root / "link.svg").symlink_to("/etc/hostname")
    page = """<html><body>
        <img src="inside.svg" alt=""><img src="file:///etc/hostname" alt="">
        <img src="../../../../../../etc/hostname" alt=""><img src="link.svg" alt="">
        </body></html>"""
    message = _layout_refusals(page, root)
    assert "file:///etc/hostname (outside the book's folder" in message
    assert f"{(root / 'link.svg').as_uri()} (outside the book's folder" in message
    assert "inside.svg" not in message
    assert str(root / "inside.svg") in opened  # the fetcher did read what it may read
    assert "/etc/hostname" not in opened


def test_print_layout_refuses_a_resource_over_the_size_limit(tmp_path: Path) -> None:
    from studyguide.layout.engine import MAX_RESOURCE_BYTES

    root = _small_book(tmp_path / "book")
    with (root / "huge.png").open("wb") as handle:
        handle.truncate(MAX_RESOURCE_BYTES + 1)  # sparse: costs no disk space
    message = _layout_refusals('<img src="huge.png" alt="">', root)
    assert f"huge.png (larger than the limit of {MAX_RESOURCE_BYTES:,} bytes)" in message


def test_fetcher_limits_data_urls(tmp_path: Path) -> None:
    from studyguide.layout.engine import _make_fetcher

    fetcher = _make_fetcher(tmp_path, max_bytes=100)
    small = "data:text/plain,hello"
    assert fetcher.fetch(small).read() == b"hello"
    with pytest.raises(ValueError, match="data URL larger than 100 bytes"):
        fetcher.fetch("data:text/plain," + "x" * 200)


def test_templates_escape_everything_from_the_sources(tmp_path: Path) -> None:
    """Jinja2 autoescaping is on: titles, terms and metadata never become markup."""
    from lxml import etree

    from studyguide.layout.book import print_html
    from studyguide.model import Medium
    from studyguide.options import Options
    from studyguide.render.documents import render_epub_documents
    from studyguide.render.markup import environment
    from studyguide.render.views import render_book
    from studyguide.sources.book import load_book

    assert environment().autoescape is True
    book = make_book(
        tmp_path / "book",
        {"01-x.md": '---\ntitle: "<script>alert(1)</script> & co"\nkind: front\n---\n\nText.\n'},
        {"x.md": '---\nterm: "<b>Bold</b>"\n---\n\nA <i>term</i>.\n'},
        meta=META.replace('title = "', 'title = "<em>Em</em> '),
    )
    loaded = load_book(book)
    view = render_book(loaded, Medium.EPUB)
    for document in render_epub_documents(view, None):
        tree = etree.fromstring(document.xhtml.encode("utf-8"))
        for tag in ("script", "b", "i", "em"):
            assert tree.find(f".//{{http://www.w3.org/1999/xhtml}}{tag}") is None, tag
        assert "<script>" not in document.xhtml
    printed = html.fromstring(print_html(loaded, Options(out=Path())).encode("utf-8"))
    assert not printed.xpath("//script | //b | //em | //i")
    assert "<script>alert(1)</script> & co" in printed.text_content()


# ------------------------------------------------------------ nothing lost


def _good_build(tmp_path: Path, paragraphs: int = 0) -> tuple[Path, Path, dict[str, bytes]]:
    book = _small_book(tmp_path / "book", paragraphs)
    out = tmp_path / "out"
    run = studyguide("build", "--out", out, root=book, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert run.code == 0, run.stderr
    return book, out, _editions(out)


@dataclass
class LastGood:
    book: Path
    out: Path
    editions: dict[str, bytes]


@pytest.fixture(scope="module")
def last_good(tmp_path_factory: pytest.TempPathFactory) -> LastGood:
    folder = tmp_path_factory.mktemp("last-good")
    book, out, editions = _good_build(folder)
    return LastGood(book, out, editions)


def _changed_copy(last_good: LastGood, tmp_path: Path) -> tuple[Path, Path]:
    """The good book and its editions copied, the book changed: a build lays it out again,
    the EPUB in a second process meanwhile."""
    book = shutil.copytree(last_good.book, tmp_path / "book")
    out = shutil.copytree(last_good.out, tmp_path / "out")
    # The same characters: the kept font subsets still serve, only the page map is new.
    (book / "chapters" / "01-intro.md").write_text(INTRO.replace("1952", "1925"))
    return book, out


@pytest.mark.parametrize(
    ("failure", "exit_code"),
    [
        (RuntimeError("a crash in the middle of the PDF"), None),
        (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), 1),
    ],
    ids=["crash", "disk-full"],
)
def test_pdf_failing_half_written_keeps_the_old_edition(
    last_good: LastGood,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
    exit_code: int | None,
) -> None:
    from studyguide.cli import main
    from studyguide.layout import merge

    book, out = _changed_copy(last_good, tmp_path)
    before = last_good.editions
    parts: list[Path] = []

    def write_half_then_fail(pieces: object, target: object, *rest: object) -> None:
        assert hasattr(target, "write")  # the PDF edition's file: its parts merged into it
        target.write(b"%PDF-1.7\n% half a PDF")  # type: ignore[union-attr]
        parts.extend(_leftovers(out))
        raise failure

    monkeypatch.setattr(merge, "merge", write_half_then_fail)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    argv = ["--root", str(book), "build", "--pdf", "--out", str(out)]
    if exit_code is None:
        with pytest.raises(RuntimeError, match="a crash in the middle"):
            main(argv)
    else:
        assert main(argv) == exit_code
        stderr = capsys.readouterr().err
        assert f"{out / SLUG}.pdf: error: cannot write the file: No space left on device" in stderr
        assert "[output.write]" in stderr
    assert parts, "the PDF was being written to a temporary file"
    assert _editions(out) == before
    assert _leftovers(out) == []


def test_make_builds_both_editions_with_one_command() -> None:
    """`make -j2` must not start two builds writing the same files."""
    run = subprocess.run(
        ["make", "-Bn", "-j2", "all"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    builds = [line for line in run.stdout.splitlines() if "studyguide build" in line]
    assert len(builds) == 1, run.stdout


# ------------------------------------------------------------ the same bytes


def test_two_builds_with_source_date_epoch_are_byte_identical(
    last_good: LastGood, tmp_path: Path
) -> None:
    first_out, first = last_good.out, last_good.editions
    _, second_out, second = _good_build(tmp_path / "second")
    assert sorted(first) == [f"{SLUG}.epub", f"{SLUG}.pdf"]
    assert first == second

    stamp = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC)
    info = PdfReader(first_out / f"{SLUG}.pdf").metadata
    assert info is not None
    assert info.creation_date == info.modification_date
    assert info.creation_date.replace(tzinfo=dt.UTC) == stamp
    with zipfile.ZipFile(first_out / f"{SLUG}.epub") as epub:
        assert {i.date_time for i in epub.infolist()} == {stamp.timetuple()[:6]}
        assert stamp.strftime("%Y-%m-%dT%H:%M:%SZ") in epub.read("EPUB/content.opf").decode()
    shutil.rmtree(second_out)


# ------------------------------------------------------------ editions replaced as a set


def _wait_for(found: Callable[[], list[Path]], what: str) -> None:
    """Wait until `found` finds something; the bound only ends a failing test (a loaded
    machine may take long: it once took over 30 s for the EPUB's process to write)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if found():
            return
        time.sleep(0.01)
    raise AssertionError(f"{what} never appeared")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_a_signal_to_the_build_alone_keeps_every_old_edition(
    last_good: LastGood,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    signum: signal.Signals,
) -> None:
    """The signal reaches the main process only (not its group), while it writes the PDF
    and after the EPUB's process has written its temporary file (a second process, as a
    build makes unless STUDYGUIDE_JOBS is 1, as in the tests)."""
    from studyguide.cli import main
    from studyguide.layout import merge

    book, out = _changed_copy(last_good, tmp_path)
    seen: list[str] = []

    def write_half_then_signal(pieces: object, target: object, *rest: object) -> None:
        target.write(b"%PDF-1.7\n% half a PDF")  # type: ignore[union-attr]
        _wait_for(lambda: list(out.glob(f".{SLUG}.epub.*.part")), "the EPUB's temporary file")
        seen.extend(p.name for p in _leftovers(out))
        os.kill(os.getpid(), signum)
        _wait_for(lambda: [], "the signal's effect")

    monkeypatch.setattr(merge, "merge", write_half_then_signal)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for name, value in ALL_CORES.items():
        monkeypatch.setenv(name, value)
    assert main(["--root", str(book), "build", "--out", str(out)]) == 128 + signum
    stderr = capsys.readouterr().err
    assert stderr.endswith(
        "studyguide: interrupted; no edition was written, "
        "the editions from the last good build are unchanged\n"
    )
    assert sorted(name.split(".")[1] for name in seen) == ["small-guide"] * 2
    assert _editions(out) == last_good.editions
    assert _leftovers(out) == []


def _run_driver(driver: str, book: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The build of `book` into `out`, run by `driver` (the command line, something of it
    replaced) in a process group of its own, like a job in a terminal; on every core. The
    600 s timeout only bounds a failure: a build left waiting."""
    return subprocess.run(
        [sys.executable, "-c", driver, "--root", str(book), "build", "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, **ALL_CORES, "SOURCE_DATE_EPOCH": EPOCH, **env},
        start_new_session=True,
        # A shell's background job ignores SIGINT, and so would the build: restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        timeout=600,
        check=False,
    )


DRIVER = """
import os, signal, sys, time
from studyguide.cli import main
from studyguide.layout import merge

def write_half_then_signal(pieces, target, *rest):
    target.write(b"%PDF-1.7\\n% half a PDF")
    os.killpg(0, int(os.environ["SIGNAL"]))
    time.sleep(30)

merge.merge = write_half_then_signal
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_process_group_keeps_every_old_edition(
    last_good: LastGood, tmp_path: Path, signum: signal.Signals
) -> None:
    """Ctrl-C in a terminal (SIGINT), or a service manager stopping a job (SIGTERM): the
    signal reaches the build and the EPUB's process, in the middle of writing the PDF."""
    book, out = _changed_copy(last_good, tmp_path)
    run = _run_driver(DRIVER, book, out, SIGNAL=str(int(signum)))
    assert run.returncode == 128 + signum, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.endswith(
        "studyguide: interrupted; no edition was written, "
        "the editions from the last good build are unchanged\n"
    )
    assert _editions(out) == last_good.editions
    assert _leftovers(out) == []


def test_a_child_stopped_while_it_says_why_never_goes_on_with_the_parent_s_code(
    tmp_path: Path,
) -> None:
    """The EPUB's process (studyguide/parallel.py) stopped a second time while it says why
    it stopped (a second signal, SIGTERM from the build after Ctrl-C): it ends there, and
    never returns into the code it was forked from (it once went on to the build's clean-up
    and printed a traceback)."""
    from studyguide import parallel

    class Stopped(BuildError):
        said = False

        def format(self, root: Path | None = None) -> str:
            if self.said:  # (once made: when the child says why it stopped)
                raise KeyboardInterrupt  # (as a second signal would, in its handler)
            return super().format(root)

    def job(ready: Callable[[], None]) -> None:
        mistake = Stopped(None, "a mistake")
        mistake.said = True
        raise mistake

    after = tmp_path / "after-the-fork"
    try:
        child = parallel.fork(job)
    except BaseException:  # (a child that came back here: noted, and stopped at once)
        with after.open("a") as log:
            log.write(f"{os.getpid()} came back\n")
        os._exit(1)
    with after.open("a") as log:  # (in the parent only)
        log.write(f"{os.getpid()}\n")
    with pytest.raises(BuildError, match="ended without a result"):
        child.wait()
    assert after.read_text().split() == [str(os.getpid())]


# ------------------------------------------------------------ the layout process


def _in_the_layout_process(
    last_good: LastGood, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, happen: Callable
) -> tuple[int | BaseException, Path]:
    """A build of the changed book whose layout process (layout/workers.py) meets `happen`
    in laying a part out: what `main` returned (or raised), and the output folder."""
    from studyguide.cli import main
    from studyguide.layout import makeup

    book, out = _changed_copy(last_good, tmp_path)
    parent = os.getpid()

    def meeting(*args: object, **kwargs: object) -> object:
        assert os.getpid() != parent, "laid out in the build's own process"
        happen()
        raise AssertionError("not reached")

    monkeypatch.setattr(makeup, "lay_out", meeting)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for name, value in ALL_CORES.items():
        monkeypatch.setenv(name, value)
    argv = ["--root", str(book), "build", "--out", str(out)]
    try:
        outcome: int | BaseException = main(argv)
    except Exception as error:  # (the test looks at it)
        outcome = error
    return outcome, out


def test_a_mistake_met_in_the_layout_process_is_said_as_the_build_says_it(
    last_good: LastGood, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def mistake() -> None:
        raise BuildError(Path("chapters/01-intro.md"), "a mistake found in the layout", "a hint")

    outcome, out = _in_the_layout_process(last_good, tmp_path, monkeypatch, mistake)
    stderr = capsys.readouterr().err
    assert outcome == 1, outcome
    assert "chapters/01-intro.md: error: a mistake found in the layout [error]" in stderr
    assert "hint: a hint" in stderr and "Traceback" not in stderr
    assert _editions(out) == last_good.editions and _leftovers(out) == []


def test_a_crash_in_the_layout_process_shows_where_it_was(
    last_good: LastGood, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash() -> None:
        raise ZeroDivisionError("a bug in the layout")

    outcome, out = _in_the_layout_process(last_good, tmp_path, monkeypatch, crash)
    assert isinstance(outcome, RuntimeError), outcome
    assert "ZeroDivisionError: a bug in the layout" in str(outcome)  # (its own traceback)
    assert "in crash" in str(outcome)
    assert _editions(out) == last_good.editions and _leftovers(out) == []


def test_a_layout_process_killed_is_said_not_waited_for(
    last_good: LastGood, tmp_path: Path
) -> None:
    """Killed (by the system's out-of-memory killer, say): the build says so and ends (the
    test's 600 s timeout only bounds a failure: a build left waiting)."""
    book, out = _changed_copy(last_good, tmp_path)
    run = _run_driver(KILLED_DRIVER, book, out)
    assert run.returncode == 1, run.stderr
    assert (
        "the process laying the book out ended without a result (stopped by SIGKILL)" in run.stderr
    )
    assert "Traceback" not in run.stderr
    assert_documented(run.stderr)
    assert _editions(out) == last_good.editions and _leftovers(out) == []


KILLED_DRIVER = """
import os, signal, sys
from studyguide.cli import main
from studyguide.layout import makeup

parent = os.getpid()

def killed(*args, **kwargs):
    assert os.getpid() != parent
    os.kill(os.getpid(), signal.SIGKILL)

makeup.lay_out = killed
sys.exit(main(sys.argv[1:]))
"""


LAYOUT_DRIVER = """
import os, signal, sys, time
from studyguide.cli import main
from studyguide.layout import makeup

def signal_then_wait(*args, **kwargs):
    with open(os.environ["PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\\n")
    os.killpg(0, int(os.environ["SIGNAL"]))
    time.sleep(600)

makeup.lay_out = signal_then_wait
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_a_part_is_laid_out_ends_every_process(
    last_good: LastGood, tmp_path: Path, signum: signal.Signals
) -> None:
    """Ctrl-C or SIGTERM while the layout process lays a part out: the build stops at once,
    and the layout process and its workers with it (the test's 600 s timeout is only there
    to bound a failure: a build left waiting for its layout process)."""
    book, out = _changed_copy(last_good, tmp_path)
    pids = tmp_path / "pids"
    run = _run_driver(LAYOUT_DRIVER, book, out, SIGNAL=str(int(signum)), PIDS=str(pids))
    assert run.returncode == 128 + signum, run.stderr
    assert "Traceback" not in run.stderr
    assert _editions(out) == last_good.editions and _leftovers(out) == []
    _assert_all_ended(pids)  # (none is left laying out or waiting)


FORK_DRIVER = """
import os, signal, sys
from studyguide.cli import main

def signal_the_group():  # (in a forked child, among the fork's own hooks: logging's)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        return  # (forked before the build set its handlers: the layout process)
    with open(os.environ["PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\\n")
    os.killpg(0, int(os.environ["SIGNAL"]))

os.register_at_fork(after_in_child=signal_the_group)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_a_process_is_forked_is_taken_once_the_child_can(
    last_good: LastGood, tmp_path: Path, signum: signal.Signals
) -> None:
    """A signal that comes while a forked child runs the fork's hooks (logging's, re-making
    its locks) was raised in them: Python printed "Exception ignored … Traceback" and the
    child dropped it. It is held back until the child has set its own handlers: the build
    stops as for any signal, with nothing printed but what the build says."""
    book, out = _changed_copy(last_good, tmp_path)
    pids = tmp_path / "pids"
    run = _run_driver(FORK_DRIVER, book, out, SIGNAL=str(int(signum)), PIDS=str(pids))
    assert run.returncode == 128 + signum, run.stderr
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, run.stderr
    assert _editions(out) == last_good.editions and _leftovers(out) == []
    _assert_all_ended(pids)


NATIVE_IMPORT_DRIVER = """
import importlib.util, os, signal, sys
from studyguide.cli import main

class SignalDuringTheImport:  # pikepdf's native part, as a signal reaches its initialisation
    def find_spec(self, name, path, target=None):
        if name != "pikepdf._core":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        native = spec.loader

        class Loader:
            def create_module(self, spec):
                try:  # (as pybind11 says any exception raised while a module initialises)
                    os.kill(os.getpid(), int(os.environ["SIGNAL"]))
                    sum(range(1000))  # (Python code: where a signal's handler runs)
                except BaseException as error:
                    raise ImportError("error while initializing the extension") from error
                return native.create_module(spec)

            def exec_module(self, module):
                native.exec_module(module)

        spec.loader = Loader()
        return spec

sys.meta_path.insert(0, SignalDuringTheImport())
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_a_native_extension_is_imported_stops_the_build(
    last_good: LastGood, tmp_path: Path, signum: signal.Signals
) -> None:
    """pikepdf is imported while the layout process lays a part out (its parts' PDFs are
    opened ahead of the merge): a signal then was raised inside the initialisation of its
    native part, which said it as an ImportError, and the build ended with a traceback. It
    is held back until the import is done, and stops the build as any signal does."""
    book, out = _changed_copy(last_good, tmp_path)
    run = _run_driver(NATIVE_IMPORT_DRIVER, book, out, SIGNAL=str(int(signum)))
    assert run.returncode == 128 + signum, run.stderr
    assert "Traceback" not in run.stderr and "ImportError" not in run.stderr, run.stderr
    assert _editions(out) == last_good.editions and _leftovers(out) == []


NICENESS_DRIVER = """
import os, sys
from studyguide import build
from studyguide.cli import main

prepare, parent = build._prepare, os.getpid()

def noted(edition, job, made):  # (the page map's editions are prepared in their process)
    with open(os.environ["NICENESS"], "a") as seen:
        seen.write(f"{os.getpid() == parent} {os.nice(0)}\\n")
    return prepare(edition, job, made)

build._prepare = noted
print(os.nice(0), file=open(os.environ["NICENESS"], "w"))
sys.exit(main(sys.argv[1:]))
"""


def test_the_editions_written_beside_the_layout_yield_the_cores_to_it(
    last_good: LastGood, tmp_path: Path
) -> None:
    """The EPUB's process waits for the layout's page map, never the layout for it: it runs
    at a lower priority (BESIDE_NICENESS), so that the build and the layout process have the
    cores while they want them (an edit's build is 0.05 s shorter on two cores)."""
    from studyguide.build import BESIDE_NICENESS

    book, out = _changed_copy(last_good, tmp_path)
    seen = tmp_path / "niceness"
    run = _run_driver(NICENESS_DRIVER, book, out, NICENESS=str(seen))
    assert run.returncode == 0, run.stderr
    first, *prepared = seen.read_text().split("\n")[:-1]
    own = int(first)
    beside = [line for line in prepared if line.startswith("False")]
    assert beside and all(int(line.split()[1]) == min(own + BESIDE_NICENESS, 19) for line in beside)
    assert all(int(line.split()[1]) == own for line in prepared if line.startswith("True"))


def _assert_all_ended(pids: Path) -> None:
    """Each of the processes whose ids a driver wrote into `pids` (one at least) has ended."""
    written = [int(pid) for pid in pids.read_text().split()]
    assert written
    for pid in written:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), pid


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_signal_during_a_finalizer_is_taken_again_outside_it() -> None:
    """A signal that comes while Python finalizes an object (a temporary folder's clean-up)
    would be printed as "Exception ignored … Traceback" and lost: it is sent again, and
    stops the build a moment later; anywhere else it stops the build at once."""
    from studyguide.interrupts import Interrupted, Stopper

    again: list[int] = []
    stopper = Stopper(again=again.append)

    class Finalized:
        def __del__(self) -> None:
            stopper.handle(signal.SIGINT, sys._getframe())

    Finalized()  # (finalized at once: no other reference)
    assert again == [signal.SIGINT]
    with pytest.raises(Interrupted):
        stopper.handle(signal.SIGTERM, sys._getframe())
    stopper.hold()
    stopper.handle(signal.SIGTERM, sys._getframe())  # putting the editions in place: ignored
    assert again == [signal.SIGINT]


def test_a_full_disk_while_the_epub_is_written_keeps_the_old_pdf_too(
    last_good: LastGood,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The EPUB's process fails on a full disk once the new PDF is complete: neither is put
    in place, and the message says so."""
    from studyguide.cli import main
    from studyguide.render import epubpackage as package

    book, out = _changed_copy(last_good, tmp_path)

    def disk_full(data: bytes, target: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(package, "check_packed", disk_full)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["--root", str(book), "build", "--out", str(out)]) == 1
    stderr = capsys.readouterr().err
    assert f"{out / SLUG}.epub: error: cannot write the file: No space left on device" in stderr
    assert stderr.endswith(
        "studyguide: stopped; no edition was written, "
        "the editions from the last good build are unchanged\n"
    )
    assert _editions(out) == last_good.editions
    assert _leftovers(out) == []


def test_a_signal_while_the_editions_are_put_in_place_waits_for_them(
    last_good: LastGood, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM comes as the new EPUB is renamed into place: the build finishes, exit 0.
    (Another date makes another EPUB; the kept page map spares a layout.)"""
    from studyguide.cli import main
    from studyguide.output import Staging

    out = shutil.copytree(last_good.out, tmp_path / "out")
    commit = Staging.commit

    def signalled_commit(self: Staging) -> list[Path]:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)  # time for the handler to run, were it to raise
        return commit(self)

    monkeypatch.setattr(Staging, "commit", signalled_commit)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 86400))
    assert main(["--root", str(last_good.book), "build", "--epub", "--out", str(out)]) == 0
    epub = out / f"{SLUG}.epub"
    assert epub.read_bytes() != last_good.editions[epub.name]
    with zipfile.ZipFile(epub) as archive:
        assert "2006-10-06T00:00:00Z" in archive.read("EPUB/content.opf").decode()
    assert _leftovers(out) == []


def test_a_killed_builds_temporary_files_are_removed_by_the_next(
    last_good: LastGood, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyguide.cli import main

    out = shutil.copytree(last_good.out, tmp_path / "out")
    stale = [out / f".{SLUG}.pdf.k1ll3d_x.part", out / ".cache" / ".pagemap.abc.json.zz9zz9zz.part"]
    for path in stale:
        path.write_bytes(b"half of something")
    mine = out / "notes.part"  # not a build's: left alone
    mine.write_text("a file of the user's")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert main(["--root", str(last_good.book), "build", "--epub", "--out", str(out)]) == 0
    assert _leftovers(out) == [mine]


def test_a_second_build_waits_for_the_one_writing_in_the_same_folder(
    last_good: LastGood, tmp_path: Path
) -> None:
    import fcntl

    out = shutil.copytree(last_good.out, tmp_path / "out")
    stale = out / f".{SLUG}.epub.abcdefgh.part"
    with (out / ".studyguide.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a build writing here
        stale.write_bytes(b"the other build's file, being written")
        child = subprocess.Popen(
            [*_command(last_good.book), "build", "--epub", "--out", str(out)],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        )
        assert child.stderr is not None
        said = [child.stderr.readline()]  # (after the sources are read, and any warnings)
        while said[-1].startswith(("studyguide: reading", "studyguide: checked")) or (
            ": warning: " in said[-1] or said[-1].startswith("  hint: ")
        ):
            said.append(child.stderr.readline())
        assert said[-1] == f"studyguide: waiting for the other build writing in {out}\n", said
        assert stale.exists()  # not taken for a killed build's
    _, rest = child.communicate(timeout=600)  # (only bounds a failure)
    assert child.returncode == 0, rest
    assert not stale.exists()


def _command(root: Path) -> list[str]:
    return [sys.executable, "-m", "studyguide", "--root", str(root)]


def test_a_failed_rename_puts_every_replaced_edition_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyguide import output

    targets = [tmp_path / "a.pdf", tmp_path / "b.epub", tmp_path / "c.pdf"]
    for target in targets[:2]:
        target.write_text(f"old {target.name}")
    staging = output.Staging()
    for target in targets:
        with staging.open(target) as handle:
            handle.write(f"new {target.name}".encode())
    replace = os.replace

    def third_fails(source: object, destination: object) -> None:
        if Path(str(destination)) == targets[2]:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        replace(source, destination)

    monkeypatch.setattr(output.os, "replace", third_fails)
    with pytest.raises(BuildError) as caught:
        staging.commit()
    monkeypatch.undo()
    staging.discard()
    assert caught.value.code == "output.write"
    assert [t.read_text() for t in targets[:2]] == ["old a.pdf", "old b.epub"]
    assert not targets[2].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.epub"]
    assert output.closing_message("stopped", tmp_path, caught.value) == (
        "studyguide: stopped; no edition was written, "
        "the editions from the last good build are unchanged"
    )


def test_the_closing_message_never_claims_an_earlier_build_there_was_not(tmp_path: Path) -> None:
    from studyguide.output import PartialCommit, closing_message

    assert closing_message("stopped", tmp_path / "none") == (
        "studyguide: stopped; no edition was written"
    )
    partial = PartialCommit(tmp_path / "a.pdf", "cannot write", "", "output.partial")
    assert closing_message("stopped", tmp_path, partial) == (
        "studyguide: stopped; some editions were replaced and others not (see above)"
    )
