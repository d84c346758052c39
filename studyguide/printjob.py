"""The preview's print layout, in a process of its own: `python -m studyguide.printjob
ROOT` imports the layout (the slow part of starting) and then waits for its options, as
JSON on its standard input (Options.to_json); it lays the book out as `build --pdf` would,
with those options whole, writes the PDF and the page map into their folder, and ends.

The preview starts the next one as soon as one ends, so that a save finds one ready.
An empty input (the preview stopping) ends it without a layout.
"""

from __future__ import annotations

import sys
from pathlib import Path

from studyguide.options import Options


def main(argv: list[str]) -> int:
    from studyguide.errors import BuildError, BuildErrors
    from studyguide.layout.engine import prepare

    _import_all()
    prepare()  # WeasyPrint imported and patched, before waiting

    root = Path(argv[0])
    text = sys.stdin.read()
    if not text.strip():
        return 0
    try:
        lay_out(root, Options.from_json(text))
    except (BuildError, BuildErrors) as error:
        errors = error.errors if isinstance(error, BuildErrors) else [error]
        for each in errors:
            print(each.format(root), file=sys.stderr)
        return 1
    return 0


def _import_all() -> None:
    """The modules a layout runs through (the slow part of starting), imported now."""
    import importlib

    for name in ("build", "sources.book", "render.views", "editions.pdf", "layout.book"):
        importlib.import_module(f"studyguide.{name}")


def lay_out(root: Path, options: Options) -> None:
    from studyguide.build import build
    from studyguide.output import prepare_output_dir
    from studyguide.sources.book import load_book

    book = load_book(root)
    prepare_output_dir(options.out)
    build(book, options, ["pdf"], lambda message: print(message, file=sys.stderr))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
