"""The package's shape: stages that import one way, small modules, one registry of editions,
a model that no rendering can change."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studyguide.editions import Edition, Job, groups, registry
from studyguide.model import Medium
from studyguide.render.documents import render_epub_documents
from studyguide.render.views import render_book
from studyguide.sources.book import load_book
from support import ROOT, make_book, studyguide

PACKAGE = ROOT / "studyguide"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package's modules this file imports, at any depth (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("studyguide")}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {m for m in _imports(path) if m in modules} - {name} for name, path in modules.items()
    }


def test_no_module_imports_itself_back_through_others(graph):
    """No import cycle, counting imports inside functions as well."""

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for target in graph[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    cycles = [name for name in graph if name in reaches(name)]
    assert not cycles, cycles


# The modules a process starts in: the command line (and its entry point), the warm process
# that runs builds handed to it, and the preview's print layout's child.
ENTRY_POINTS = (
    "studyguide.cli",
    "studyguide.entry",
    "studyguide.__main__",
    "studyguide.warm.__main__",
    "studyguide.warm.server",
    "studyguide.warm.child",
    "studyguide.printjob",
)


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("studyguide.sources", "studyguide.render"),
        ("studyguide.sources", "studyguide.layout"),
        ("studyguide.sources", "studyguide.editions"),
        ("studyguide.render", "studyguide.layout"),
        ("studyguide.render", "studyguide.editions"),
        ("studyguide.layout", "studyguide.editions"),
        ("studyguide.layout", "studyguide.preview"),
        ("studyguide.model", "studyguide.sources"),
        ("studyguide.model", "studyguide.render"),
        ("studyguide.model", "studyguide.layout"),
    ],
)
def test_data_flows_down_the_stages(graph, lower, upper):
    """An earlier stage never imports a later one, and nothing imports the scheduler or the
    command line."""
    wrong = [
        (name, target)
        for name, targets in graph.items()
        if name.startswith(lower)
        for target in targets
        if target.startswith(upper)
    ]
    assert not wrong, wrong
    for name, targets in graph.items():
        if name not in ENTRY_POINTS:
            assert not targets & {"studyguide.build", "studyguide.cli"}, name


def _edition_of(module: str) -> str | None:
    """The edition a module belongs to: the first name under studyguide.editions."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["studyguide", "editions"] else None


def test_no_edition_imports_another(graph):
    """Editions share the render and layout stages, never each other (the Kobo EPUB is the
    EPUB's variant, inside its package); the registry is theirs to import."""
    editions = {_edition_of(name) for name in graph} - {None}
    assert {"pdf", "epub", "handout", "web"} <= editions
    wrong = [
        (name, target)
        for name, targets in graph.items()
        if _edition_of(name)
        for target in targets
        if _edition_of(target) not in (None, _edition_of(name))
    ]
    assert not wrong, wrong


def test_the_print_layout_is_a_stage_of_its_own(graph):
    """WeasyPrint is driven from studyguide/layout only: the print edition, the handout, the
    EPUB's and the web's page numbers and the preview use its public functions."""
    weasy = [
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(from|import) weasyprint", path.read_text(encoding="utf-8"), re.M)
    ]
    assert weasy and all(path.startswith("studyguide/layout/") for path in weasy), weasy
    users = {
        name
        for name, targets in graph.items()
        for t in targets
        if t.startswith("studyguide.layout")
    }
    for user in ("studyguide.editions.handout", "studyguide.editions.epub", "studyguide.build"):
        assert user in users, user


