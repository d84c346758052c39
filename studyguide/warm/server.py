"""The warm process (see __init__): everything imported, then each build handed over run in
a child (child.py), one at a time."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import stat
import time
from pathlib import Path
from typing import Any, NoReturn

from studyguide.warm import (
    CHECK_SECONDS,
    HEADER,
    IDLE_SECONDS,
    IDLE_VARIABLE,
    LOG,
    REQUEST_SECONDS,
    SOCKET,
    STOP_SECONDS,
    interpreter,
    peer_uid,
    private,
)
from studyguide.warm.child import run_build


def serve(place: Path) -> NoReturn:
    """The warm process: everything imported, then each build handed over run in a child,
    one at a time, until it is idle too long, its socket is gone or the code has changed."""
    os.closerange(3, 1024)  # (what the caller's caller left open: make's jobserver)
    os.chdir("/")
    files = _code_signature()  # (before the imports: a file changed meanwhile is seen)
    started_as = json.loads(json.dumps(interpreter()))  # (as a request has it)
    _import_everything()
    libraries = _libraries()  # (loaded by the imports: replaced by an upgrade, they are stale)
    import gc

    gc.freeze()  # (every child shares what is imported: not copied by a collection)
    try:
        listener, identity = _listen(place)
    except OSError:
        os._exit(0)  # (no folder, or another warm process took the socket first)
    _log(place, "ready", "w")
    idle = float(os.environ.get(IDLE_VARIABLE) or IDLE_SECONDS)
    last = time.monotonic()
    why = "its socket was removed or replaced"
    try:
        while _still_ours(place, identity):
            ready, _, _ = select.select([listener], [], [], CHECK_SECONDS)
            if ready:
                if not _accept(listener, place, (files, libraries), started_as):
                    why = "stale"
                    break
                last = time.monotonic()
            elif time.monotonic() - last > idle:
                why = f"no build for {idle:g} s"
                break
    finally:
        _log(place, f"ending: {why}")
        if _still_ours(place, identity):
            (place / SOCKET).unlink(missing_ok=True)
    os._exit(0)


def _accept(listener: socket.socket, place: Path, files: Any, started_as: list[Any]) -> bool:
    """Serve the caller waiting; False if this process is stale. (A mistake here ends one
    build, said in the log, not the warm process.)"""
    try:
        connection, _ = listener.accept()
    except OSError:
        return True
    with connection:
        try:
            return _serve_one(connection, listener, place, files, started_as)
        except Exception:
            import traceback

            _log(place, "a build's hand-over failed:\n" + traceback.format_exc())
            return True


def _import_everything() -> None:
    """What a build imports and loads once a process, before any build forks."""
    import importlib

    for name in (
        "cli",
        "build",
        "sources.book",
        "render.views",
        "render.epubpackage",
        "layout.book",
        "layout.merge",
        "layout.workers",
    ):
        importlib.import_module(f"studyguide.{name}")
    from studyguide.editions import registry
    from studyguide.layout.engine import prepare

    registry()
    prepare()
    _warm_up()


# What a first layout in a process sets up once (the faces found and opened, the PDF
# writer's first subset), done in the warm process by laying this out: every build forked
# from it starts with that done. (The build's own faces are the book's: these are the default
# typeface's, as most books have it.)
_WARM_UP = (
    '<html lang="en"><head><style>@page {{ size: A5 }} body {{ font-family: "{typeface}";'
    " hyphens: auto }}</style></head><body><p>A page laid out <i>before</i> any <b>build</b>,"
    ' <b><i>once</i></b>, in <span style="font-variant: small-caps">every</span> face.</p>'
    "</body></html>"
)


def _warm_up() -> None:
    import io

    from studyguide.layout.engine import lay_out_html, write_pdf
    from studyguide.sources.meta import DEFAULT_TYPEFACE

    with contextlib.suppress(Exception):  # (work ahead only: a build does it anyway)
        html = _WARM_UP.format(typeface=DEFAULT_TYPEFACE)
        write_pdf(lay_out_html(html, Path("/nonexistent")), io.BytesIO(), "warm-up")


def _listen(place: Path) -> tuple[socket.socket, int]:
    """The socket, made under another name and renamed into place (another warm process's
    socket, of a build started at the same time, is replaced: that one then ends)."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(place, 0o700)
    info = os.lstat(place)
    if not private(info):
        raise OSError("not a folder of this user's alone")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temporary = f"{SOCKET}.{os.getpid()}"
    os.chdir(place)  # (bound by a short path: the folder's may be longer than a socket's)
    try:
        listener.bind(temporary)
        listener.listen(8)
        os.rename(temporary, SOCKET)
    finally:
        os.chdir("/")
    return listener, os.lstat(place / SOCKET).st_ino


def _still_ours(place: Path, identity: int) -> bool:
    try:
        return os.lstat(place / SOCKET).st_ino == identity
    except OSError:
        return False


def _code_signature() -> list[Any]:
    """The package's files and the installed packages as they are now: their names, sizes
    and times (the compiled ones left out, which builds write)."""
    import sysconfig

    import studyguide

    package = Path(studyguide.__file__).parent
    files = []
    for folder_, folders, names in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(names):
            info = os.stat(os.path.join(folder_, name))
            files.append((os.path.join(folder_, name), info.st_size, info.st_mtime_ns))
    installed = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    return [files, [(path, os.stat(path).st_mtime_ns) for path in sorted(installed)]]


