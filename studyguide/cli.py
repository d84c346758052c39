"""The command line: parse arguments, run the build stage by stage, print progress and errors."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

PAPERS = ("a4", "letter", "a5")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studyguide",
        description="Build an annotated study guide as an EPUB and a print PDF from one layout.",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="the book's folder (default: here)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # Options the print edition and the handout share.
    paper = argparse.ArgumentParser(add_help=False)
    paper.add_argument("--paper", choices=PAPERS, default="a4", help="paper size of the PDF")
    paper.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    paper.add_argument(
        "--no-writing-space",
        dest="writing_space",
        action="store_false",
        help="no ruled lines for answers after the discussion questions",
    )

    build = commands.add_parser(
        "build", parents=[paper], help="check the sources and write the editions"
    )
    build.add_argument("--epub", action="store_true", help="write the EPUB")
    build.add_argument("--pdf", action="store_true", help="write the print PDF")
    build.add_argument("--no-cover", dest="cover", action="store_false", help="no cover image")
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
    commands.add_parser(
        "handout",
        parents=[paper],
        help="write the discussion questions as a PDF handout, one chapter a page",
    )

    commands.add_parser(
        "check", help="check the sources (fidelity, notes, glossary); build nothing"
    )
    commands.add_parser(
        "stats", help="count the annotations: notes and questions per chapter, glossary links"
    )
    return parser


def _progress(message: str) -> None:
    print(f"studyguide: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from studyguide.errors import BuildError, BuildErrors

    root: Path = args.root
    started = time.perf_counter()
    try:
        return _run(args, root, started)
    except (BuildError, BuildErrors) as error:
        print(error.format(args.root), file=sys.stderr)
        print(
            "studyguide: stopped; the editions from the last good build are unchanged",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(
            "studyguide: interrupted; the editions from the last good build are unchanged",
            file=sys.stderr,
        )
        return 130


def _print_stats(book: object) -> None:
    """A table of the annotations, for facilitators and for the issue notes."""
    from studyguide.model import Book

    assert isinstance(book, Book)
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
    print(
        f"glossary: {len(book.glossary)} entries, {links} links from the text, "
        f"{len(linked)} entries linked at least once"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got '{text}'")
    return value


def _run(args: argparse.Namespace, root: Path, started: float) -> int:
    from studyguide.build import EDITIONS, Options, build_both, load_book

    _progress(f"reading the sources in {root.resolve()}")
    loaded = load_book(root)
    book = loaded.book
    notes = sum(len(c.notes) for c in book.chapters)
    _progress(
        f"checked {len(book.chapters)} chapters ({len(book.article_chapters)} of the article, "
        f"text identical to the published article), {notes} notes, "
        f"{len(book.glossary)} glossary entries"
    )
    from studyguide.checks import unlinked_terms

    for warning in unlinked_terms(book):
        print(warning.format(root).replace("error:", "warning:", 1), file=sys.stderr)
    if args.command == "check":
        return 0
    if args.command == "stats":
        _print_stats(book)
        return 0

    from studyguide.output import prepare_output_dir

    out = prepare_output_dir(args.out or root / "build")
    options = Options(
        out=out,
        paper=args.paper,
        writing_space=args.writing_space,
        cover=getattr(args, "cover", True),
        glossary_pages=getattr(args, "glossary_pages", False),
    )
    if getattr(args, "part_size", None):
        options.part_size = args.part_size
    if args.command == "handout":
        from studyguide.handout import build_handout

        written = [build_handout(loaded, options, _progress)]
    else:
        if args.debug_html:
            from studyguide import pdf

            html = pdf.print_html(
                loaded.md, book, args.paper, args.writing_space, "", args.glossary_pages
            )
            try:
                args.debug_html.write_text(html, encoding="utf-8")
            except OSError as exc:
                from studyguide.errors import BuildError

                raise BuildError(
                    args.debug_html,
                    f"cannot write the print HTML: {exc.strerror or exc}",
                    "choose another file with --debug-html",
                    "output.write",
                ) from None
            _progress(f"wrote the print HTML to {args.debug_html}")
        wanted = [name for name in ("pdf", "epub") if getattr(args, name)] or ["pdf", "epub"]
        if len(wanted) == 2:
            written = build_both(loaded, options, _progress)
        else:
            written = [EDITIONS[wanted[0]](loaded, options, _progress)]
    _progress(f"done in {time.perf_counter() - started:.1f} s")
    for path in written:
        print(path)
    return 0
