"""A book's own templates and styles are untrusted: a template cannot exhaust memory or loop
without end, anything it raises is our error at its line, `check` renders them, what a
template writes is parsed before it goes into an edition, and the EPUB's and the web's own
stylesheets go by the print layout's URL rule. Each on the real command line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from support import (
    ROOT,
    assert_documented,
    make_book,
    snapshot,
    studyguide,
)

CHAPTER = "---\ntitle: One\nkind: front\n---\n\nSome text about COMIBOL.\n"
EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
DATA_URL_RULE = "p { background: url('data:image/gif;base64,R0lGODlhAQABAAAAACw=') }\n"


def _book(folder: Path) -> Path:
    meta = (
        (ROOT / "book.toml")
        .read_text(encoding="utf-8")
        .replace('slug = "huanuni-study-guide"', 'slug = "small"')
    )
    return make_book(
        folder,
        {"01-one.md": CHAPTER},
        {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"},
        meta=meta,
    )


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small book whose own epub.css holds a data: URL, and an output folder with the
    editions of an earlier build (stand-ins: every case here stops before any is written)."""
    folder = tmp_path_factory.mktemp("good")
    book = _book(folder / "book")
    (book / "styles").mkdir()
    (book / "styles" / "epub.css").write_text(DATA_URL_RULE, encoding="utf-8")
    out = folder / "out"
    (out / "small-web").mkdir(parents=True)
    (out / "small.epub").write_bytes(b"the last good EPUB")
    (out / "small-web" / "index.html").write_bytes(b"the last good web edition")
    return book, out


def _copy(good: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    return (
        shutil.copytree(good[0], tmp_path / "book", symlinks=True),
        shutil.copytree(good[1], tmp_path / "out"),
    )


def _template(book: Path, name: str, text: str) -> None:
    (book / "templates").mkdir(exist_ok=True)
    (book / "templates" / name).write_text(text, encoding="utf-8")


def _error_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if ": error: " in line)


TEMPLATES = {
    "division-by-zero": ("{{ 1/0 }}", "ZeroDivisionError: division by zero"),
    "huge-range": ("{{ range(10**9)|list }}", "something of 1,000,000,000 characters"),
    "huge-string": ("{{ 'x' * 10**10 }}", "a value of 10,000,000,000 characters"),
    "huge-power": ("{{ 2 ** 100000 }}", "a number of more than 4,096 bits"),
    "doubling-with-tilde": (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "a text of 1,048,576 characters",
    ),
    "nested-loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "more than 1,000,000 turns of its loops",
    ),
    "wide-filter": ("{{ 'x'|center(1000000000) }}", "something of 1,000,000,000 characters"),
    "wide-format": ("{{ '{:>1000000000}'.format(1) }}", "a field of 1,000,000 characters"),
    "wide-percent": ("{{ '%1000000000s' % 1 }}", "a field of 1,000,000 characters"),
    "recursive-macro": (
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        "it calls itself without end",
    ),
    "includes-itself": ("{% include 'nav.xhtml.j2' %}", "it calls itself without end"),
}


@pytest.mark.parametrize("case", TEMPLATES, ids=list(TEMPLATES))
def test_check_renders_a_book_template_and_reports_what_it_raises_at_its_line(
    good, tmp_path: Path, case: str
) -> None:
    book, _ = _copy(good, tmp_path)
    line, words = TEMPLATES[case]
    _template(book, "nav.xhtml.j2", f"<nav>\n{line}\n</nav>\n")
    run = studyguide("check", root=book)
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    error = _error_line(run.stderr)
    assert error.startswith("templates/nav.xhtml.j2:2: error: the template cannot be rendered: ")
    assert error.endswith("[template.error]") and words in error, error
    if case == "huge-string":
        assert_documented(run.stderr)


