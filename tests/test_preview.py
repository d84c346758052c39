"""The preview (`studyguide serve`) in a real browser: a save shows in the page, a mistake
shows with its file, line and hint above the last good version, its fix recovers; the print
view is the current print layout. The server answers on 127.0.0.1 only, with the pages it
made and nothing else."""

from __future__ import annotations

import http.client
import io
import os
import re
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect
from pypdf import PdfReader

from studyguide.layout.website import SCRIPTS, SEARCH
from support import ROOT, make_book, studyguide

WAIT_MS = 60_000  # only bounds a failure: no assert here depends on the machine's speed
INTRO = """\
---
title: "Introduction"
kind: front
---

Welcome to the study group.

A second paragraph about COMIBOL.
"""


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    book: Path

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)


def _book(folder: Path) -> Path:
    return make_book(
        folder,
        {
            "01-intro.md": INTRO,
            "02-one.md": "---\ntitle: One\n---\n\nFirst paragraph.[^n]\n\n"
            "[^n]: A note on [the first](#p-1).\n",
        },
        {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"},
        article="# One\n\nFirst paragraph.\n",
    )


def _serve(book: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "studyguide", "--root", str(book), "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1160006400"},
    )


def _url(process: subprocess.Popen[str]) -> str:
    """The URL the server prints once it is ready."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], WAIT_MS / 1000)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        pytest.fail("the preview did not start: " + (process.communicate()[1] or ""))
    return line.strip()


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)  # as a service manager stops it; Ctrl-C does the same
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("preview")
    book = _book(folder / "book")
    process = _serve(book, "--port", "0", "--out", str(folder / "out"))
    yield Served(process, _url(process), book)
    code, stderr = _stop(process)
    # A closed tab's waiting request (the browser test's) is no error of the server's.
    assert code == 0 and "Traceback" not in stderr, stderr


def test_saves_show_in_the_browser_and_a_mistake_shows_with_its_line_until_fixed(served, chromium):
    chapter = served.book / "chapters" / "01-intro.md"
    main_text = "main"
    page = chromium.new_page()
    try:
        page.goto(served.url + "chapter-01.html")
        expect(page.locator(main_text)).to_contain_text("Welcome to the study group.")
        assert page.locator(".build-error").count() == 0

        chapter.write_text(INTRO.replace("Welcome", "Welcome again"), encoding="utf-8")
        expect(page.locator(main_text)).to_contain_text("Welcome again", timeout=WAIT_MS)

        broken = INTRO.replace("Welcome", "Welcome again") + "\nA call to no note.[^gone]\n"
        chapter.write_text(broken, encoding="utf-8")
        error = page.locator(".build-error")
        expect(error).to_contain_text("chapters/01-intro.md:10:", timeout=WAIT_MS)
        expect(error).to_contain_text("[notes.undefined]")
        expect(error).to_contain_text("hint: add a line `[^gone]: …`")
        expect(page.locator(main_text)).to_contain_text("Welcome again")  # the last good one

        chapter.write_text(INTRO.replace("Welcome", "Welcome back"), encoding="utf-8")
        expect(page.locator(main_text)).to_contain_text("Welcome back", timeout=WAIT_MS)
        expect(error).to_have_count(0)

        answer = page.request.get(served.url + "_preview/print.pdf", timeout=WAIT_MS * 5)
        assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)
        assert "Welcome back" in " ".join(text.split())
        # That layout gave the page its print page numbers: the page reloads with them.
        expect(page.locator("main .pagebreak")).not_to_have_count(0, timeout=WAIT_MS)
    finally:
        page.close()


def test_the_preview_s_search_finds_a_phrase_and_lands_on_its_paragraph(served, chromium):
    """The index is made when the search page first asks for it, and Pagefind's WebAssembly
    runs under the preview's content security policy."""
    page = chromium.new_page()
    try:
        page.goto(served.url + "search.html?q=COMIBOL")
        result = page.locator(".search-results li a", has_text="Introduction").first
        expect(result).to_contain_text("Introduction", timeout=WAIT_MS)
        result.click()
        page.wait_for_url("**/chapter-01.html#c1-b*")
        expect(page.locator(":target")).to_contain_text("A second paragraph about COMIBOL")
    finally:
        page.close()


