"""The authoring commands on the command line: `new`, `import`, `migrate`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from studyguide.errors import BuildError, BuildErrors, shown


def add(commands: argparse._SubParsersAction) -> None:
    _add_new(commands)
    _add_import(commands)
    migrate = commands.add_parser(
        "migrate",
        help="rewrite an old book.toml (one [original] article) as [[texts]]; "
        "book.toml.bak keeps the old one",
    )
    migrate.set_defaults(run=run_migrate)


def _add_new(commands: argparse._SubParsersAction) -> None:
    new = commands.add_parser(
        "new",
        help="start a book in a new folder: book.toml, a sample introduction and glossary "
        "entry, a README with the next steps",
    )
    new.add_argument("folder", type=Path, metavar="DIR", help="the new book's folder")
    new.add_argument("--title", default=None, help="the book's title (default: from DIR)")
    new.add_argument(
        "--language",
        default="en",
        help="the book's language, a BCP 47 tag: en, es, fr, de have their own labels and "
        "samples (default: en)",
    )
    new.set_defaults(run=run_new)


def _add_import(commands: argparse._SubParsersAction) -> None:
    bring = commands.add_parser(
        "import",
        help="bring a text (.txt, .md, .html) into a book: its chapters, and the text as "
        "published that the fidelity check compares them with",
    )
    bring.add_argument("file", type=Path, metavar="FILE", help="the text: .txt, .md or .html")
    bring.add_argument(
        "--into", type=Path, default=None, metavar="DIR", help="the book (default: --root)"
    )
    bring.add_argument(
        "--start",
        metavar="TEXT",
        help="the text begins at the first line that reads TEXT (else, that begins with it)",
    )
    bring.add_argument(
        "--end",
        metavar="TEXT",
        help="the text ends at the last line that reads TEXT (else, that begins with it)",
    )
    bring.add_argument(
        "--text",
        metavar="ID",
        default=None,
        help="the id of the [[texts]] entry to fill; a new id adds an entry "
        "(default: the book's only text, or the first without chapters)",
    )
    bring.add_argument(
        "--title",
        default=None,
        help="the text's title (default: from the file, if book.toml still has the placeholder)",
    )
    bring.add_argument(
        "--force",
        action="store_true",
        help="replace the text's chapters if it has some; the old files are moved to "
        "replaced/<time>/, not deleted",
    )
    bring.set_defaults(run=run_import)


def _report(root: Path, work: Callable[[], list[str]]) -> int:
    """Run an authoring command: its lines of progress, or its mistakes and exit code 1.
    These commands check everything before they write, and undo what they wrote if a write
    fails (changes.py), so a mistake changes nothing; only a failed undo (`….partial`) can."""
    try:
        done = work()
    except (BuildError, BuildErrors) as error:
        print(error.format(root), file=sys.stderr)
        changed = isinstance(error, BuildError) and error.code.endswith(".partial")
        if not changed:
            print("studyguide: stopped; nothing was changed", file=sys.stderr)
        return 1
    for line in done:
        print(f"studyguide: {shown(line)}", file=sys.stderr)
    return 0


def run_new(args: argparse.Namespace) -> int:
    from studyguide.authoring.new import new_book

    folder: Path = args.folder
    # Paths in messages as the user gave them: the folder is new to them.
    return _report(Path.cwd(), lambda: new_book(folder, args.title, args.language))


def run_import(args: argparse.Namespace) -> int:
    from studyguide.authoring.importer import Request, import_text

    root: Path = args.into or args.root
    request = Request(args.file, root, args.start, args.end, args.text, args.title, args.force)
    return _report(root, lambda: import_text(request))


def run_migrate(args: argparse.Namespace) -> int:
    from studyguide.authoring.migrate import migrate

    root: Path = args.root
    return _report(root, lambda: migrate(root))