def test_no_module_is_over_400_lines_and_no_function_over_60():
    long_modules, long_functions = [], []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 400:
            long_modules.append(path.name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    long_functions.append(f"{path.name}:{node.name} ({length})")
    assert not long_modules and not long_functions, (long_modules, long_functions)


def test_the_model_is_frozen():
    book = load_book(ROOT)
    chapter = book.chapters[2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        chapter.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        chapter.body[0].meta["pnum"] = 99  # type: ignore[index]
    with pytest.raises(TypeError):
        chapter.body[0].attrs["href"] = "#elsewhere"  # type: ignore[index]


def _render_both(book, first: Medium) -> dict[Medium, list[str]]:
    out: dict[Medium, list[str]] = {}
    for medium in (first, Medium.PRINT if first is Medium.EPUB else Medium.EPUB):
        view = render_book(book, medium)
        out[medium] = [
            *(c.body_html for c in view.chapters_html),
            *(n.html for c in view.chapters_html for n in c.notes_html),
            *(q for c in view.chapters_html for q in c.questions_html),
            *(t.html for t in view.glossary_html),
        ]
    return out


def _linking_book(folder: Path) -> Path:
    """Two article chapters, and a note, a question and a glossary entry that link to ¶ 2."""
    return make_book(
        folder,
        {
            "01-one.md": "---\ntitle: One\n---\n\nFirst paragraph.\n\nSecond paragraph.[^n]\n\n"
            "[^n]: See [the second](#p-2) and [COMIBOL](term:comibol).\n\n"
            "::: questions\n1. What does [¶ 2](#p-2) say?\n:::\n",
            "02-two.md": "---\ntitle: Two\n---\n\nThird, as [¶ 2](#p-2) said.\n",
        },
        {"comibol.md": "---\nterm: COMIBOL\n---\n\nA company; see [¶ 2](#p-2).\n"},
        article="# One\n\nFirst paragraph.\n\nSecond paragraph.\n\n# Two\n\nThird, as ¶ 2 said.\n",
    )


def test_rendering_one_edition_does_not_change_what_the_other_renders(tmp_path):
    """EPUB then print, and print then EPUB, in one process: the same as fresh renders.
    (A paragraph link is `#p-2` in print and `chapter-01.xhtml#p-2` in the EPUB.)"""
    root = _linking_book(tmp_path / "book")
    epub_first = _render_both(load_book(root), Medium.EPUB)
    print_first = _render_both(load_book(root), Medium.PRINT)
    assert epub_first == print_first
    printed = "".join(print_first[Medium.PRINT])
    assert printed.count('href="#p-2"') == 4 and ".xhtml#p-" not in printed
    assert "".join(epub_first[Medium.EPUB]).count('href="chapter-01.xhtml#p-2"') == 4


def test_a_new_edition_is_one_registration_and_builds(tmp_path):
    """An edition registered from outside: its flag, its file, the build writes it."""
    from studyguide import editions
    from studyguide.cli import main

    def write(job: Job, prepared, handle) -> None:
        view = render_book(job.book, Medium.EPUB)
        handle.write(f"{len(prepared)} documents, {len(view.chapters_html)} chapters".encode())

    def prepare(job: Job):
        return render_epub_documents(render_book(job.book, Medium.EPUB), None)

    extra = Edition(
        "count",
        "counts",
        "write a count of the documents",
        lambda m, o: f"{m.slug}.count",
        write,
        prepare=prepare,
    )
    book = make_book(
        tmp_path / "book",
        {"01-one.md": "---\ntitle: One\nkind: front\n---\n\nText.\n"},
        meta=(ROOT / "book.toml")
        .read_text(encoding="utf-8")
        .replace('slug = "huanuni-study-guide"', 'slug = "tiny"'),
    )
    editions.register(extra)
    try:
        assert "count" in registry()
        code = main(["--root", str(book), "build", "--count", "--out", str(tmp_path / "out")])
    finally:
        del editions.EDITIONS["count"]
    assert code == 0
    assert (tmp_path / "out" / "tiny.count").read_text() == "3 documents, 1 chapters"
    assert not (tmp_path / "out" / "tiny.pdf").exists()


def test_the_command_line_and_the_makefile_read_the_registry():
    """Every edition and every group of editions (the parallel edition's four files) is a
    flag of the build and a make target, from the settings make writes from the registry."""
    run = studyguide("build", "--help")
    assert "parallel" in groups()
    for name in [*registry(), *groups()]:
        assert f"--{name}" in run.stdout, name
        dry = subprocess.run(
            ["make", "-n", name], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert f"studyguide build --{name} " in dry.stdout, dry.stdout + dry.stderr


def test_make_rebuilds_when_any_file_the_build_reads_changes():
    """Make's prerequisites hold every source the build reads (references.toml, the book's
    templates and styles, every text as published): an edited file is never skipped."""
    from studyguide.sources.files import source_paths

    dry = subprocess.run(["make", "-pn", "all"], cwd=ROOT, capture_output=True, text=True)
    line = next(ln for ln in dry.stdout.splitlines() if ln.startswith("SOURCES := "))
    listed = {p.replace("\\ ", " ") for p in re.split(r"(?<!\\) ", line[11:]) if p}
    read = {path.relative_to(ROOT).as_posix() for path in source_paths(ROOT)}
    assert "references.toml" in read
    assert read - listed == set()


def _make_project(folder: Path) -> Path:
    """A copy of the project's Makefile and package around a small book, its virtualenv
    taken as installed (make -n then shows only the book's own build)."""
    shutil.copytree(
        ROOT / "studyguide", folder / "studyguide", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "scripts/install-system-deps"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, folder / name)
    make_book(folder, {"01-one.md": "---\ntitle: One\n---\n\nSome words.\n"})
    (folder / ".stamps").mkdir()
    for stamp in ("system", "venv", "bytecode"):
        (folder / ".stamps" / stamp).touch()
    return folder


def _settle(project: Path, targets: list[Path]) -> None:
    """Every file of the project an hour old and the editions half an hour old: what is
    changed next is newer than the editions, whatever the clock's resolution."""
    for target in targets:
        target.parent.mkdir(exist_ok=True)
        target.touch()
    old = time.time() - 3600
    for path in [project, *project.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    for target in targets:
        os.utime(target, (old + 1800, old + 1800))


def test_make_compiles_the_package_once_before_it_builds(tmp_path):
    """Python writes no bytecode where PYTHONDONTWRITEBYTECODE is set: make compiles the
    package before its first build, and again only when a module changes."""
    project = _make_project(tmp_path / "project")
    (project / ".stamps" / "bytecode").unlink()

    def make() -> str:
        run = subprocess.run(["make", "-n"], cwd=project, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return run.stdout

    planned = make()
    assert "-m compileall -q studyguide" in planned
    assert planned.index("compileall") < planned.index("studyguide build")
    _settle(project, [project / ".stamps" / "bytecode"])  # (the modules older than it)
    assert "compileall" not in make()
    os.utime(project / "studyguide" / "cli.py")  # (now: newer than the stamp)
    assert "compileall" in make()


def test_make_follows_the_sources_without_starting_python_when_nothing_changed(tmp_path):
    """The Makefile's settings (editions, targets, sources) come from one included file: a
    make with nothing to do starts no Python; a chapter added or removed rebuilds the book,
    an editor's swap file beside the chapters does not."""
    project = _make_project(tmp_path / "project")
    marker = tmp_path / "python-ran"
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)

    def make() -> str:
        run = subprocess.run(
            ["make", "-n", f"PYTHON={python}"], cwd=project, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert "studyguide build --paper a4" in make()
    settings = (project / ".stamps" / "editions-a4.mk").read_text(encoding="utf-8")
    targets = [project / t for t in re.search(r"^DEFAULT := (.*)$", settings, re.M)[1].split()]
    assert [t.suffix for t in targets] == [".pdf", ".epub"]

    _settle(project, targets)
    marker.unlink()
    assert "studyguide build" not in make()
    assert not marker.exists(), "a make with nothing to do ran Python"

    (project / "chapters" / ".01-one.md.swp").write_text("swap")
    assert "studyguide build" not in make()
    # An editor that saves by renaming a new file over the chapter: the book is built again,
    # the settings are not written again (the folder's entries are the same).
    saved = project / "chapters" / "01-one.md.new"
    saved.write_text("---\ntitle: One\n---\n\nSaved by renaming.\n")
    os.replace(saved, project / "chapters" / "01-one.md")
    assert "studyguide build --paper a4" in make()
    assert not marker.exists(), "the settings were written again for a file saved in place"
    _settle(project, targets)
    (project / "chapters" / "02-two.md").write_text("---\ntitle: Two\n---\n\nMore.\n")
    assert "studyguide build --paper a4" in make()

    _settle(project, targets)
    (project / "chapters" / "02-two.md").unlink()
    assert "studyguide build --paper a4" in make()
    _settle(project, targets)
    (project / "chapters" / "01-one.md").write_text("---\ntitle: One\n---\n\nEdited.\n")
    assert "studyguide build --paper a4" in make()


def test_the_readme_s_module_map_is_the_package():
    """Every module of the package is in the README's map, and everything there exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## How it works", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"([a-z_]+\.py)\b", block)) - {"__init__.py"}
    modules = {p.name for p in PACKAGE.rglob("*.py")} - {"__init__.py", "__main__.py"}
    assert modules - named == set(), "modules missing from the README's map"
    assert named - modules == set(), "the map names modules that do not exist"
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert all(f"{folder}/" in block for folder in folders)


def test_every_property_test_carries_its_own_settings_without_a_deadline():
    """Settings on a helper are ignored: each @given test has @settings(deadline=None) of its
    own, so that no test depends on the machine's speed."""
    missing = []
    for path in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [ast.unparse(d) for d in node.decorator_list]
            if any(n.startswith("given(") for n in names):
                settings = [n for n in names if n.startswith("settings(")]
                if not settings or "deadline=None" not in settings[0]:
                    missing.append(f"{path.name}::{node.name}")
    assert missing == []