def _get(served: Served, path: str, host: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host or f"127.0.0.1:{served.port}")
    connection.endheaders()
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return answer.status, body


def test_the_server_listens_on_127_0_0_1_only(served):
    assert served.url == f"http://127.0.0.1:{served.port}/"
    assert _get(served, "/")[0] == 200
    with pytest.raises(ConnectionRefusedError):  # another loopback address: refused
        socket.create_connection(("127.0.0.2", served.port), timeout=5).close()


@pytest.mark.parametrize(
    "path",
    [
        "/../book.toml",
        "/%2e%2e/book.toml",
        "/..%2fbook.toml",
        "/book.toml",
        "/chapters/01-intro.md",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/out/preview/huanuni-study-guide.pdf",
    ],
)
def test_nothing_but_the_generated_pages_is_served(served, path):
    status, body = _get(served, path)
    assert status == 404 and body == b"not found\n"


def test_a_request_for_another_host_name_is_refused(served):
    """A page elsewhere reaching 127.0.0.1 through a name of its own (DNS rebinding)."""
    assert _get(served, "/", host="preview.example.org")[0] == 403
    assert _get(served, "/", host=f"localhost:{served.port}")[0] == 200


SITE = ("index.html", "colophon.html", "chapter-01.html", "chapter-02.html", "glossary.html")


@pytest.fixture(scope="module")
def generated(served) -> set[bytes]:
    """Every file the preview made, its pages and what they load (the scripts too: a path
    drawn as "cite.js" once found them missing here): what it serves, and all it serves."""
    answers = [_get(served, "/" + name) for name in (*SITE, "style.css", SEARCH, *SCRIPTS)]
    assert [status for status, _ in answers] == [200] * len(answers)
    return {body for _, body in answers}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.text(max_size=40))
@example(path="cite.js")  # (a script the pages load: drawn once, and missing from `generated`)
def test_any_path_answers_a_generated_page_or_not_found(served, generated, path):
    status, body = _get(served, "/" + quote(path, safe="/%.?=&"))
    assert status in (200, 404), (path, status)
    assert body in generated if status == 200 else body == b"not found\n"


def test_a_book_with_a_mistake_from_the_start_shows_it_until_it_is_fixed(tmp_path):
    book = _book(tmp_path / "book")
    chapter = book / "chapters" / "01-intro.md"
    chapter.write_text(INTRO.replace("title:", "titel:"), encoding="utf-8")
    process = _serve(book, "--port", "0", "--out", str(tmp_path / "out"))
    served = Served(process, _url(process), book)
    try:
        status, page = _get(served, "/")
        assert status == 200 and b'class="build-error">chapters/01-intro.md:' in page, page
        assert _get(served, "/chapter-01.html")[0] == 404  # there is no book to show yet
        version = re.search(rb'name="studyguide-preview" content="(\w+)"', page)[1].decode()
        chapter.write_text(INTRO, encoding="utf-8")
        _, newer = _get(served, f"/_preview/wait?version={version}")  # answers on a change
        assert newer.decode() != version
        status, page = _get(served, "/chapter-01.html")
        assert status == 200 and b"Welcome to the study group." in page
        assert b"build-error" not in page
    finally:
        _stop(process)


