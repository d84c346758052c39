"""The whole build, top to bottom: load and check the sources, then write the editions asked for."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from studyguide.checks import check_fidelity
from studyguide.config import METADATA_FILE, load_meta
from studyguide.errors import BuildError, BuildErrors, ErrorCollector
from studyguide.markdown import make_parser
from studyguide.model import Book
from studyguide.parse import build_book
from studyguide.sources import ARTICLE_FILE, read_chapter_files, read_glossary_files

Progress = Callable[[str], None]


@dataclass
class LoadedBook:
    book: Book
    md: MarkdownIt


def load_book(root: Path) -> LoadedBook:
    """Read, parse and check every source; raise all user mistakes found."""
    errors = ErrorCollector()
    try:
        meta = load_meta(root)
    except (BuildError, BuildErrors) as error:
        # Keep going: mistakes in the chapters are reported in the same run.
        errors.add(error)
        meta = None
    chapter_files = read_chapter_files(root, errors)
    glossary_files = read_glossary_files(root, errors)
    md = make_parser()
    book = build_book(md, meta, root, chapter_files, glossary_files, errors)
    errors.raise_if_any()
    if book.article_chapters:
        check_fidelity(book)
    return LoadedBook(book, md)


def source_paths(root: Path) -> list[Path]:
    """Every file the editions are made from."""
    paths = [root / METADATA_FILE, root / ARTICLE_FILE]
    for folder in ("chapters", "glossary"):
        if (root / folder).is_dir():
            paths += sorted(p for p in (root / folder).iterdir() if p.suffix == ".md")
    return [p for p in paths if p.is_file()]


def build_date(root: Path) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set; else the last commit's date; else the newest source file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise BuildError(
                None,
                f"SOURCE_DATE_EPOCH is '{epoch}', not a number of seconds",
                "unset it, or set it to a Unix time such as 1160006400",
                "usage.epoch",
            )
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", "."],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        if result.returncode == 0 and result.stdout.strip().isdigit():
            committed = int(result.stdout.strip())
            newest = max(int(p.stat().st_mtime) for p in source_paths(root))
            # Uncommitted edits are newer than the last commit: they date the build.
            dirty = subprocess.run(
                [
                    "git",
                    "-C",
                    str(root),
                    "status",
                    "--porcelain",
                    "--",
                    *map(str, source_paths(root)),
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            ).stdout.strip()
            return dt.datetime.fromtimestamp(newest if dirty else committed, dt.UTC)
    except (OSError, subprocess.SubprocessError):
        pass
    newest = max(int(p.stat().st_mtime) for p in source_paths(root))
    return dt.datetime.fromtimestamp(newest, dt.UTC)


@dataclass
class Options:
    out: Path
    paper: str = "a4"
    writing_space: bool = True
    cover: bool = True
    glossary_pages: bool = False  # print: "(p. N)" after the first link to a term per chapter


def build_pdf(loaded: LoadedBook, options: Options, progress: Progress) -> Path:
    from studyguide import pagemap, pdf

    book = loaded.book
    progress(f"laying out the print edition ({options.paper.upper()}) with WeasyPrint")
    date = build_date(book.root).strftime("%Y-%m-%dT%H:%M:%SZ")
    html = pdf.print_html(
        loaded.md, book, options.paper, options.writing_space, date, options.glossary_pages
    )
    document = pdf.layout(html, book.root)
    pagemap.save(pagemap.from_document(document), pagemap.cache_path(book, options))
    suffix = "" if options.paper == "a4" else f"-{options.paper}"
    target = options.out / f"{book.meta.slug}{suffix}.pdf"
    progress(f"writing {target}")
    return pdf.write_pdf(document, target, book.meta.identifier)


def build_epub(loaded: LoadedBook, options: Options, progress: Progress) -> Path:
    from studyguide import cover, epub, pagemap
    from studyguide.fonts import find_faces
    from studyguide.layout import render_book, render_epub_documents
    from studyguide.model import Edition

    book = loaded.book
    cached = pagemap.cache_path(book, options)
    pages = pagemap.load(cached)
    if pages is None:
        from studyguide import pdf

        progress("laying out the print edition once, for the EPUB's page numbers")
        html = pdf.print_html(
            loaded.md, book, options.paper, options.writing_space, "", options.glossary_pages
        )
        pages = pagemap.from_document(pdf.layout(html, book.root))
        pagemap.save(pages, cached)
    else:
        progress("print page numbers: using the page map of the unchanged sources")
    progress("rendering the EPUB's documents")
    faces = find_faces()
    cover_png = cover.render_cover(book, faces) if options.cover else None
    view = render_book(loaded.md, book, Edition.EPUB)
    documents = render_epub_documents(view, "images/cover.png" if cover_png else None)
    documents, entries = pagemap.insert_markers(documents, pages)
    data = epub.build_epub_package(
        book, documents, faces, entries, cover_png, build_date(book.root)
    )
    target = options.out / f"{book.meta.slug}.epub"
    progress(f"writing {target}")
    return epub.write_epub(data, target)


EDITIONS: dict[str, Callable[[LoadedBook, Options, Progress], Path]] = {
    "pdf": build_pdf,
    "epub": build_epub,
}
