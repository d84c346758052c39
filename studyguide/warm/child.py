"""A build handed to the warm process, run in a child of it as a new process of the
caller's would run it (see __init__)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from typing import Any, NoReturn

from studyguide.warm import STOPPING

PR_SET_PDEATHSIG = 1  # (linux/prctl.h)


def run_build(
    connection: socket.socket,
    listener: socket.socket,
    request: dict[str, Any],
    fds: list[int],
    warm: int,
) -> NoReturn:
    """The build, as a new process of the caller's would run it, in a child of the `warm`
    process: never returns."""
    code = 1
    try:
        _end_with(warm)
        connection.close()
        listener.close()
        for signum in STOPPING:
            ignored = signum in request.get("ignored", [])
            default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            signal.signal(signum, signal.SIG_IGN if ignored else default)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        _standard_streams()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        os.umask(int(request["umask"]))
        argv = [str(argument) for argument in request["argv"]]
        sys.argv = ["studyguide", *argv]
        from studyguide.cli import main

        code = main(argv)
    except SystemExit as exit_:
        code = _status(exit_.code)
    except KeyboardInterrupt:
        code = 128 + signal.SIGINT
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)


def _end_with(warm: int) -> None:
    """A SIGTERM to this build when the warm process ends (killed, say): stopped as a SIGTERM
    stops a build, its caller told that the warm process ended (Linux; elsewhere the build
    goes on to its end)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != warm:  # (it ended before that was asked)
        os.kill(os.getpid(), signal.SIGTERM)


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _standard_streams() -> None:
    """sys.stdin, stdout and stderr on the caller's streams, buffered as a new process's
    are (stdout by lines if it is a terminal; stderr always by lines; neither with
    PYTHONUNBUFFERED, which the warm process was started with too)."""
    import io

    def text(fd: int, like: Any, writing: bool, lines: bool) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w" if writing else "r", closefd=False)
        buffered = io.BufferedWriter(raw) if writing else io.BufferedReader(raw)
        encoding = getattr(like, "encoding", None) or "utf-8"
        errors = getattr(like, "errors", None) or "strict"
        through = bool(getattr(like, "write_through", False))
        return io.TextIOWrapper(
            buffered, encoding, errors, line_buffering=lines, write_through=through
        )

    sys.stdin = text(0, sys.stdin, False, False)
    sys.stdout = text(1, sys.stdout, True, os.isatty(1))
    sys.stderr = text(2, sys.stderr, True, True)