def test_a_taken_port_is_a_clear_error_and_the_docs_quote_it(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        process = _serve(_book(tmp_path / "book"), "--port", str(port))
        _, stderr = process.communicate(timeout=60)
    finally:
        taken.close()
    assert process.returncode == 1, stderr
    lines = stderr.splitlines()
    block = "\n".join(lines[:2])
    assert block == (
        f"error: cannot serve the preview on 127.0.0.1:{port}: Address already in use "
        "[serve.port]\n  hint: choose another port with --port, or --port 0 for any free one"
    )
    docs = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert block.replace(str(port), "8000") in docs


def test_stopping_the_preview_ends_it_and_its_print_layout(tmp_path):
    process = _serve(_book(tmp_path / "book"), "--port", "0", "--out", str(tmp_path / "out"))
    _url(process)
    # No page map kept yet: the print layout has started, in a process of the server's own.
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    code, stderr = _stop(process)
    assert code == 0 and "the preview has stopped" in stderr, stderr
    assert "Traceback" not in stderr
    assert not [child for child in children if _running(child)]


def _running(pid: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # ended, not yet reaped


@pytest.mark.parametrize(
    ("name", "watched"),
    [
        ("chapters/02-two.md", True),
        ("chapters/02-two.MD", True),  # the loader reads it as a chapter: a save rebuilds
        ("glossary/tin.Md", True),
        ("chapters/02-two.md~", False),
        ("chapters/.02-two.md.swp", False),
        ("build/huanuni.pdf", False),
        ("book.toml", True),
        ("templates", True),  # a folder made: the files in it may come before its watch
        ("README.md", False),
        ("labels/ca.toml", True),  # the book's own words
    ],
)
def test_the_preview_watches_the_files_the_loader_reads(tmp_path, name, watched):
    from studyguide.preview.server import is_source

    root = tmp_path.resolve()
    assert is_source(root / name, root, root / "build") is watched


def _page_once_it_shows(served: Served, path: str, expected: bytes) -> tuple[int, bytes]:
    """The page at `path` once it shows `expected`, waiting on the preview's rebuilds (a few
    at most: a print layout that ends also changes the pages)."""
    for _ in range(10):
        status, page = _get(served, path)
        if expected in page:
            break
        version = re.search(rb'name="studyguide-preview" content="(\w+)"', page)
        _get(served, f"/_preview/wait?version={version[1].decode() if version else ''}")
    return status, page


def test_a_book_template_added_or_broken_while_serving_shows_on_the_page(tmp_path):
    """A template added while the preview runs is used (the template environment is not
    kept from before); one that breaks shows its mistake, with its line, on every page."""
    book = _book(tmp_path / "book")
    process = _serve(book, "--port", "0", "--out", str(tmp_path / "out"))
    served = Served(process, _url(process), book)
    try:
        package = ROOT / "studyguide" / "render" / "templates" / "web_page.html.j2"
        (book / "templates").mkdir()
        own = book / "templates" / "web_page.html.j2"
        for text, expected in (
            (package.read_text(encoding="utf-8").replace("<main", "<p>Our own page</p><main"),
             b"<p>Our own page</p>"),
            ("<html>\n{{ 1/0 }}\n</html>\n",
             b"templates/web_page.html.j2:2: error: the template cannot be rendered: "
             b"ZeroDivisionError: division by zero [template.error]"),
        ):  # fmt: skip
            own.write_text(text, encoding="utf-8")
            status, page = _page_once_it_shows(served, "/chapter-01.html", expected)
            assert status == 200 and expected in page, page
    finally:
        code, stderr = _stop(process)
    assert code == 0 and "Traceback" not in stderr, stderr
    assert "not rebuilt: the sources have 1 mistake" in stderr


def test_the_preview_lays_the_book_out_with_every_option_as_the_build_does(tmp_path, monkeypatch):
    """The preview hands its print layout the Options whole (no option dropped on the way):
    its PDF is the same bytes as `build --pdf` with the same options on the command line."""
    from studyguide.editions import registry
    from studyguide.options import Options
    from studyguide.preview.printing import PrintLayout
    from studyguide.sources.meta import load_meta

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1160006400")
    book = _book(tmp_path / "book")
    options = Options(
        out=tmp_path / "preview",
        paper="a5",
        writing_space=False,
        glossary_pages=True,
        blank_pages=False,
        part_size=1,
    )
    ended: list[str] = []
    layout = PrintLayout(book, options, ended.append, lambda message: None)
    try:
        layout.start("key")
        assert layout.wait_for("key", WAIT_MS / 1000), "the preview's print layout failed"
    finally:
        layout.stop()
    assert ended == ["key"]
    flags = ["--no-writing-space", "--glossary-pages", "--no-blank-pages", "--part-size", "1"]
    # The command line in this process: its own build, into a folder of its own.
    run = studyguide(
        "build", "--pdf", "--paper", "a5", *flags, "--out", tmp_path / "cli", root=book
    )
    assert run.code == 0, run.stderr
    pdf = registry()["pdf"]
    meta = load_meta(book)
    cli = pdf.target(meta, Options(out=tmp_path / "cli", paper="a5"))
    assert pdf.target(meta, options).read_bytes() == cli.read_bytes()


def test_the_print_layout_s_process_runs_no_code_from_the_book_s_folder(tmp_path, monkeypatch):
    """The preview is started in the book's folder, and the book is not trusted: a
    `studyguide` package in it is not what `python -m studyguide.printjob` imports."""
    from studyguide.options import Options
    from studyguide.preview.printing import PrintLayout

    book = _book(tmp_path / "book")
    ran = tmp_path / "ran"
    (book / "studyguide").mkdir()
    for name in ("__init__.py", "printjob.py"):
        (book / "studyguide" / name).write_text(
            f"open({str(ran)!r}, 'w').write('the book ran')\n", encoding="utf-8"
        )
    monkeypatch.chdir(book)
    layout = PrintLayout(book, Options(out=tmp_path / "preview"), print, print)
    process = layout._spawn()
    _, stderr = process.communicate(b"", timeout=WAIT_MS / 1000)  # (no options: it ends)
    assert process.returncode == 0, stderr
    assert not ran.exists()


def test_options_are_checked_once_where_they_are_made_and_travel_as_json(tmp_path):
    import datetime as dt

    from studyguide.errors import BuildError
    from studyguide.options import Options

    options = Options(out=tmp_path, paper="letter", meeting=dt.date(2026, 12, 10), creep=1.5)
    assert Options.from_json(options.to_json()) == options
    for wrong in ({"paper": "b5"}, {"part_size": 0}, {"flip": "sideways"}, {"signature": 6}):
        with pytest.raises(BuildError) as caught:
            Options(out=tmp_path, **wrong)
        assert caught.value.code.startswith("usage."), wrong


def test_the_page_numbers_are_shown_once_the_page_map_is_written_before_the_pdf(
    tmp_path, monkeypatch
):
    """The print layout's child writes the page map, then merges the PDF (a second or so
    of a long book): the preview shows the page numbers as soon as the page map is there,
    while the child still runs."""
    import threading

    from studyguide.layout import pagemap
    from studyguide.options import Options
    from studyguide.preview import printing

    options = Options(out=tmp_path / "out")
    key = "k" * 64
    page_map = pagemap.entry_path(options.out, key)
    go_on = tmp_path / "go-on"  # the child ends only once this file is there
    child = (
        "import pathlib, sys, time\n"
        "sys.stdin.read()\n"
        f"p = pathlib.Path({str(page_map)!r}); p.parent.mkdir(parents=True, exist_ok=True)\n"
        "p.write_text('{}')\n"
        f"while not pathlib.Path({str(go_on)!r}).exists(): time.sleep(0.01)\n"
    )
    monkeypatch.setattr(
        printing.PrintLayout,
        "_spawn",
        lambda self: subprocess.Popen(
            [sys.executable, "-c", child],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
    )
    numbers, done = threading.Event(), threading.Event()
    layout = printing.PrintLayout(
        tmp_path, options, lambda _key: done.set(), print, lambda _key: numbers.set()
    )
    layout.warm_up = lambda: None  # (no next child waiting)
    layout.start(key)
    try:
        assert numbers.wait(WAIT_MS / 1000), "the page numbers were not shown"
        assert layout.running and not done.is_set(), "shown only once the layout ended"
    finally:
        go_on.write_text("")
    assert done.wait(WAIT_MS / 1000)
    assert not layout.running
