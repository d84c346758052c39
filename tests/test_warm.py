"""The warm process (studyguide/warm): a build handed to it is the same build (editions,
messages, exit status), stops on the caller's signals, and the process serves only its user,
from a folder of the user's alone, ending when its folder goes or it is stale."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ALL_CORES

from studyguide.warm import FOLDER, LOG, SOCKET, folder
from support import ROOT, SMALL_GLOSSARY, SMALL_INTRO, assert_documented, make_book

EPOCH = "1160006400"
WAIT = 120.0  # seconds: the longest any wait here may take (a busy machine), never a target
INTRO, GLOSSARY = SMALL_INTRO, SMALL_GLOSSARY
META = (ROOT / "book.toml").read_text(encoding="utf-8")
LONG = INTRO + "\n\n".join(f"Paragraph {n} about the mine. " * 20 for n in range(400))


def _book(folder_: Path, extra: str = "") -> Path:
    return make_book(folder_, {"01-intro.md": INTRO + extra}, GLOSSARY, meta=META)


def _command(book: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`studyguide ARGS` as make runs it: a process of its own, in the book's folder."""
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "studyguide", *args],
        cwd=book,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(book: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = _command(book, *args, env=env)
    stdout, stderr = process.communicate(timeout=WAIT)
    return process.returncode, stdout, stderr


def _processes(book: Path) -> list[int]:
    """The warm process of the book's build folder (not the builds it forked, which have its
    command line too): any still running."""
    place = str(book / "build" / FOLDER).encode()
    found = {}
    for pid, parent in _parents().items():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"studyguide.warm" in command and place in command:
            found[pid] = parent
    return [pid for pid, parent in found.items() if parent not in found]


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1:
            parents[int(entry.name)] = int(fields[1])
    return parents


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT} s for {what}"
        time.sleep(0.05)


def _served(book: Path) -> list[str]:
    log = book / "build" / FOLDER / LOG
    return [line for line in log.read_text().splitlines() if " exit " in line]


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Path]:
    """A small book, built once with --warm: its warm process is ready. Ended after."""
    made = _book(tmp_path / "book")
    code, _, stderr = _run(made, "build", "--warm")
    assert code == 0, stderr
    _wait_for(lambda: (made / "build" / FOLDER / SOCKET).exists(), "the warm process")
    yield made
    for pid in _processes(made):
        os.kill(pid, signal.SIGTERM)


def _editions(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".epub", ".pdf")}


def test_a_build_handed_to_the_warm_process_is_the_same_build(book, tmp_path):
    """The same editions (byte for byte), list of files and messages as a build of its own;
    the warm process ran it (its log says so); it goes on serving."""
    chapter = book / "chapters" / "01-intro.md"
    chapter.write_text(INTRO + "\nA sentence added.\n", encoding="utf-8")
    code, stdout, stderr = _run(book, "build", "--warm")
    assert code == 0, stderr
    assert len(_served(book)) == 1 and _served(book)[0].endswith(" exit 0")
    alone = _run(book, "build", "--out", str(tmp_path / "alone"))  # (every part laid out)
    assert alone[0] == 0, alone[2]
    assert _editions(book / "build") == _editions(tmp_path / "alone")
    chapter.write_text(INTRO + "\nAnother sentence.\n", encoding="utf-8")
    own = _run(book, "build")  # (the same edit, as a build of its own)

    def said(text: str) -> list[str]:  # (but for the time taken)
        return [line for line in text.splitlines() if "done in" not in line]

    assert (code, stdout, said(stderr)) == (own[0], own[1], said(own[2]))
    code, _, stderr = _run(book, "build", "--warm")  # (after a build of its own: nothing to do)
    assert code == 0 and "nothing to do" in stderr, stderr
    assert len(_served(book)) == 2


