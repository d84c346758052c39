"""What the preview shows, rebuilt on every save: the web edition's pages of the last good
book, the mistakes of the current sources above them, and a version the browser waits on.

The fast path never waits for a print layout: the pages take the page map of these
sources where one is kept, else the last one known, while printing.py lays the book out
again in the background; its new page map then gives the pages their page numbers.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from studyguide import cache
from studyguide.errors import BuildError, BuildErrors, counted
from studyguide.labels import labels_for
from studyguide.layout import pagemap
from studyguide.layout.website import Preview, build_site
from studyguide.model import Book, Medium
from studyguide.options import Options, Progress
from studyguide.preview.printing import PrintLayout
from studyguide.render.markup import environment
from studyguide.render.search import Record, index_files
from studyguide.render.stylesheet_urls import check_stylesheet_urls
from studyguide.render.views import render_book
from studyguide.sources.book import load_book
from studyguide.sources.dates import build_date

NO_PAGES = pagemap.PageMap(())  # before any layout is known
PREVIEW_FOLDER = "preview"  # in the output folder: the print layout's PDF and page map


@dataclass(frozen=True)
class Site:
    """The pages being served, and the version of what they show."""

    version: str = ""
    files: Mapping[str, bytes] = field(default_factory=dict)
    records: tuple[Record, ...] = ()  # the search's, indexed when the search page asks
    language: str = "en"


@dataclass(frozen=True)
class Shown:
    """Everything the pages are made from: equal states give equal pages."""

    book: Book | None = None  # the last good book
    key: str = ""  # the page map's cache key of that book's sources (pagemap.cache_key)
    errors: tuple[str, ...] = ()  # the current sources' mistakes, as the command line prints
    page_map: pagemap.PageMap = NO_PAGES
    exact: bool = False  # the page map is that of the sources shown

    def version(self) -> str:
        return cache.digest([self.key, repr(self.page_map), *self.errors, str(self.exact)])


class Session:
    """The preview's state, changed by saves and by finished print layouts, read by requests."""

    def __init__(self, root: Path, options: Options, progress: Progress) -> None:
        self.root = root
        self.options = options
        self.print_options = replace(options, out=options.out / PREVIEW_FOLDER)
        self.progress = progress
        self.printing = PrintLayout(root, self.print_options, self._laid_out, progress)
        self.last_rebuild = 0.0  # seconds the last rebuild took
        self._shown = Shown()
        self._site = Site()
        self._changed = threading.Condition()
        self._building = threading.Lock()
        self._indexing = threading.Lock()
        self._index: tuple[str, dict[str, bytes]] = ("", {})

    @property
    def site(self) -> Site:
        return self._site

    @property
    def shown(self) -> Shown:
        return self._shown

    def rebuild(self) -> None:
        """Read the sources again and show them, or their mistakes above the last good book."""
        with self._building:
            started = time.perf_counter()
            try:
                book = load_book(self.root)
                key = pagemap.cache_key(book, self.options)
                kept = self._kept_page_map(key)
            except (BuildError, BuildErrors) as error:
                self._not_rebuilt(_each(error, self.root))
                return
            except Exception:  # a bug of ours, on these sources: shown, and the server goes on
                self._not_rebuilt(["error: studyguide failed on these sources:\n" + _crash()])
                return
            shown = Shown(book, key, (), self._shown.page_map, False)
            if kept is not None:
                shown = replace(shown, page_map=kept, exact=True)
            mistakes = self._show(shown)
            if mistakes:  # in the book's own templates or styles
                self._not_rebuilt(mistakes, shown)
                return
            if not shown.exact:
                self.printing.start(key)
            self.last_rebuild = time.perf_counter() - started
            self.progress(f"rebuilt in {self.last_rebuild:.2f} s")

    def _not_rebuilt(self, errors: list[str], shown: Shown | None = None) -> None:
        self._show(replace(shown or self._shown, errors=tuple(errors)))
        self.progress(f"not rebuilt: the sources have {counted(len(errors), 'mistake')}")
        for text in errors:
            print(text, file=sys.stderr, flush=True)

    def wait(self, version: str, timeout: float) -> str:
        """The version shown, once it is not `version` (or after `timeout` seconds)."""
        with self._changed:
            self._changed.wait_for(lambda: self._site.version != version, timeout)
            return self._site.version

    def search_files(self) -> dict[str, bytes]:
        """The search index of the pages shown (pagefind/…), made when first asked for."""
        site = self._site
        with self._indexing:
            if self._index[0] != site.version:
                self._index = (site.version, index_files(site.records, site.language))
            return self._index[1]

    def print_pdf(self, timeout: float) -> Path | None:
        """The print edition of the sources shown, laid out now if it is not yet; the last
        one laid out if the sources have a mistake; None if there is none."""
        from studyguide.editions import registry

        shown = self._shown
        if shown.book is None:
            return None
        if not shown.errors:
            self.printing.start(shown.key)
            self.printing.wait_for(shown.key, timeout)
        path = registry()["pdf"].target(shown.book.meta, self.print_options)
        return path if path.is_file() else None

    def stop(self) -> None:
        self.printing.stop()
        with self._changed:
            self._changed.notify_all()

    def _kept_page_map(self, key: str) -> pagemap.PageMap | None:
        """The page map of the sources with `key`: the preview's own layout, or a build's
        (the key does not depend on the output folder)."""
        for options in (self.print_options, self.options):
            pages = pagemap.load(pagemap.entry_path(options.out, key))
            if pages is not None:
                return pages
        return None

    def _laid_out(self, key: str) -> None:
        """A print layout of the sources with `key` has ended: show its page numbers."""
        with self._building:
            shown = self._shown
            if shown.book is None or shown.key != key:
                if shown.book is not None and not shown.exact:
                    self.printing.start(shown.key)  # the sources changed while it ran
                return
            pages = pagemap.load(pagemap.entry_path(self.print_options.out, key))
            if pages is not None:
                self._show(replace(shown, page_map=pages, exact=True))

    def _show(self, shown: Shown) -> list[str]:
        """Show `shown`; the mistakes of the book's own templates or styles, if they cannot
        render it (then the pages show those mistakes alone)."""
        version = shown.version()
        if version == self._site.version:
            return []
        mistakes: list[str] = []
        try:
            site = _render(shown, version, self.root)
        except (BuildError, BuildErrors) as error:
            mistakes = _each(error, self.root)
            alone = replace(shown, book=None, errors=(*shown.errors, *mistakes))
            page = _render(alone, alone.version(), self.root).files["index.html"]
            # On every page the browser may be on (it reloads there), not a "not found".
            files = {name: page for name in self._site.files if name.endswith(".html")}
            files["index.html"] = page
            shown, version = replace(shown, errors=alone.errors), alone.version()
            site = Site(version, files)
        except Exception:  # a bug of ours: say so, keep serving the last pages
            self.progress("error: the preview could not be rendered:\n" + _crash())
            return []
        with self._changed:
            self._shown = shown
            self._site = site
            self._changed.notify_all()
        return mistakes


