"""The shared layout's Jinja2 environment, and the class names that mark the apparatus.

The apparatus is what one edition shows beside the text and the other does not (paragraph
numbers, note calls and notes, page references, page-break markers, answer lines). The page
map counts the text of both editions alike, so it skips exactly these classes: they are
named here once, for the templates (`cls.pnum`), the render rules and the page map.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import marshal
import os
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import (
    BaseLoader,
    BytecodeCache,
    ChoiceLoader,
    Environment,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.bccache import Bucket
from jinja2.debug import rewrite_traceback_stack
from markupsafe import Markup, escape

from studyguide.errors import BuildError, SourceRef
from studyguide.render.sandbox import BoundedSandbox, end_document, one_document
from studyguide.render.typeset import WORD_JOINER

TEMPLATES_DIR = "templates"
STYLES_DIR = "styles"


@dataclass(frozen=True)
class ApparatusClasses:
    pnum: str = "pnum"
    noteref: str = "noteref"
    footnote: str = "footnote"
    print_only: str = "print-only"
    pagebreak: str = "pagebreak"
    answer_space: str = "answer-space"
    backlinks: str = "backlinks"  # the EPUB glossary's links back to the text
    web_only: str = "web-only"  # the web edition's links from a glossary entry to the text
    # A figure: shown by every edition, but print may move it past the text after it (to
    # the next page's top, layout/makeup.py), so the page map counts no words of it.
    figure: str = "figure"

    def all(self) -> frozenset[str]:
        return frozenset(getattr(self, f.name) for f in fields(self))


CLASSES = ApparatusClasses()
APPARATUS = CLASSES.all()


def _longdate(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


@cache
def _css_string(value: str) -> Markup:
    """A CSS string literal, safe inside a <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&' or not char.isprintable() else char
        for char in value
    )
    return Markup(f'"{escaped}"')


def sentence(text: str) -> str:
    """`text` ending with a full stop, unless it ends with one already (or ? or !): a
    source's "n.d." or "Vista Gold Corp." takes no second one."""
    text = str(text).rstrip()
    return text if not text or text.endswith((".", "?", "!", ".”", "?”", "!”")) else text + "."


# Where a URL may break in print: after a slash or a dot (never right after the scheme's
# "//"), and inside a long piece before a hyphen or an underscore (so that no line ends in
# a hyphen that reads as one the layout added) or after ?, = or &.
_URL_BREAK = re.compile(r"(?<=[/.])(?!/)")
_LONG_PIECE = 24
_PIECE_BREAK = re.compile(r"(?=[-_])|(?<=[?=&])")


def breakable_url(url: str) -> Markup:
    """A URL for print: each piece between its break points held together (so it never
    breaks at a hyphen, which would read as one the layout added), a break point after each
    slash and dot, none inside its scheme ("https://"). One run of text: a zero-width space
    between the pieces, a word joiner on each side of a piece's punctuation (elements, one a
    piece and one a break, made the sources list the costliest pages of the book to lay out:
    each line tried every span and break on it)."""
    scheme, sep, rest = str(url).partition("://")
    if not sep:
        scheme, rest = "", str(url)
    pieces: list[str] = []
    for piece in _URL_BREAK.split(rest):
        if len(piece) > _LONG_PIECE:
            pieces += [p for p in _PIECE_BREAK.split(piece) if p]
        elif piece:
            pieces.append(piece)
    if scheme and pieces:
        pieces[0] = scheme + sep + pieces[0]
    held = [_HELD.sub(WORD_JOINER, piece).strip(WORD_JOINER) for piece in pieces]
    return Markup.escape(ZERO_WIDTH_SPACE.join(held))


# Around each character of a URL that is not a letter or a digit: where a line could
# break, were a word joiner not there.
_HELD = re.compile(r"(?<=[^\w])|(?=[^\w])")
ZERO_WIDTH_SPACE = "\u200b"