def test_a_template_that_writes_broken_xhtml_never_reaches_the_epub(good, tmp_path: Path):
    book, out = _copy(good, tmp_path)
    package = ROOT / "studyguide" / "render" / "templates" / "epub_document.xhtml.j2"
    text = package.read_text(encoding="utf-8").replace("</body>", "<p>unclosed</body>")
    _template(book, "epub_document.xhtml.j2", text)
    before = snapshot(out)
    for run in (
        studyguide("check", root=book),
        studyguide("build", "--epub", "--no-cover", "--out", out, root=book, env=EPOCH),
    ):
        assert run.code == 1, run.stderr
        error = _error_line(run.stderr)
        assert error.startswith("templates/epub_document.xhtml.j2: error: the template wrote "), (
            error
        )
        assert ".xhtml, which is not well-formed XHTML: Opening and ending tag mismatch" in error
        assert error.endswith("[template.xhtml]")
    assert snapshot(out) == before
    assert_documented(run.stderr)
    assert "laying out" not in run.stderr  # found before any layout


def test_check_passes_a_good_book_template(good, tmp_path: Path) -> None:
    book, _ = _copy(good, tmp_path)
    package = ROOT / "studyguide" / "render" / "templates" / "nav.xhtml.j2"
    _template(book, "nav.xhtml.j2", package.read_text(encoding="utf-8"))
    assert studyguide("check", root=book).code == 0


@pytest.mark.parametrize(
    ("sheet", "rule", "where", "why"),
    [
        ("epub.css", "@import url(http://127.0.0.1:9/x.css);", "1:9", "nothing is fetched"),
        ("epub.css", '@import "https://127.0.0.1:9/y.css";', "1:9", "nothing is fetched"),
        ("web.css", "p { background: url(file:///etc/passwd) }", "1:17", "outside the book"),
        ("base.css", "p { background: url('chapters/01-one.md') }", "1:17", "carries no files"),
    ],
)
def test_the_epub_s_and_web_s_own_stylesheets_load_nothing_from_outside(
    good, tmp_path: Path, sheet: str, rule: str, where: str, why: str
) -> None:
    book, out = _copy(good, tmp_path)
    (book / "styles").mkdir(exist_ok=True)
    (book / "styles" / sheet).write_text(rule + "\n", encoding="utf-8")
    before = snapshot(out)
    for args in (("check",), ("build", "--epub", "--web", "--no-cover", "--out", out)):
        run = studyguide(*args, root=book, env=EPOCH)
        assert run.code == 1, run.stderr
        error = _error_line(run.stderr)
        assert error.startswith(f"styles/{sheet}:{where}: error: the stylesheet refers to "), error
        assert why in error and error.endswith("[style.url]"), error
    assert snapshot(out) == before
    if "http:" in rule:
        assert_documented(run.stderr)


def test_a_data_url_in_a_book_s_stylesheet_is_carried(good) -> None:
    from studyguide.render.epubpackage import stylesheet
    from studyguide.sources.book import load_book

    assert studyguide("check", root=good[0]).code == 0
    assert DATA_URL_RULE in stylesheet(load_book(good[0]), [])


def test_a_book_macro_that_fails_is_our_error_at_its_line(good, tmp_path: Path) -> None:
    """The render rules call _markup.html.j2's macros themselves (a glossary link here)."""
    book, _ = _copy(good, tmp_path)
    package = ROOT / "studyguide" / "render" / "templates" / "_markup.html.j2"
    lines = package.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(n for n, text in enumerate(lines, start=1) if "{% macro term_link(" in text)
    lines[line - 1] = lines[line - 1].replace("%}", "%}{{ 1/0 }}", 1)
    _template(book, "_markup.html.j2", "".join(lines))
    run = studyguide("check", root=book)
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    assert _error_line(run.stderr) == (
        f"templates/_markup.html.j2:{line}: error: the template cannot be rendered: "
        "ZeroDivisionError: division by zero [template.error]"
    )


def _compiles(monkeypatch: pytest.MonkeyPatch, failing: str | None = None) -> list[str | None]:
    """The names of the templates compiled from now on (the `failing` one raises a syntax
    error instead)."""
    from jinja2 import TemplateSyntaxError

    from studyguide.render import markup

    compiled: list[str | None] = []
    compile_ = markup.BoundedSandbox.compile

    def counted(self, source, name=None, *args, **kwargs):
        if name == failing:
            raise TemplateSyntaxError("unexpected end of template", 3, name)
        compiled.append(name)
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(markup.BoundedSandbox, "compile", counted)
    return compiled