def test_a_mistake_is_said_and_loses_nothing_as_in_a_build_of_its_own(book, tmp_path):
    before = _editions(book / "build")
    with (book / "chapters" / "01-intro.md").open("a", encoding="utf-8") as chapter:
        chapter.write("\nA call to a note that is not there.[^missing]\n")
    code, stdout, stderr = _run(book, "build", "--warm")
    alone = _run(book, "build")  # (a build of its own, over the same folder)
    assert (code, stdout, stderr) == alone
    assert code == 1 and "[notes.undefined]" in stderr and "Traceback" not in stderr
    assert _editions(book / "build") == before
    assert _served(book)[-1].endswith(" exit 1")
    code, _, stderr = _run(book, "build", "--warm", "--no-such-flag")
    assert code == 2 and "unrecognized arguments: --no-such-flag" in stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_caller_stops_the_build_it_handed_over(book, signum):
    """Ctrl-C or SIGTERM to `studyguide build --warm` (make's child) stops the build in the
    warm process as it stops a build of its own: 128 + the signal's number, the last good
    editions unchanged, and nothing of it left running."""
    before = _editions(book / "build")
    (book / "chapters" / "01-intro.md").write_text(LONG, encoding="utf-8")
    process, said = _laying_out(book)
    process.send_signal(signum)
    stderr = said()
    assert process.returncode == 128 + signum, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert _editions(book / "build") == before
    assert _served(book)[-1].endswith(f" exit {128 + signum}")
    assert not [p for p in (book / "build").iterdir() if p.name.endswith(".part")]


def test_a_warm_process_killed_during_a_build_stops_it_and_the_caller_says_so(book):
    """The build that the warm process ran ends with it (a SIGTERM): nothing written; the
    caller says what happened, in words docs/errors.md quotes, and exits 1. The next build
    runs itself."""
    before = _editions(book / "build")
    (book / "chapters" / "01-intro.md").write_text(LONG, encoding="utf-8")
    process, said = _laying_out(book)
    (warm,) = _processes(book)
    builds = _descendants_of(warm)
    os.kill(warm, signal.SIGKILL)
    stderr = said()
    assert process.returncode == 1, stderr
    assert not any(Path(f"/proc/{pid}").exists() for pid in builds)  # (ended first)
    assert_documented(stderr)
    assert "[build.warm-ended]" in stderr and "Traceback" not in stderr
    assert stderr.index("studyguide: interrupted") < stderr.index("[build.warm-ended]")
    assert _editions(book / "build") == before
    (book / "chapters" / "01-intro.md").write_text(INTRO, encoding="utf-8")  # (as before)
    code, _, stderr = _run(book, "build", "--warm")
    assert code == 0 and "nothing to do" in stderr, stderr


def _laying_out(book: Path) -> tuple[subprocess.Popen, Callable[[], str]]:
    """`build --warm` started as make starts it (forking: the layout in a process of its
    own), once it says it is laying the book out (a signal then finds the build's own
    handlers set); and what gives all it said, once it has ended."""
    process = _command(book, "build", "--warm", env=ALL_CORES)
    lines: list[str] = []
    laying_out = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if "laying out" in line:
                laying_out.set()
        laying_out.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert laying_out.wait(WAIT), "the build did not begin its layout"

    def said() -> str:
        process.wait(timeout=WAIT)
        reader.join(timeout=WAIT)
        return "".join(lines)

    return process, said


def _descendants_of(pid: int) -> list[int]:
    parents = _parents()
    return [child for child, parent in parents.items() if parent == pid]


def test_the_warm_process_ends_when_its_folder_is_removed_or_it_is_idle(book, tmp_path):
    """`make clean` removes build/, and with it the warm process; one without a build for
    its idle time ends too."""
    assert _processes(book)
    for child in (book / "build").iterdir():
        subprocess.run(["rm", "-rf", str(child)], check=True)
    _wait_for(lambda: not _processes(book), "the warm process to end")
    other = _book(tmp_path / "idle")
    code, _, stderr = _run(other, "build", "--warm", env={"STUDYGUIDE_WARM_IDLE": "1"})
    assert code == 0, stderr
    _wait_for(lambda: (other / "build" / FOLDER / SOCKET).exists(), "the warm process")
    _wait_for(lambda: not _processes(other), "the idle warm process to end")
    assert not (other / "build" / FOLDER / SOCKET).exists()


def test_a_stale_warm_process_hands_the_build_back_and_ends(book):
    """A build whose interpreter is not started as the warm process was (here: another
    PYTHONWARNINGS) is not handed over: it runs itself, the warm process ends, and the
    build starts a new one, as it would after the package's code changed."""
    (old,) = _processes(book)
    code, _, stderr = _run(book, "build", "--warm", env={"PYTHONWARNINGS": "default"})
    assert code == 0, stderr
    assert _served(book) == []  # (the old process's log, begun again by the new one)
    _wait_for(lambda: old not in _processes(book), "the stale warm process to end")
    _wait_for(lambda: bool(_processes(book)), "a new warm process")


