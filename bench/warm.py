"""What a build costs in a process that has imported everything already: the floor of a
build server (a process kept between builds, as `studyguide serve` keeps one), for the
decision whether `make` should have one.

A process imports the package, WeasyPrint (patched) and pikepdf, loads the hyphenation
dictionary, then forks a child for each build, which runs the command line as `make`
would (`studyguide build --paper a4`) and ends without tearing the interpreter down. Timed:
from the fork to the child's end, after one chapter's note was edited (as run.py's "make
after editing one chapter") and from cold (build/ removed). Compare with run.py's figures
of the same builds through `make`: the difference is what starting the interpreter and
importing cost a build.

Run with `.venv/bin/python bench/warm.py [--runs N]`. The builds happen in a temporary copy
of the book.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import EPOCH, copy_book


def warm() -> None:
    """Everything a build imports or loads once a process, done before any fork."""
    import studyguide.build
    import studyguide.cli
    import studyguide.layout.book
    import studyguide.layout.merge
    import studyguide.render.epubpackage
    import studyguide.sources.book  # noqa: F401
    from studyguide.editions import registry
    from studyguide.layout.engine import prepare
    from studyguide.render.typeset import _dictionary

    prepare()
    registry()
    _dictionary("en")


def forked_build(book: Path) -> float:
    """Seconds from the fork to the end of a child that builds `book` as `make` does."""
    from studyguide.cli import main

    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        code = main(["--root", str(book), "build", "--paper", "a4"])
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SystemExit(f"the build failed (status {status}): run it without bench/warm.py")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    args = parser.parse_args()
    os.environ.update(EPOCH)
    warm()
    with tempfile.TemporaryDirectory(prefix="studyguide-warm-") as tmp:
        book = copy_book(Path(tmp) / "book")
        chapter = next((book / "chapters").glob("05-*.md"))
        original = chapter.read_text(encoding="utf-8")
        cold = []
        for _ in range(args.runs):
            shutil.rmtree(book / "build", ignore_errors=True)
            cold.append(forked_build(book))
        edited = []
        for run in range(args.runs):
            chapter.write_text(original.replace("]: ", f"]: Edit {run}. ", 1), encoding="utf-8")
            edited.append(forked_build(book))
    cold_s, edit_s = statistics.median(cold), statistics.median(edited)
    print("| build, in a process forked from a warm one | seconds |\n|---|---:|")
    print(f"| both editions, cold | {cold_s:.3f} |")
    print(f"| after editing one chapter | {edit_s:.3f} |")
    print(f"| edit / cold | {edit_s / cold_s:.2f} |")


if __name__ == "__main__":
    main()
