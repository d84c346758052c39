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
    split = commands.add_parser(
        "split",
        help="split a chapter in two, the second part beginning at the block that begins with "
        "--at TEXT (notes go with their calls; the chapters after it are renumbered)",
    )
    split.add_argument("chapter", type=Path, metavar="CHAPTER", help="the chapter file")
    split.add_argument("--at", required=True, metavar="TEXT", help="the new chapter's first words")
    split.set_defaults(run=run_split)


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
    _add_import_shaping(bring)
    bring.set_defaults(run=run_import)


def _add_import_shaping(bring: argparse.ArgumentParser) -> None:
    """What is left out of the file, and where its chapters begin."""
    bring.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="SELECTOR",
        help="leave out the web page's elements that the CSS selector selects (repeatable)",
    )
    bring.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="TEXT",
        help="leave out each heading or paragraph that begins with TEXT (repeatable)",
    )
    bring.add_argument(
        "--keep-furniture",
        dest="furniture_rule",
        action="store_false",
        help="do not leave out a web page's furniture by the rule (cookie banners, share "
        "boxes, ads, bylines, lists of links): only what --exclude and --drop name",
    )
    bring.add_argument(
        "--split-at",
        action="append",
        default=[],
        metavar="TEXT",
        help="begin a new chapter at each block that begins with TEXT (repeatable)",
    )
    bring.add_argument(
        "--encoding",
        default=None,
        help="the encoding of a text or Markdown file that is not UTF-8: latin-1, cp1252, …",
    )
    bring.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be kept, chapter by chapter, and what left out, and write nothing",
    )


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
    request = Request(
        args.file, root, args.start, args.end, args.text, args.title, args.force,
        tuple(args.exclude), tuple(args.drop), tuple(args.split_at), args.dry_run,
        args.encoding, args.furniture_rule,
    )  # fmt: skip
    return _report(root, lambda: import_text(request))


def run_split(args: argparse.Namespace) -> int:
    from studyguide.authoring.split import split_chapter

    root: Path = args.root
    return _report(root, lambda: split_chapter(root, args.chapter, args.at))


def run_migrate(args: argparse.Namespace) -> int:
    from studyguide.authoring.migrate import migrate

    root: Path = args.root
    return _report(root, lambda: migrate(root))