_COMPOUND = re.compile(r"[^\s-]+(?:-[^\s-]+)+")


def unbroken_compounds(text: str) -> Markup:
    """Text with each hyphenated compound kept on one line ("co-operative" in a title): a
    title breaks between words, never at a compound's hyphen."""
    out, end = [], 0
    for found in _COMPOUND.finditer(text):
        out += [escape(text[end : found.start()]), macros().unbroken(found.group(0))]
        end = found.end()
    return Markup("").join([*out, escape(text[end:])])


class BookLoader(BaseLoader):
    """Templates of the book's own templates/ folder: regular files inside the book only."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.folder = self.root / TEMPLATES_DIR

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        path = (self.folder / template).resolve() if self.folder.is_dir() else None
        if path is None or not path.is_relative_to(self.folder) or not path.is_file():
            raise TemplateNotFound(template)
        from studyguide.sources.files import read_text

        text = read_text(self.root, path)
        mtime = path.stat().st_mtime_ns
        return text, str(path), lambda: path.is_file() and path.stat().st_mtime_ns == mtime


def environment(root: Path | None = None) -> Environment:
    """The templates: the book's own (root/templates/, shadowing by name) before the
    package's. Sandboxed: a book's template reaches only what the templates are given.
    One environment for each set of the book's template names: a template added since
    (while the preview runs) is found, not shadowed by the package's it has cached."""
    return _environment(root, _template_names(root))


def _template_names(root: Path | None) -> tuple[str, ...]:
    folder = root / TEMPLATES_DIR if root is not None else None
    if folder is None or not folder.is_dir():
        return ()
    return tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*")))