def _compiled_in_a_new_process(monkeypatch: pytest.MonkeyPatch, kept: Path) -> Any:
    """What a new process has: nothing compiled in memory; the package's templates kept
    compiled in `kept` (a folder of the test's, not the package's __pycache__)."""
    from studyguide.render import markup

    compiled_once = markup._CompiledOnce(Path(markup.__file__).parent / markup.TEMPLATES_DIR)
    compiled_once.kept = kept
    monkeypatch.setattr(markup, "_COMPILED", compiled_once)
    markup._environment.cache_clear()
    return compiled_once


def test_a_template_is_compiled_once_a_process_and_again_when_its_source_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each book has an environment of its own; the package's templates are compiled once
    for all of them, and a book's own template again when its text changes (the preview)."""
    from studyguide.render import markup

    compiled = _compiles(monkeypatch)
    # (kept in memory only: a folder other than the package's templates)
    monkeypatch.setattr(markup, "_COMPILED", markup._CompiledOnce(tmp_path))
    for book in ("one", "two", "three"):
        markup.environment(_book(tmp_path / book)).get_template("handout.html.j2")
    assert compiled.count("handout.html.j2") == 1, compiled

    root = tmp_path / "own"
    shutil.copytree(tmp_path / "one", root)
    template = root / "templates" / "words.txt.j2"
    template.parent.mkdir()
    for second, text in enumerate(("first", "second"), start=1):
        template.write_text(text, encoding="utf-8")
        # (two writes within a clock tick can have one modification time: set it apart)
        os.utime(template, ns=(second * 10**9, second * 10**9))
        assert markup.render_template(root, "words.txt.j2") == text
    assert compiled.count("words.txt.j2") == 2, compiled


def test_the_package_s_templates_are_kept_compiled_and_a_book_s_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make` compiles the package's templates once, beside them (__pycache__, here a folder
    of the test's); a build then reads them back, compiling none. A book's own template is
    compiled in memory, never kept; kept code that is not sound is compiled again."""
    import sys

    from studyguide.render import markup

    folder = Path(markup.__file__).parent / markup.TEMPLATES_DIR
    kept = tmp_path / "kept"
    compiled = _compiles(monkeypatch)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    try:
        _compiled_in_a_new_process(monkeypatch, kept)
        markup.compile_package_templates()
        assert len(list(kept.iterdir())) == len(list(folder.glob("*.j2")))

        _compiled_in_a_new_process(monkeypatch, kept)
        compiled.clear()
        root = _book(tmp_path / "own")
        assert markup.environment(root).get_template("handout.html.j2")
        assert compiled == []  # read back: "handout.html.j2" and what it extends and imports

        template = root / "templates" / "words.txt.j2"
        template.parent.mkdir()
        template.write_text("own words", encoding="utf-8")
        before = sorted(kept.iterdir())
        assert markup.render_template(root, "words.txt.j2") == "own words"
        assert compiled == ["words.txt.j2"]
        assert sorted(kept.iterdir()) == before  # a book's template is never kept

        for path in kept.iterdir():
            path.write_bytes(path.read_bytes()[:-40])  # (cut short: not code marshal reads)
        _compiled_in_a_new_process(monkeypatch, kept)
        assert markup.environment(None).get_template("handout.html.j2")
        assert "handout.html.j2" in compiled
    finally:
        markup._environment.cache_clear()


def test_a_package_template_that_does_not_compile_is_left_to_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make` compiles the package's templates; one with a mistake (a template being
    edited) is not kept, nor does it stop `make`: the build that renders it says what is
    wrong, at its line."""
    from studyguide.render import markup

    folder = Path(markup.__file__).parent / markup.TEMPLATES_DIR
    _compiles(monkeypatch, failing="handout.html.j2")
    compiled_once = _compiled_in_a_new_process(monkeypatch, tmp_path / "kept")
    try:
        markup.compile_package_templates()
        kept = len(list(compiled_once.kept.iterdir()))
        assert kept == len(list(folder.glob("*.j2"))) - 1
    finally:
        markup._environment.cache_clear()
