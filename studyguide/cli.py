"""The command line: parse arguments, run the build stage by stage, print progress and errors.

The editions' flags (--pdf, --epub, --handout, …) come from the registry
(studyguide/editions); nothing here names an edition.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from studyguide.editions import registry
from studyguide.errors import MAX_REPORTED, counted
from studyguide.options import PAPERS, Options

# Modules that add commands of their own: each has `add(commands)`, which adds its
# subcommands with a `run(args) -> exit code` default.
COMMAND_MODULES = ("studyguide.authoring.commands", "studyguide.preview.commands")

if TYPE_CHECKING:
    from studyguide.model import Book


def _build_options(paper: argparse.ArgumentParser) -> None:
    """Options the print layout and the handout share."""
    paper.add_argument("--paper", choices=PAPERS, default="a4", help="paper size of the PDF")
    paper.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    paper.add_argument(
        "--no-writing-space",
        dest="writing_space",
        action="store_false",
        help="no ruled lines for answers after the discussion questions",
    )


def _build_command(build: argparse.ArgumentParser) -> None:
    """The build command's options: one flag an edition (from the registry), then the rest."""
    for name, edition in registry().items():
        default = " (written by default)" if edition.default else ""
        build.add_argument(f"--{name}", action="store_true", help=edition.summary + default)
    build.add_argument("--no-cover", dest="cover", action="store_false", help="no cover image")
    build.add_argument(
        "--no-blank-pages",
        dest="blank_pages",
        action="store_false",
        help="in the PDF, open each chapter on the next page rather than the next right-hand "
        "one, with the same margins on every page: for photocopying single-sided",
    )
    build.add_argument(
        "--glossary-pages",
        action="store_true",
        help="in the PDF, give the glossary page after the first link to a term in each chapter",
    )
    build.add_argument(
        "--part-size",
        type=_positive,
        default=None,
        metavar="CHARS",
        help="lay a print edition whose HTML is longer than CHARS characters out in parts of "
        "whole chapters, to bound memory (default: 600000, about 230 A4 pages)",
    )
    build.add_argument(
        "--debug-html",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the HTML handed to WeasyPrint to FILE",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studyguide",
        description="Build an annotated study guide as an EPUB and a print PDF from one layout.",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="the book's folder (default: here)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    paper = argparse.ArgumentParser(add_help=False)
    _build_options(paper)

    _build_command(
        commands.add_parser(
            "build", parents=[paper], help="check the sources and write the editions"
        )
    )
    commands.add_parser(
        "handout",
        parents=[paper],
        help="write the discussion questions as a PDF handout, one chapter a page "
        "(the same as build --handout)",
    )
    commands.add_parser(
        "check", help="check the sources (fidelity, notes, glossary); build nothing"
    )
    commands.add_parser(
        "stats", help="count the annotations: notes and questions per chapter, glossary links"
    )
    for module in COMMAND_MODULES:
        importlib.import_module(module).add(commands)
    return parser


def _progress(message: str) -> None:
    print(f"studyguide: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from studyguide.errors import out_of_memory
    from studyguide.output import closing_message

    out = getattr(args, "out", None) or args.root / "build"
    reserve = bytearray(4_000_000)  # given back when memory runs out, to say so
    try:
        return _main(args, out)
    except MemoryError:  # (anywhere: in a handler of another mistake too)
        pass
    del reserve
    gc.collect()  # what the stopped work held on to
    print(out_of_memory().format(), file=sys.stderr)
    print(closing_message("stopped", out, out_of_memory()), file=sys.stderr)
    return 1


def _main(args: argparse.Namespace, out: Path) -> int:
    from studyguide.errors import BuildError, BuildErrors
    from studyguide.output import closing_message

    root: Path = args.root
    started = time.perf_counter()
    try:
        if hasattr(args, "run"):
            return args.run(args)
        return _run(args, root, started)
    except (BuildError, BuildErrors) as error:
        print(error.format(args.root), file=sys.stderr)
        print(closing_message("stopped", out, error), file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM/SIGHUP (studyguide.interrupts)
        print(closing_message("interrupted", out), file=sys.stderr)
        return 128 + getattr(stop, "signum", signal.SIGINT)


def _print_stats(book: Book) -> None:
    """A table of the annotations, for facilitators and for the issue notes."""
    print(f"{'chapter':<48} {'kind':<8} {'notes':>5} {'questions':>9} {'term links':>10}")
    for chapter in book.chapters:
        title = f"{chapter.number:02d} {chapter.title}"
        if len(title) > 47:
            title = title[:46] + "…"
        print(
            f"{title:<48} {chapter.kind.value:<8} {len(chapter.notes):>5} "
            f"{len(chapter.questions):>9} {len(chapter.term_links):>10}"
        )
    links = sum(len(c.term_links) for c in book.chapters)
    linked = {link.slug for c in book.chapters for link in c.term_links}
    entries = counted(len(book.glossary), "entry", "entries")
    print(
        f"glossary: {entries}, {counted(links, 'link')} from the text, "
        f"{counted(len(linked), 'entry', 'entries')} linked at least once"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got '{text}'")
    return value


def _options(args: argparse.Namespace, out: Path) -> Options:
    options = Options(
        out=out,
        paper=args.paper,
        writing_space=args.writing_space,
        cover=getattr(args, "cover", True),
        glossary_pages=getattr(args, "glossary_pages", False),
        blank_pages=getattr(args, "blank_pages", True),
    )
    if getattr(args, "part_size", None):
        options = replace(options, part_size=args.part_size)
    return options


def _write_debug_html(book: Book, options: Options, target: Path) -> None:
    from studyguide.errors import BuildError
    from studyguide.layout.book import print_html

    html = print_html(book, options)  # (undated: the print HTML as laid out, for reading)
    try:
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise BuildError(
            target,
            f"cannot write the print HTML: {exc.strerror or exc}",
            "choose another file with --debug-html",
            "output.write",
        ) from None
    _progress(f"wrote the print HTML to {target}")


def _load(root: Path) -> Book:
    """The book, checked, with what was checked and any warnings said."""
    from studyguide.sources.book import citations, load_book
    from studyguide.sources.checks import right_to_left_print, unlinked_terms
    from studyguide.sources.references import uncited

    _progress(f"reading the sources in {root.resolve()}")
    book = load_book(root)
    notes = sum(len(c.notes) for c in book.chapters)
    _progress(
        f"checked {counted(len(book.chapters), 'chapter')} ({len(book.article_chapters)} of "
        f"the text, identical to the text as published), {counted(notes, 'note')}, "
        f"{counted(len(book.glossary), 'glossary entry', 'glossary entries')}, "
        f"{counted(len(book.references), 'source')}"
    )
    warnings = (
        right_to_left_print(book)
        + unlinked_terms(book)
        + uncited(citations(book.chapters, book.glossary), list(book.references), book.root)
    )
    for warning in warnings[:MAX_REPORTED]:  # as errors are: the first, then how many more
        print(warning.format(root).replace("error:", "warning:", 1), file=sys.stderr)
    if len(warnings) > MAX_REPORTED:
        codes = sorted({w.code for w in warnings[MAX_REPORTED:]})
        more = counted(len(warnings) - MAX_REPORTED, "more warning")
        print(f"… and {more} ({', '.join(codes)})", file=sys.stderr)
    return book


def _wanted(args: argparse.Namespace) -> list[str]:
    editions = registry()
    if args.command == "handout":
        return ["handout"]
    wanted = [name for name in editions if getattr(args, name, False)]
    return wanted or [name for name, edition in editions.items() if edition.default]


def _run(args: argparse.Namespace, root: Path, started: float) -> int:
    if args.command in ("check", "stats"):
        book = _load(root)
        if args.command == "stats":
            _print_stats(book)
        else:
            from studyguide.build import check_layout
            from studyguide.render.typeface import check_book

            check_book(book)
            check_layout(book, Options(out=root / "build"))
        return 0

    from studyguide.build import build, up_to_date
    from studyguide.output import prepare_output_dir

    # build/ is the book's own folder, and the book is not trusted; --out is the user's.
    target = args.out or root / "build"
    wanted = _wanted(args)
    debug_html = getattr(args, "debug_html", None)
    inside = args.out or target.resolve().is_relative_to(root.resolve())
    written = None if debug_html or not inside else up_to_date(root, _options(args, target), wanted)
    if written is not None:
        _progress("nothing to do: the sources and options are those of the last build")
    else:
        book = _load(root)
        options = _options(args, prepare_output_dir(target, None if args.out else root))
        if debug_html:
            _write_debug_html(book, options, debug_html)
        written = build(book, options, wanted, _progress)
    _progress(f"done in {time.perf_counter() - started:.1f} s")
    for path in written:
        print(path)
    return 0
