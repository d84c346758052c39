"""The command line's entry point (`studyguide`, `python -m studyguide`): a build asked to
run warm (`--warm`, as `make` asks) handed to the book's warm process (warm/), else the
command run here (cli.py)."""

from __future__ import annotations

import gc
import sys
from typing import NoReturn

from studyguide import warm
from studyguide.warm import client


def run() -> NoReturn:
    """Run the command line, then exit. By then every file is written and closed and every
    process ended: the collector is not asked to walk all the process's objects once more as
    the interpreter exits (gc.freeze), which took 0.02 s of every command."""
    argv = sys.argv[1:]
    if warm.wanted(argv):
        handed = client.hand_over(argv)
        if handed is not None:
            sys.exit(handed)
    from studyguide.cli import main

    code = main(argv)
    if warm.wanted(argv) and code != 2:  # (2: the command was called wrongly)
        client.start(argv)  # for the next build
    gc.freeze()
    sys.exit(code)
