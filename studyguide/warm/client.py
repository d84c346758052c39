"""The caller's side of a warm build (see __init__): the build handed over, or a warm
process started for the next."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import sys
import time
from pathlib import Path
from typing import Any

from studyguide.warm import (
    HEADER,
    SOCKET,
    STOP_SECONDS,
    STOPPING,
    folder,
    interpreter,
    peer_uid,
    private,
)

# How long a build waits for the warm process to take it: one busy with another build (a long
# book's, say) makes it wait no longer than this, then it runs itself (both builds then take
# turns at the output folder, as any two builds there do).
PID_SECONDS = 5.0


class _Declined(Exception):
    """The warm process did not take the build (it is stale, or went away before it forked)."""


def hand_over(argv: list[str]) -> int | None:
    """Run the build `argv` asks for in the book's warm process: its exit status; None if no
    warm process took it (the build is then for this process to run)."""
    connection = _connect(folder(argv, Path.cwd()))
    if connection is None:
        return None
    ignored = [signum for signum in STOPPING if signal.getsignal(signum) == signal.SIG_IGN]
    child: list[int] = []  # the build's process, once known
    pending: list[int] = []  # signals that came before it was

    def pass_on(signum: int, _frame: Any) -> None:
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child[0], signum)
        else:
            pending.append(signum)

    caught = [signum for signum in STOPPING if signum not in ignored]
    before = {signum: signal.signal(signum, pass_on) for signum in caught}
    with connection:
        try:
            _send_request(connection, argv, ignored)
            connection.settimeout(PID_SECONDS)
            replies = connection.makefile("rb")
            reply = _reply(replies)
            if "pid" not in reply:
                raise _Declined
            connection.settimeout(None)
        except (OSError, ValueError, _Declined):
            for signum, handler in before.items():  # (the build runs here: its own, again)
                signal.signal(signum, handler)
            return 128 + pending[0] if pending else None
        child.append(int(reply["pid"]))
        for signum in pending:
            pass_on(signum, None)
        try:
            return int(_reply(replies)["exit"])
        except (OSError, ValueError, KeyError):
            return _ended_early(child[0])


def _ended_early(build: int) -> int:
    """The warm process ended while the `build` it ran went on (which a SIGTERM stops, then,
    as it stops a build: child.py). Once the build has ended (it says what it left), this
    says what happened; exit status 1."""
    from studyguide.errors import BuildError

    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        try:
            os.kill(build, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    ended = BuildError(
        None,
        "the warm process ended before the build it ran did",
        "build again: a build that finds no warm process runs itself, and starts one",
        "build.warm-ended",
    )
    sys.stderr.write(ended.format() + "\n")  # (one write: the build's own lines come before)
    sys.stderr.flush()
    return 1


def _connect(place: Path) -> socket.socket | None:
    """A connection to the warm process in `place`, if there is one and it is the user's."""
    if not hasattr(socket, "SO_PEERCRED"):  # (Linux's: whose the process is)
        return None
    path = place / SOCKET
    try:
        info = os.lstat(place)
        if not private(info):
            return None
        info = os.lstat(path)
        if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
            return None
    except OSError:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(_address(path))
        if peer_uid(connection) != os.getuid():
            connection.close()
            return None
    except OSError:
        connection.close()
        return None
    return connection


def _address(path: Path) -> str:
    """The socket's path as short as it goes (a socket's path is at most 107 bytes)."""
    relative = os.path.relpath(path)
    return relative if len(relative) < len(str(path)) else str(path)


def _send_request(connection: socket.socket, argv: list[str], ignored: list[int]) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    request = {
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": umask,
        "ignored": ignored,
        "python": interpreter(),
    }
    data = json.dumps(request).encode("utf-8")
    message = len(data).to_bytes(HEADER, "big") + data
    sent = socket.send_fds(connection, [message], [0, 1, 2])
    connection.sendall(message[sent:])


def _reply(replies: Any) -> dict[str, Any]:
    line = replies.readline()
    if not line:
        raise OSError("the warm process closed the connection")
    reply = json.loads(line)
    if not isinstance(reply, dict):
        raise ValueError("not a reply")
    return reply


def start(argv: list[str]) -> None:
    """Start a warm process for the book's next build (after this one), detached: in a
    session of its own, its standard streams /dev/null."""
    place = folder(argv, Path.cwd())
    if not place.parent.is_dir():
        return
    null = os.devnull
    with contextlib.suppress(OSError):  # (no warm process: the next build runs itself)
        os.posix_spawn(
            sys.executable,
            # -P: not the caller's folder (a book's) first on the module path
            [sys.executable, "-P", "-m", "studyguide.warm", str(place.absolute())],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
            setsid=True,
        )