def _crash() -> str:
    return "".join(traceback.format_exc(limit=-4))


def _each(error: BuildError | BuildErrors, root: Path) -> list[str]:
    errors = error.errors if isinstance(error, BuildErrors) else [error]
    return [e.format(root) for e in errors]


def _language(root: Path) -> str:
    """The book's language, for the words of a page of mistakes alone: what book.toml says
    if it says it well, else English."""
    from studyguide.sources.files import METADATA_FILE
    from studyguide.sources.metacheck import LANGUAGE
    from studyguide.sources.tomlfile import read_toml

    try:
        language = read_toml(root, root / METADATA_FILE).values.get("language")
    except BuildError:
        return "en"
    return language if isinstance(language, str) and LANGUAGE.fullmatch(language) else "en"


def _render(shown: Shown, version: str, root: Path) -> Site:
    preview = Preview(version, shown.errors, pages_updating=not shown.exact)
    if shown.book is None:  # no good version yet: the mistakes alone
        page = environment().get_template("web_errors.html.j2")
        html = page.render(labels=labels_for(_language(root)), preview=preview)
        return Site(version, {"index.html": html.encode("utf-8")})
    check_stylesheet_urls(root, ("base.css", "web.css"), "the web edition")
    view = render_book(shown.book, Medium.WEB, build_date(root).date())
    site = build_site(view, shown.page_map, preview)
    return Site(version, site.files, tuple(site.records), shown.book.meta.language)
