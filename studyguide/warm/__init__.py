"""A build process kept warm between builds: `studyguide build --warm` (as `make` runs it)
hands its build to the book's warm process, and starts one for the next build if there is
none.

The warm process has imported the package, WeasyPrint and pikepdf once. It waits on a socket
in the output folder (`build/.warm/socket`) and, for each build handed to it, forks a child
that runs the command line as a new process would: in the caller's folder, with its
arguments, environment, umask and standard streams (passed over the socket); a signal sent
to the caller is passed on to the child, and the caller exits with the child's status. It is
the same build in the same code: the same editions, messages and exit status, without the
start (the interpreter, the imports): `make` after a one-chapter edit, 1.13 s without it,
takes 0.98 s (bench/run.py).

It serves its own user only, one build at a time, and ends after `IDLE_SECONDS` without a
build, as soon as its socket is removed (`make clean` removes build/), and when the
package's files or the installed Python packages have changed since it started (the build
that finds it so runs itself, then starts a new one). From the book's folder (not trusted)
it takes nothing but the socket, checked first: a socket, the user's, in a folder of the
user's alone, answered by a process of the user's.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import sys
from pathlib import Path
from typing import Any

FLAG = "--warm"
FOLDER = ".warm"  # in the output folder
SOCKET = "socket"
LOG = "log"  # a line for each build served: when, its arguments, its exit status
IDLE_SECONDS = 600.0
IDLE_VARIABLE = "STUDYGUIDE_WARM_IDLE"  # seconds: another idle time (tests)
CHECK_SECONDS = 0.5  # how often an idle warm process looks at its socket
REQUEST_SECONDS = 10.0  # the longest a caller may take to say what to build
STOP_SECONDS = 60.0  # after a SIGTERM, how long a build whose caller is gone may take to stop
STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # passed on to the build
HEADER = 4  # bytes: the request's length
# The interpreter's flags a build depends on (not -P: the warm process is started with it)
FLAGS = (
    "optimize",
    "dont_write_bytecode",
    "no_user_site",
    "no_site",
    "ignore_environment",
    "verbose",
    "bytes_warning",
    "hash_randomization",
    "isolated",
    "dev_mode",
    "utf8_mode",
    "warn_default_encoding",
    "int_max_str_digits",
)


def wanted(argv: list[str]) -> bool:
    return FLAG in argv


def folder(argv: list[str], cwd: Path) -> Path:
    """The warm process's folder for the build `argv` asks for: in its output folder (--out,
    else build/ in the book's folder: --root, else `cwd`, as `make` runs a build). (A build
    started elsewhere, in a folder inside the book, finds none and runs itself, as right as
    ever: so does one whose arguments are misread here.)"""
    out, root = _value(argv, "--out"), _value(argv, "--root")
    if out is not None:
        return cwd / out / FOLDER
    return cwd / (root or ".") / "build" / FOLDER


def _value(argv: list[str], option: str) -> str | None:
    for index, argument in enumerate(argv):
        if argument == "--":
            return None
        if argument == option and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith(option + "="):
            return argument[len(option) + 1 :]
    return None


def peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(credentials[4:8], sys.byteorder)


def private(info: os.stat_result) -> bool:
    """Whether a folder is the user's alone (a warm process's folder must be)."""
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def interpreter() -> list[Any]:
    """What a new interpreter takes from its start and a forked one keeps: a build is handed
    only to a warm process that started as this one did."""
    import studyguide

    settings = {k: v for k, v in os.environ.items() if k.startswith(("PYTHON", "LC_", "LANG"))}
    streams = [(s.encoding, s.errors) if s else None for s in (sys.stdout, sys.stderr)]
    flags = [getattr(sys.flags, name) for name in FLAGS]
    return [
        sys.executable,
        sys.prefix,
        flags,
        sys.warnoptions,
        sorted(sys._xoptions.items()),
        studyguide.__file__,
        sorted(settings.items()),
        streams,
    ]
