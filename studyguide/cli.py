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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyguide import buildargs
from studyguide.editions import groups, registry, with_brought
from studyguide.errors import MAX_REPORTED, counted
from studyguide.options import Options

# Modules that add commands of their own: each has `add(commands)`, which adds its
# subcommands with a `run(args) -> exit code` default.
COMMAND_MODULES = (
    "studyguide.authoring.commands",
    "studyguide.preview.commands",
    "studyguide.layout.commands",
)

if TYPE_CHECKING:
    from studyguide.model import Book


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studyguide",
        description="Build an annotated study guide as an EPUB and a print PDF from one layout.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the book's folder (default: the nearest folder from here up that holds book.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    paper = argparse.ArgumentParser(add_help=False)
    buildargs.build_options(paper)

    buildargs.build_command(
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
    from studyguide.layout.engine import collect_less_often
    from studyguide.output import closing_message

    reserve = bytearray(4_000_000)  # given back when memory runs out, to say so
    collect_less_often()
    try:
        return _main(args)
    except MemoryError:  # (anywhere: in a handler of another mistake too)
        pass
    del reserve
    gc.collect()  # what the stopped work held on to
    out = getattr(args, "out", None) or Path(args.root or ".") / "build"  # (once found)
    print(out_of_memory().format(), file=sys.stderr)
    print(closing_message("stopped", out, out_of_memory()), file=sys.stderr)
    return 1


def _main(args: argparse.Namespace) -> int:
    from studyguide.errors import BuildError, BuildErrors
    from studyguide.output import closing_message
    from studyguide.sources.files import find_book

    try:
        args.root = _root(args, find_book)
    except BuildError as error:
        print(error.format(), file=sys.stderr)  # (paths as given: there is no book)
        return 1
    root: Path = args.root
    out = getattr(args, "out", None) or root / "build"
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


def _root(args: argparse.Namespace, find_book: Any) -> Path:
    """The book every command but `new` works on (`import --into DIR` checks DIR itself)."""
    if args.command == "new" or getattr(args, "into", None) is not None:
        return args.root or Path(".")
    return find_book(args.root, Path.cwd())


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
    print("the words each entry was found as (a link made by hand is not listed):")
    for term in book.glossary:
        forms = dict.fromkeys(link.form for link in book.links_to(term) if link.form)
        print(f"  {term.term}: {', '.join(forms) if forms else '(not found in the text)'}")


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
    left_out = sum(b.role == "omission" for c in book.article_chapters for b in c.text_blocks)
    but = f" but for {counted(left_out, 'part')} left out ([…])" if left_out else ""
    _progress(
        f"checked {counted(len(book.chapters), 'chapter')} ({len(book.article_chapters)} of "
        f"the text, identical to the text as published{but}), {counted(notes, 'note')}, "
        f"{counted(len(book.glossary), 'glossary entry', 'glossary entries')}, "
        f"{counted(len(book.references), 'source')}"
    )
    from studyguide.authoring.scaffold import placeholders

    warnings = right_to_left_print(book) + placeholders(book) + unlinked_terms(book)
    warnings += uncited(citations(book.chapters, book.glossary), list(book.references), book.root)
    for warning in warnings[:MAX_REPORTED]:  # as errors are: the first, then how many more
        print(warning.format(root).replace("error:", "warning:", 1), file=sys.stderr)
    if len(warnings) > MAX_REPORTED:
        codes = sorted({w.code for w in warnings[MAX_REPORTED:]})
        more = counted(len(warnings) - MAX_REPORTED, "more warning")
        print(f"… and {more} ({', '.join(codes)})", file=sys.stderr)
    return book


def _wanted(args: argparse.Namespace, book: Book | None = None) -> list[str]:
    """The editions asked for: the flags given, or every one (--all: those the book can
    have; `book` is None while it is not read), or the default ones."""
    editions = registry()
    if args.command == "handout":
        return ["handout"]
    if getattr(args, "all_editions", False):
        said: set[str] = set()
        return [name for name, edition in editions.items() if _possible(edition, book, args, said)]
    asked = {group for group in groups() if getattr(args, buildargs.dest(group, "group"), False)}
    wanted = [
        name
        for name, edition in editions.items()
        if getattr(args, buildargs.dest(name), False) or edition.group in asked
    ]
    return with_brought(wanted or [name for name, e in editions.items() if e.default])


def _possible(edition: Any, book: Book | None, args: argparse.Namespace, said: set[str]) -> bool:
    """Whether the book can have the edition (for --all): its check passes; if not, said
    (once for a group of editions)."""
    from studyguide.errors import BuildError

    if book is None or edition.check is None:
        return True
    try:
        edition.check(book, buildargs.options(args, args.out or book.root / "build"))
    except BuildError as error:
        what = f"the {edition.group} edition" if edition.group else edition.label
        if what not in said:
            _progress(f"not writing {what} (--all): {error.message}")
            said.add(what)
        return False
    return True


def _say_not_rebuilt(book: Book, options: Options, wanted: list[str]) -> None:
    """Editions of an earlier build beside the ones written: say they are that old."""
    older = [
        edition.target(book.meta, options)
        for name, edition in registry().items()
        if name not in wanted and edition.target(book.meta, options).exists()
    ]
    if older:
        _progress(
            "not rebuilt, from an earlier build: "
            + ", ".join(path.name for path in older)
            + " (build without an edition flag writes the default editions; --all, every one)"
        )


def _run(args: argparse.Namespace, root: Path, started: float) -> int:
    if args.command in ("check", "stats"):
        book = _load(root)
        if args.command == "stats":
            _print_stats(book)
        else:
            from studyguide.build import check_layout
            from studyguide.render.typeface import check_book
            from studyguide.sources.facilitator import load_companion

            check_book(book)
            check_layout(book, Options(out=root / "build"))
            parts = load_companion(book).parts  # the facilitator's files, if any
            if parts:
                _progress(f"checked the facilitator's companion: {counted(len(parts), 'file')}")
        return 0

    from studyguide.build import build, lays_out, up_to_date
    from studyguide.layout.workers import end_layout_process, start_layout_process
    from studyguide.output import prepare_output_dir

    # build/ is the book's own folder, and the book is not trusted; --out is the user's.
    target = args.out or root / "build"
    wanted = _wanted(args)
    debug_html = getattr(args, "debug_html", None)
    inside = args.out or target.resolve().is_relative_to(root.resolve())
    written = (
        None
        if debug_html or not inside
        else up_to_date(root, buildargs.options(args, target), wanted)
    )
    if written is not None:
        _progress("nothing to do: the sources and options are those of the last build")
    else:
        # (the print layout's process started first: it gets ready while the book is read)
        start_layout_process(lays_out(wanted))
        finished = False
        try:
            book = _load(root)
            wanted = _wanted(args, book)
            options = buildargs.options(
                args, prepare_output_dir(target, None if args.out else root)
            )
            if debug_html:
                _write_debug_html(book, options, debug_html)
            written = build(book, options, wanted, _progress)
            finished = True
        finally:
            end_layout_process(finished)
        _say_not_rebuilt(book, options, wanted)
    _progress(f"done in {time.perf_counter() - started:.1f} s")
    for path in written:
        print(path)
    return 0