def test_a_socket_in_a_folder_not_the_user_s_alone_is_never_used(tmp_path):
    """The book's folder is not trusted: a socket the build did not make (in a folder others
    may write to, or through a link) is not connected to; the build runs itself."""
    made = _book(tmp_path / "book")
    (made / "build").mkdir()
    place = made / "build" / FOLDER
    for mode in (0o755, 0o777):
        place.mkdir(exist_ok=True)
        place.chmod(mode)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(place / SOCKET))
        listener.listen(1)
        listener.setblocking(False)
        code, _, stderr = _run(made, "build", "--warm", env={"STUDYGUIDE_WARM_IDLE": "0.1"})
        assert code == 0, stderr
        with pytest.raises(BlockingIOError):
            listener.accept()  # (nobody connected)
        listener.close()
        (place / SOCKET).unlink()
    _wait_for(lambda: not _processes(made), "no warm process")


def test_the_warm_process_s_log_is_never_written_through_a_link(tmp_path):
    """A book may come with its own build/.warm/log, a link to a file of the user's: the warm
    process writes its log to a file of its own only, and the linked file stays as it was."""
    made = _book(tmp_path / "book")
    place = made / "build" / FOLDER
    place.mkdir(parents=True, mode=0o700)
    outside = tmp_path / "outside.txt"
    outside.write_text("the user's own file\n", encoding="utf-8")
    (place / LOG).symlink_to(outside)
    for _ in range(2):  # (the first starts the warm process, the second is handed to it)
        code, _, stderr = _run(made, "build", "--warm")
        assert code == 0, stderr
        _wait_for(lambda: (place / SOCKET).exists(), "the warm process")
    assert outside.read_text(encoding="utf-8") == "the user's own file\n"
    assert (place / LOG).is_symlink()
    for pid in _processes(made):
        os.kill(pid, signal.SIGTERM)


def test_a_warm_process_is_stale_once_a_native_library_it_loaded_is_replaced(tmp_path):
    """An upgrade replaces a library (Pango, say) under a running warm process, which would
    lay out with the old one: it no longer takes builds. (The libraries are those it has
    loaded, as the system lists them.)"""
    from studyguide.layout.engine import prepare
    from studyguide.warm import interpreter, server

    prepare()
    loaded = server._libraries()
    assert any("libpango" in path for path, *_ in loaded)
    request = {"python": interpreter()}
    code = server._code_signature()
    assert server._stale(request, interpreter(), (code, loaded)) == ""
    library = tmp_path / "libexample.so.1"
    library.write_bytes(b"one")
    before = server._signature_of([str(library)])
    library.unlink()
    library.write_bytes(b"the next")  # (a new file in its place, as an upgrade leaves)
    assert "native library" in server._stale(request, interpreter(), (code, loaded + before))


def test_a_build_the_warm_process_declines_keeps_its_own_signal_handlers(tmp_path, monkeypatch):
    """While a build waits for the warm process, a signal is kept for the build it hands
    over; declined (a stale warm process), the build runs itself with the handlers it had,
    so that Ctrl-C still stops it."""
    from studyguide.warm import client

    made = _book(tmp_path / "book")
    place = made / "build" / FOLDER
    place.mkdir(parents=True, mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(place / SOCKET))
    listener.listen(1)

    def decline() -> None:
        connection, _ = listener.accept()
        with connection:
            socket.recv_fds(connection, 65536, 3)
            connection.sendall(b'{"declined": "stale"}\n')

    server = threading.Thread(target=decline, daemon=True)
    server.start()
    monkeypatch.chdir(made)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    assert client.hand_over(["build", "--warm"]) is None
    server.join(WAIT)
    listener.close()
    assert {signum: signal.getsignal(signum) for signum in handlers} == handlers


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["build", "--warm"], "build/.warm"),
        (["--root", "book", "build", "--warm"], "book/build/.warm"),
        (["build", "--out", "elsewhere", "--warm"], "elsewhere/.warm"),
        (["build", "--out=elsewhere", "--warm"], "elsewhere/.warm"),
        (["build", "--warm", "--", "--out", "x"], "build/.warm"),
    ],
)
def test_a_build_finds_the_warm_process_of_its_output_folder(argv, expected):
    assert folder(argv, Path("/work")) == Path("/work") / expected
