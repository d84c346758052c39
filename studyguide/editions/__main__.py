"""For the Makefile: `python -m studyguide.editions` lists the editions' names (and the
groups' names: each is a make target too);
`--targets [--paper P] [--out DIR]` the files a plain build writes for the book here.

It runs with the system's Python and no third-party library, before the virtualenv exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studyguide.editions import defaults, groups, registry
from studyguide.options import PAPERS, Options


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m studyguide.editions")
    parser.add_argument("--targets", action="store_true")
    parser.add_argument("--paper", choices=PAPERS, default="a4")
    parser.add_argument("--out", type=Path, default=Path("build"))
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args()
    if not args.targets:
        print(" ".join([*registry(), *groups()]))
        return
    from studyguide.sources.meta import load_meta

    meta = load_meta(args.root)
    options = Options(out=args.out, paper=args.paper)
    print(" ".join(str(edition.target(meta, options)) for edition in defaults()))


if __name__ == "__main__":
    main()