class _CompiledOnce(BytecodeCache):
    """Each template compiled once a process, whatever environment asks for it: a new book
    (the tests build hundreds) or a template added while the preview runs gives a new
    environment, which compiled every template again. Kept by name and file, used only for
    the same source (Jinja's checksum). Every environment here has the same settings.

    The package's own templates are also kept compiled beside them, in templates/__pycache__,
    as Python keeps the package's modules (`compile_package_templates`, run by `make`): a
    build does not compile them again. A book's templates are compiled in memory only:
    compiled code is never read from a file a book could hold."""

    def __init__(self, folder: Path) -> None:
        self._compiled: dict[str, tuple[str, Any]] = {}
        self.folder = folder  # the package's templates
        self.kept = folder / "__pycache__"

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        bucket = Bucket(environment, self.get_cache_key(name, filename), "")
        bucket.checksum = self.get_source_checksum(source)
        bucket.package = filename is not None and Path(filename).parent == self.folder  # type: ignore[attr-defined]
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self._compiled.get(bucket.key, (None, None))
        if checksum is None and getattr(bucket, "package", False):
            checksum, code = bucket.checksum, self._read(bucket.key, bucket.checksum)
        if checksum == bucket.checksum and code is not None:
            bucket.code = code
            self._compiled[bucket.key] = (checksum, code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = (bucket.checksum, bucket.code)
        if getattr(bucket, "package", False) and not sys.dont_write_bytecode:
            self.keep(bucket)

    def _header(self) -> bytes:
        return b"studyguide-jinja " + importlib.util.MAGIC_NUMBER + jinja2.__version__.encode()

    def _read(self, key: str, checksum: str) -> Any:
        """The kept code of the template, if it was compiled from this source."""
        try:
            data = (self.kept / f"{key}.jinja").read_bytes()
        except OSError:
            return None
        header = self._header() + checksum.encode("ascii") + b"\n"
        if not data.startswith(header):
            return None
        try:
            return marshal.loads(data[len(header) :])
        except (EOFError, ValueError, TypeError):
            return None

    def keep(self, bucket: Bucket) -> None:
        """Keep a package template's compiled code beside it (if the package's folder can
        be written: else it is compiled again by the next process)."""
        data = self._header() + bucket.checksum.encode("ascii") + b"\n"
        data += marshal.dumps(bucket.code)
        target = self.kept / f"{bucket.key}.jinja"
        try:
            self.kept.mkdir(exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.kept, delete=False) as handle:
                handle.write(data)
            os.replace(handle.name, target)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(handle.name)


def compile_package_templates() -> None:
    """Compile the package's templates and keep them compiled (`make` does, once). One that
    does not compile is left as it is: the build that renders it says what is wrong."""
    env = environment(None)
    for name in env.list_templates(extensions=["j2"]):
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        bucket = _COMPILED.get_bucket(env, name, filename, source)
        if bucket.code is None:
            try:
                bucket.code = env.compile(source, name, filename)
            except TemplateError:
                continue
        _COMPILED.keep(bucket)


_COMPILED = _CompiledOnce(Path(__file__).parent / TEMPLATES_DIR)


@lru_cache(maxsize=8)
def _environment(root: Path | None, names: tuple[str, ...]) -> Environment:
    loaders: list[BaseLoader] = [PackageLoader("studyguide.render", "templates")]
    if root is not None:
        loaders.insert(0, BookLoader(root))
    env = BoundedSandbox(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )
    env.filters["longdate"] = _longdate
    env.filters["css_string"] = _css_string
    env.filters["unbroken"] = unbroken_compounds
    env.filters["sentence"] = sentence
    env.filters["breakable_url"] = breakable_url
    env.globals["cls"] = CLASSES
    return env


def render_template(root: Path | None, name: str, **values: Any) -> str:
    """A template rendered; a mistake in a book's own template is our error, with its line."""
    token = one_document()
    try:
        return environment(root).get_template(name).render(**values)
    except BuildError:
        raise  # (a book's template that cannot be read)
    except Exception as exc:  # a book's template can raise anything: 1/0, RecursionError, …
        raise template_error(exc, name, root) from None
    finally:
        end_document(token)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "it calls itself without end (a macro or an include that recurses)"
    if isinstance(exc, MemoryError):
        return "it asks for more memory than there is"
    if isinstance(exc, TemplateError):
        return str(exc.message or exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def template_error(exc: BaseException, name: str, root: Path | None = None) -> BuildError:
    """Our error for a template that failed: at the line of the book's own template where
    it did (else of the package's template: a book's value it could not take)."""
    line = getattr(exc, "lineno", None) or 0
    path = getattr(exc, "filename", None) or ""
    if not path:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        book = str((root / TEMPLATES_DIR).resolve()) if root is not None else None
        own = [f for f in frames if book and f.filename.startswith(book)]
        if own or frames:
            path, line = (own or frames)[-1].filename, (own or frames)[-1].lineno or 0
    return BuildError(
        SourceRef(Path(path or name), line),
        f"the template cannot be rendered: {_reason(exc)}",
        "fix the book's template (templates/…), or remove it to use the package's own",
        "template.error",
    )


class Macros:
    """The macros of _markup.html.j2 as the render rules call them (noteref, print_note,
    backlink, term_link, …): a book's own can raise anything, which is our error at its line,
    and their loops are counted as a document's are."""

    def __init__(self, module: Any, root: Path | None) -> None:
        self._module, self._root = module, root

    def __getattr__(self, name: str) -> Any:
        macro = getattr(self._module, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            token = one_document()
            try:
                return macro(*args, **kwargs)
            except BuildError:
                raise
            except Exception:  # (its traceback with the template's lines, as render's is)
                exc = rewrite_traceback_stack(source=None)
                raise template_error(exc, "_markup.html.j2", self._root) from None
            finally:
                end_document(token)

        setattr(self, name, call)  # (made once a macro)
        return call


def macros(root: Path | None = None) -> Any:
    """The macros of _markup.html.j2 (noteref, print_note, backlink, term_link, …)."""
    try:
        return Macros(environment(root).get_template("_markup.html.j2").module, root)
    except BuildError:
        raise
    except Exception as exc:
        raise template_error(exc, "_markup.html.j2", root) from None
