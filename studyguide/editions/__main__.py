"""For the Makefile: `python -m studyguide.editions` lists the editions' names (and the
groups' names: each is a make target too);
`--targets [--paper P] [--out DIR]` the files a plain build writes for the book here;
`--makefile FILE [--paper P]` writes both, with the book's sources, as make variables (the
Makefile includes FILE, so that a `make` with nothing to do starts no Python), and beside it
`sources.list`, rewritten only when a source is added or removed.

It runs with the system's Python and no third-party library, before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from studyguide.editions import defaults, groups, registry
from studyguide.errors import BuildError
from studyguide.options import PAPERS, Options

# A file name make can hold as a prerequisite once its spaces are escaped; any other (a
# colon, a dollar, a backslash, a newline…) could be read as make's own syntax.
_MAKE_SAFE = re.compile(r"[A-Za-z0-9._/+,@=~ -]+")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m studyguide.editions")
    parser.add_argument("--targets", action="store_true")
    parser.add_argument("--makefile", type=Path, metavar="FILE")
    parser.add_argument("--paper", choices=PAPERS, default="a4")
    parser.add_argument("--out", type=Path, default=Path("build"))
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args()
    if not (args.targets or args.makefile):
        print(" ".join(_names()))
        return
    options = Options(out=args.out, paper=args.paper)
    if args.targets:
        print(" ".join(_targets(args.root, options)))
        return
    try:
        targets = " ".join(_targets(args.root, options))
    except BuildError:
        # The book's metadata cannot be read: a target never written, so that make always
        # runs the build, which says what is wrong, with its file and line.
        targets = (args.makefile.parent / "unreadable-book").as_posix()
    write_makefile(args.makefile, args.root, targets)


def _names() -> list[str]:
    """Every edition's name and every group's: each is a flag of the build and a make target."""
    return [*registry(), *groups()]


def _targets(root: Path, options: Options) -> list[str]:
    from studyguide.sources.meta import load_meta

    meta = load_meta(root)
    return [str(edition.target(meta, options)) for edition in defaults()]


def write_makefile(path: Path, root: Path, targets: str) -> None:
    """The registry's editions, the default targets, every source of the book (as
    sources.files.source_paths lists them) and the folders they are listed from, as make
    variables. A file added to a folder or removed from it changes the folder, so the
    Makefile writes this again; `sources.list` changes only when the list of sources does
    (an editor's swap file does not rebuild the book). A source whose name make cannot hold
    makes SOURCES `FORCE`: make then always asks the CLI, whose own check finds a build with
    nothing to do."""
    from studyguide.sources.files import source_folders, source_paths

    names = [p.relative_to(root).as_posix() for p in source_paths(root)]
    folders = [p.relative_to(root).as_posix() for p in source_folders(root)]
    listing = path.parent / "sources.list"
    # (Folders make cannot name are left out: the Makefile's settings depend on them, and a
    # FORCE there would have make read its settings again without end.)
    watched = " ".join(n.replace(" ", "\\ ") for n in folders if _MAKE_SAFE.fullmatch(n))
    entries = _entries(root, [n for n in folders if _MAKE_SAFE.fullmatch(n)])
    if targets.endswith("unreadable-book") or not all(map(_MAKE_SAFE.fullmatch, names)):
        sources = "FORCE"
    else:
        sources = " ".join([*(n.replace(" ", "\\ ") for n in names), listing.as_posix()])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(names) + "\n"
    if not listing.is_file() or listing.read_text(encoding="utf-8") != text:
        listing.write_text(text, encoding="utf-8")
    path.write_text(
        "# Written by `python -m studyguide.editions --makefile`: do not edit.\n"
        f"EDITIONS := {' '.join(_names())}\n"
        f"DEFAULT := {targets}\n"
        f"SOURCES := {sources}\n"
        f"SOURCE_FOLDERS := {watched}\n"
        f"SOURCE_ENTRIES := {entries}\n",
        encoding="utf-8",
    )


def _entries(root: Path, folders: list[str]) -> str:
    """What make's `$(sort $(wildcard F/*))` gives for the folders watched: each entry whose
    name does not begin with a dot, sorted. The Makefile compares it with what make lists
    now: the same entries (an editor that saves a chapter by renaming a new file over it
    changes only the folder's time) do not have this file written again. A name make could
    not compare word for word (a space, any character outside `_MAKE_SAFE`) gives a word
    that no listing holds: the folders' times decide, as they would without this."""
    found = []
    for folder in folders:
        names = sorted(p.name for p in (root / folder).iterdir() if not p.name.startswith("."))
        found += [f"{folder}/{name}" for name in names]
    if not all(_MAKE_SAFE.fullmatch(name) and " " not in name for name in found):
        return "(names-make-cannot-compare)"
    return " ".join(sorted(found))


if __name__ == "__main__":
    main()