def _serve_one(
    connection: socket.socket,
    listener: socket.socket,
    place: Path,
    files: tuple[list[Any], list[Any]],
    started_as: list[Any],
) -> bool:
    """Run one build handed over; False if this process is stale (it then ends)."""
    try:
        if peer_uid(connection) != os.getuid():
            return True
        connection.settimeout(REQUEST_SECONDS)
        request, fds = _receive_request(connection)
        connection.settimeout(None)
    except (OSError, ValueError):
        return True
    try:
        if _gone(connection):  # (its caller stopped waiting: see client.PID_SECONDS)
            return True
        stale = _stale(request, started_as, files)
        if stale:
            _say(connection, {"declined": stale})
            _log(place, stale)
            return False
        warm = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # (no memory for it, say: the caller builds itself)
            _say(connection, {"declined": "no fork"})
            return True
        if pid == 0:
            run_build(connection, listener, request, fds, warm)
    finally:
        for fd in fds:
            os.close(fd)
    _say(connection, {"pid": pid})
    code = _watch(connection, pid)
    # (logged before the caller has its status: once it has, the log says so)
    _log(place, f"{json.dumps(request.get('argv'))} exit {code}")
    _say(connection, {"exit": code})
    return True


def _stale(
    request: dict[str, Any], started_as: list[Any], files: tuple[list[Any], list[Any]]
) -> str:
    """Why this process may not run the build asked for (else ""): the caller's interpreter
    was not started as this one was, or the code (the package's, the installed packages',
    the native libraries this process loaded) has changed since this one started."""
    if request.get("python") != started_as:
        return "the build's interpreter was not started as this process was"
    code, libraries = files
    now = _code_signature()
    if now != code:
        changed = sorted({str(f) for f in now[0]} ^ {str(f) for f in code[0]})
        return f"the code has changed since this process started: {changed[:2] or now[1]}"
    if _signature_of([path for path, *_ in libraries]) != libraries:
        return "a native library it loaded has changed since this process started"
    return ""


def _libraries() -> list[Any]:
    """The native libraries this process has loaded (Linux's /proc/self/maps), as they are."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    fields = [line.split(None, 5) for line in maps.splitlines()]
    paths = {each[5] for each in fields if len(each) == 6 and each[5].startswith("/")}
    return _signature_of(sorted(path for path in paths if ".so" in path))


def _signature_of(paths: list[str]) -> list[Any]:
    """Each file's path, size, time and inode (an upgrade replaces a file: a new inode)."""
    found = []
    for path in paths:
        try:
            info = os.stat(path)
            found.append([path, info.st_size, info.st_mtime_ns, info.st_ino])
        except OSError:
            found.append([path, None, None, None])
    return found


def _receive_request(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _, _ = socket.recv_fds(connection, 65536, 3)
    try:
        if len(fds) != 3:
            raise ValueError("no standard streams")
        while len(data) < HEADER:
            data += _more(connection)
        size = int.from_bytes(data[:HEADER], "big")
        while len(data) < HEADER + size:
            data += _more(connection)
        request = json.loads(data[HEADER : HEADER + size])
        if not isinstance(request, dict):
            raise ValueError("not a request")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return request, fds


def _more(connection: socket.socket) -> bytes:
    chunk = connection.recv(65536)
    if not chunk:
        raise ValueError("the request ended early")
    return chunk


def _gone(connection: socket.socket) -> bool:
    """Whether the caller has closed its end (it sends nothing else before its build ends)."""
    readable, _, _ = select.select([connection], [], [], 0)
    try:
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _say(connection: socket.socket, reply: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        connection.sendall(json.dumps(reply).encode("utf-8") + b"\n")


def _watch(connection: socket.socket, pid: int) -> int:
    """The build's exit status (128 + a signal's number if one ended it); if its caller goes
    away first (killed), the build is stopped as a SIGTERM stops it."""
    ended = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    gone_at: float | None = None
    try:
        while True:
            waiting = [ended] if gone_at is not None else [connection, ended]
            timeout = 0.01 if ended is None else None if gone_at is None else STOP_SECONDS
            readable, _, _ = select.select([w for w in waiting if w is not None], [], [], timeout)
            if connection in readable and gone_at is None:
                try:
                    gone = connection.recv(1) == b""
                except OSError:
                    gone = True
                if gone:
                    gone_at = time.monotonic()
                    _signal(pid, signal.SIGTERM)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return 128 - code if code < 0 else code
            if gone_at is not None and time.monotonic() - gone_at > STOP_SECONDS:
                _signal(pid, signal.SIGKILL)
    finally:
        if ended is not None:
            os.close(ended)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _log(place: Path, line: str, mode: str = "a") -> None:
    """A line of the warm process's log (begun again by each warm process: `mode` "w"), only
    ever to a regular file, never through a link nor waited on: the folder is in the book's,
    which is not trusted."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
    flags |= os.O_TRUNC if mode == "w" else os.O_APPEND
    with contextlib.suppress(OSError):
        descriptor = os.open(place / LOG, flags, 0o600)
        with open(descriptor, "a", encoding="utf-8") as log:
            if stat.S_ISREG(os.fstat(descriptor).st_mode):
                log.write(f"{stamp} {os.getpid()} {line}\n")
