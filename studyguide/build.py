"""The whole build, top to bottom: load and check the sources, then write the editions asked for."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt

from studyguide import __version__
from studyguide.checks import check_fidelity
from studyguide.config import METADATA_FILE, load_meta
from studyguide.errors import BuildError, BuildErrors, ErrorCollector
from studyguide.markdown import make_parser
from studyguide.model import Book
from studyguide.parse import build_book
from studyguide.parts import DEFAULT_PART_SIZE
from studyguide.sources import ARTICLE_FILE, read_chapter_files, read_glossary_files

if TYPE_CHECKING:
    from studyguide.pdf import InParts, OnePiece

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
    paths = source_paths(root)
    newest = max(int(p.stat().st_mtime) for p in paths)
    try:
        committed = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", "."],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
        if committed.isdigit():
            # Uncommitted edits are newer than the last commit: they date the build.
            dirty = subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain", "--", *map(str, paths)],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            ).stdout.strip()
            return dt.datetime.fromtimestamp(newest if dirty else int(committed), dt.UTC)
    except (OSError, subprocess.SubprocessError):
        pass
    return dt.datetime.fromtimestamp(newest, dt.UTC)


@dataclass
class Options:
    out: Path
    paper: str = "a4"
    writing_space: bool = True
    cover: bool = True
    glossary_pages: bool = False  # print: "(p. N)" after the first link to a term per chapter
    part_size: int = DEFAULT_PART_SIZE  # a longer print edition is laid out in parts


def _pdf_target(book: Book, options: Options) -> Path:
    suffix = "" if options.paper == "a4" else f"-{options.paper}"
    return options.out / f"{book.meta.slug}{suffix}.pdf"


def _lay_out(
    loaded: LoadedBook,
    options: Options,
    progress: Progress,
    date: str = "",
    page_map: Path | None = None,
) -> OnePiece | InParts:
    """The one WeasyPrint layout of a build; its page map is kept for the EPUB."""
    from studyguide import pagemap, pdf

    page_map = page_map or pagemap.cache_path(loaded.book, options)
    progress(f"laying out the print edition ({options.paper.upper()}) with WeasyPrint")
    laid = pdf.lay_out_book(
        loaded.md,
        loaded.book,
        options.paper,
        options.writing_space,
        date,
        options.glossary_pages,
        options.part_size,
        progress,
    )
    pagemap.save(laid.page_starts(), page_map)
    return laid


def build_pdf(loaded: LoadedBook, options: Options, progress: Progress) -> Path:

    book = loaded.book
    date = build_date(book.root).strftime("%Y-%m-%dT%H:%M:%SZ")
    laid = _lay_out(loaded, options, progress, date)
    target = _pdf_target(book, options)
    progress(f"writing {target}")
    return laid.write(target, book.meta.identifier)


@dataclass
class _EpubParts:
    """The EPUB made ready, all but its page-break markers."""

    documents: list[Any]
    fonts: list[tuple[Any, bytes]]
    cover_png: bytes | None


def _prepare_epub(loaded: LoadedBook, options: Options, progress: Progress) -> _EpubParts:
    from studyguide import cache, cover, epub
    from studyguide.fonts import find_faces, subset_font
    from studyguide.layout import render_book, render_epub_documents
    from studyguide.model import Edition

    book = loaded.book
    progress("rendering the EPUB's documents")
    faces = find_faces()
    cover_png = None
    if options.cover:
        meta = book.meta
        key = cache.digest([__version__, repr(meta), *(str(f.path) for f in faces)])
        cover_png = cache.get_or_make(
            cache.entry(options.out, "cover", key, ".png"), lambda: cover.render_cover(book, faces)
        )
    view = render_book(loaded.md, book, Edition.EPUB)
    documents = render_epub_documents(view, "images/cover.png" if cover_png else None)
    text = epub.visible_text(documents)
    fonts = []
    for face in faces:
        stat = face.path.stat()
        key = cache.digest(
            [__version__, str(face.path), str(stat.st_size), str(stat.st_mtime_ns), text]
        )
        path = cache.entry(options.out, f"font-{face.stem}", key, ".ttf")
        fonts.append((face, cache.get_or_make(path, lambda face=face: subset_font(face, text))))
    return _EpubParts(documents, fonts, cover_png)


def _finish_epub(
    loaded: LoadedBook, options: Options, parts: _EpubParts, pages: list[Any], progress: Progress
) -> Path:
    from studyguide import epub, pagemap

    book = loaded.book
    documents, entries = pagemap.insert_markers(parts.documents, pages)
    data = epub.build_epub_package(
        book, documents, parts.fonts, entries, parts.cover_png, build_date(book.root)
    )
    target = options.out / f"{book.meta.slug}.epub"
    progress(f"writing {target}")
    return epub.write_epub(data, target)


def build_epub(loaded: LoadedBook, options: Options, progress: Progress) -> Path:
    from studyguide import pagemap

    pages = pagemap.load(pagemap.cache_path(loaded.book, options))
    if pages is None:
        progress("the EPUB needs the print edition's page numbers:")
        _lay_out(loaded, options, progress)
        pages = pagemap.load(pagemap.cache_path(loaded.book, options))
        assert pages is not None
    else:
        progress("print page numbers: using the page map of the unchanged sources")
    parts = _prepare_epub(loaded, options, progress)
    return _finish_epub(loaded, options, parts, pages, progress)


def build_both(loaded: LoadedBook, options: Options, progress: Progress) -> list[Path]:
    """Both editions from one layout, on two cores: the EPUB is prepared in a child process
    while the parent lays out and writes the PDF; the child waits only for the page map."""
    from studyguide import pagemap

    book = loaded.book
    cached = pagemap.cache_path(book, options)
    if pagemap.load(cached) is not None:  # nothing to lay out for the EPUB: no need to fork
        return [build_pdf(loaded, options, progress), build_epub(loaded, options, progress)]
    from studyguide.parallel import fork

    # The key is computed once, before the fork: both processes must name the same map.
    child = fork(lambda ready: _epub_in_child(loaded, options, cached, progress, ready), book.root)
    try:
        date = build_date(book.root).strftime("%Y-%m-%dT%H:%M:%SZ")
        laid = _lay_out(loaded, options, progress, date, cached)
    except BaseException:
        child.cancel()
        raise
    child.send_ready()
    target = _pdf_target(book, options)
    progress(f"writing {target}")
    try:
        written = laid.write(target, book.meta.identifier)
    finally:
        epub_path = child.wait()
    return [written, epub_path]


def _epub_in_child(
    loaded: LoadedBook,
    options: Options,
    page_map: Path,
    progress: Progress,
    ready: Callable[[], None],
) -> Path:
    from studyguide import pagemap

    parts = _prepare_epub(loaded, options, progress)
    ready()  # blocks until the parent has laid the book out and kept the page map
    pages = pagemap.load(page_map)
    if pages is None:
        raise RuntimeError("the page map was not written")
    return _finish_epub(loaded, options, parts, pages, progress)


EDITIONS: dict[str, Callable[[LoadedBook, Options, Progress], Path]] = {
    "pdf": build_pdf,
    "epub": build_epub,
}
