"""Benchmark every build path of studyguide and print a table of figures.

Whole-process wall time (median of several runs) and peak memory (max RSS of the process)
for: EPUB only, PDF only, both editions, a no-op `make`, a rebuild after one chapter
changed; the floor (WeasyPrint alone on the HTML the project hands it, and pandoc where
installed); and synthetic books 10 and 100 times the article, to show how time scales.

Run with `make bench` (or `.venv/bin/python bench/run.py [--quick]`). Builds happen in a
temporary folder: the repository's build/ is not touched.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Sample:
    seconds: float
    peak_mib: float  # the largest sum of the processes' resident sizes (shared pages each time)
    pss_mib: float = 0.0  # the largest sum of their proportional sizes (shared pages once)


def _tree(root: int) -> dict[int, int]:
    """A process and all its descendants: pid → resident memory in bytes (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_SIZE
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        tree[pid] = rss.get(pid, 0)
        todo += children.get(pid, [])
    return tree


def _tree_rss(root: int) -> int:
    """The resident memory of a process and of all its descendants, in bytes."""
    return sum(_tree(root).values())


def _tree_pss(root: int) -> int:
    """The proportional set size of a process and its descendants, in bytes: each page the
    forked processes share is counted once in all, split between them (smaps_rollup)."""
    total = 0
    for pid in _tree(root):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, flags=re.M)
        total += int(found[1]) * 1024 if found else 0
    return total


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Sample:
    """Run a command to completion; its wall time and the peak resident memory of its
    process tree (every forked worker counted: sampled every 20 ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **EPOCH, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak, pss = [0], [0]
    done = threading.Event()

    def sample() -> None:
        turn = 0
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_rss(process.pid))
            turn += 1
            if turn % 10 == 0:  # (the proportional size costs more to read: every 0.2 s)
                pss[0] = max(pss[0], _tree_pss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr.decode()}")
    return Sample(elapsed, peak[0] / 2**20, pss[0] / 2**20)


def _warm_processes(project: Path) -> list[int]:
    """The warm processes (studyguide/warm) of the project's build folder still running."""
    folder = str(project / "build" / ".warm").encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        if b"studyguide.warm" in command and folder in command:
            found.append(int(entry.name))
    return found


def no_warm_process(project: Path, timeout: float = 60.0) -> None:
    """The project's build folder removed and its warm process ended: a cold build has
    nothing kept, and nothing running either (a warm process left by the build before ends
    once its socket is gone)."""
    shutil.rmtree(project / "build", ignore_errors=True)
    deadline = time.monotonic() + timeout
    while _warm_processes(project):
        if time.monotonic() > deadline:
            raise SystemExit(f"a warm process of {project} did not end")
        time.sleep(0.05)


def warm_process_ready(project: Path, timeout: float = 60.0) -> None:
    """Wait until the warm process that `make`'s last build started is ready (it has
    imported everything, in about half a second): a facilitator's next make, after an
    edit, comes later than that."""
    socket = project / "build" / ".warm" / "socket"
    deadline = time.monotonic() + timeout
    while not socket.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"no warm process started for {project}")
        time.sleep(0.05)


def median_of(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.seconds for s in samples),
        max(s.peak_mib for s in samples),
        max(s.pss_mib for s in samples),
    )


def studyguide(book: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "studyguide", "--root", str(book), *args]


def copy_book(target: Path) -> Path:
    """Every file the build reads from the repository's book (as the loader lists them)."""
    from studyguide.sources.files import source_paths

    target.mkdir(parents=True)
    for path in source_paths(REPO):
        copy = target / path.relative_to(REPO)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
    return target


def make_project(target: Path) -> Path:
    """A copy of the project that `make` can run in, sharing the repository's virtualenv."""
    copy_book(target)
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(REPO / name, target)
    shutil.copytree(
        REPO / "studyguide", target / "studyguide", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "scripts", target / "scripts")
    (target / ".venv").symlink_to(REPO / ".venv")
    (target / ".stamps").mkdir()
    for stamp in ("system", "venv", "bytecode"):
        (target / ".stamps" / stamp).touch()
    return target


def scaled_book(target: Path, factor: int) -> Path:
    """The article's chapters repeated `factor` times, with their notes, questions and links."""
    copy_book(target)
    texts = {p: p.read_text(encoding="utf-8") for p in sorted((target / "chapters").glob("*.md"))}
    front = [p for p, text in texts.items() if "kind: front" in text]
    back = [p for p, text in texts.items() if "kind: back" in text]
    article = [p for p in texts if p not in front and p not in back]
    for path in texts:
        path.unlink()
    order = [(p, "") for p in front]
    order += [(p, f"-{copy + 1}") for copy in range(factor) for p in article]
    order += [(p, "") for p in back]
    for number, (path, suffix) in enumerate(order, start=1):
        slug = path.stem.split("-", 1)[1]
        (target / "chapters" / f"{number:04d}-{slug}{suffix}.md").write_text(
            texts[path], encoding="utf-8"
        )
    text = (REPO / "source" / "article.txt").read_text(encoding="utf-8").strip()
    (target / "source" / "article.txt").write_text(
        "\n\n".join([text] * factor) + "\n", encoding="utf-8"
    )
    return target


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


def row(name: str, sample: Sample, note: str = "") -> str:
    return f"| {name:<44} | {sample.seconds:>8.3f} | {sample.peak_mib:>8.0f} | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--quick", action="store_true", help="skip the 100x book")
    parser.add_argument("--long-books", action="store_true", help="only the 10x and 100x books")
    args = parser.parse_args()
    if args.long_books:
        with tempfile.TemporaryDirectory(prefix="studyguide-bench-") as tmp:
            print("| build | seconds | peak MiB | note |\n|---|---:|---:|---|")
            long_books(Path(tmp), args.quick)
        return
    runs = args.runs
    rows: list[str] = []
    figures: dict[str, Sample] = {}

    with tempfile.TemporaryDirectory(prefix="studyguide-bench-") as tmp:
        work = Path(tmp)
        book = copy_book(work / "book")

        def timed(name: str, command: list[str], prepare=None, cwd=None, note="") -> Sample:
            samples = []
            for _ in range(runs):
                if prepare:
                    prepare()
                samples.append(run(command, cwd=cwd))
            figures[name] = median_of(samples)
            rows.append(row(name, figures[name], note))
            print(rows[-1], flush=True)
            return figures[name]

        print(
            f"studyguide benchmark: {runs} runs each, median wall time, peak RSS of all processes\n"
        )
        print("| build | seconds | peak MiB | note |")
        print("|---|---:|---:|---|")
        timed("studyguide --help", [PYTHON, "-m", "studyguide", "--help"])
        timed("check (no output)", studyguide(book, "check"))

        out = work / "out"
        fresh = lambda: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
        timed(
            "both editions, cold",
            studyguide(book, "build", "--out", str(out)),
            prepare=fresh,
        )

        # Each figure below rebuilds its edition: the last one is removed first (an unchanged
        # edition would be a no-op build, timed on its own).
        def without(*patterns: str):
            def remove() -> None:
                for path in [path for pattern in patterns for path in out.glob(pattern)]:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()

            return remove

        timed("no-op build (unchanged sources)", studyguide(book, "build", "--out", str(out)))
        timed(
            "PDF only, cold (every part laid out)",
            studyguide(book, "build", "--pdf", "--out", str(out)),
            prepare=without("*.pdf", ".cache"),
        )
        timed(
            "EPUB only, page map kept (unchanged sources)",
            studyguide(book, "build", "--epub", "--out", str(out)),
            prepare=without("*.epub"),
        )
        timed(
            "web edition only, page map kept",
            studyguide(book, "build", "--web", "--out", str(out)),
            prepare=without("*-web"),
        )
        timed(
            "EPUB only, cold (lays the book out once)",
            studyguide(book, "build", "--epub", "--out", str(out)),
            prepare=fresh,
        )

        html = work / "print.html"
        run(studyguide(book, "build", "--pdf", "--out", str(out), "--debug-html", str(html)))
        floor = timed(
            "floor: WeasyPrint alone on the same HTML",
            [
                PYTHON,
                "-c",
                "import sys; from weasyprint import HTML; "
                "HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf("
                "sys.argv[3], pdf_variant='pdf/ua-1', pdf_identifier=b'x')",
                str(html),
                str(book) + "/",
                str(work / "floor.pdf"),
            ],
        )
        ratio = figures["PDF only, cold (every part laid out)"].seconds / floor.seconds
        rows.append(f"| PDF only, cold / WeasyPrint alone | {ratio:.2f} | | target ≤ 0.8 |")
        print(rows[-1])

        if shutil.which("pandoc"):
            markdown = work / "all.md"
            markdown.write_text(
                "\n\n".join(
                    p.read_text(encoding="utf-8") for p in sorted((book / "chapters").glob("*.md"))
                ),
                encoding="utf-8",
            )
            pandoc = timed(
                "pandoc: EPUB from the same Markdown",
                ["pandoc", str(markdown), "-o", str(work / "pandoc.epub")],
            )
            ratio = figures["EPUB only, page map kept (unchanged sources)"].seconds / pandoc.seconds
            rows.append(f"| EPUB only / pandoc | {ratio:.2f} | | target ≤ 2.5 |")
            print(rows[-1])
        else:
            print("| pandoc | – | – | not installed: no ratio |")

        project = make_project(work / "project")
        full = timed(
            "make, cold (the default editions, every part laid out)",
            ["make", "-s"],
            cwd=project,
            prepare=lambda: no_warm_process(project),
        )
        timed("no-op make", ["make", "-s"], cwd=project, note="target ≤ 0.3 s")
        warm_process_ready(project)  # (as after a moment's editing: see warm_process_ready)
        chapter = next((project / "chapters").glob("05-*.md"))
        original = chapter.read_text(encoding="utf-8")
        counter = iter(range(1000))

        def edit() -> None:
            # a new word in the chapter's first note: a real edit, still a valid chapter
            chapter.write_text(
                original.replace("]: ", f"]: Edit {next(counter)}. ", 1), encoding="utf-8"
            )

        edited = timed(
            "make after editing one chapter",
            ["make", "-s"],
            cwd=project,
            prepare=edit,
            note="target ≤ 1.5 s; run by the warm process (peak MiB: make's own)",
        )
        ratio = edited.seconds / full.seconds
        rows.append(f"| one-chapter edit → make / cold make | {ratio:.2f} | | target ≤ 0.25 |")
        print(rows[-1])
        alone = timed(
            "make WARM= after editing one chapter (no warm process)",
            ["make", "-s", "WARM="],
            cwd=project,
            prepare=edit,
        )
        ratio = alone.seconds / full.seconds
        rows.append(f"| the same without the warm process / cold make | {ratio:.2f} | | |")
        print(rows[-1])
        no_warm_process(project)

        long_books(work, args.quick)


def long_books(work: Path, quick: bool) -> None:
    """The article's chapters 10 and 100 times over: time per page, growth, memory."""
    rows: list[str] = []
    figures: dict[str, Sample] = {}
    for factor, factor_runs in ((10, 3), (100, 1)):
        if factor == 100 and quick:
            continue
        big = scaled_book(work / f"book{factor}", factor)
        big_out = work / f"out{factor}"
        samples = []
        for _ in range(factor_runs):
            shutil.rmtree(big_out, ignore_errors=True)
            samples.append(run(studyguide(big, "build", "--out", str(big_out))))
        sample = median_of(samples)
        pages = pdf_pages(next(big_out.glob("*.pdf")))
        figures[f"{factor}x"] = sample
        rows.append(
            row(
                f"{factor}x book, both editions ({pages} pages)",
                sample,
                f"{sample.seconds / pages * 100:.2f} s per 100 pages; "
                f"proportional {sample.pss_mib:.0f} MiB",
            )
        )
        print(rows[-1], flush=True)
    if "10x" in figures and "100x" in figures:
        growth = figures["100x"].seconds / figures["10x"].seconds
        rows.append(f"| time at 100x / time at 10x | {growth:.1f} | | target ≤ 10 |")
        big = figures["100x"]
        rows.append(
            f"| peak memory at 100x (MiB, all processes: resident {big.peak_mib:.0f}, "
            f"proportional) | {big.pss_mib:.0f} | | target < 2048 |"
        )
        print("\n".join(rows[-2:]))


if __name__ == "__main__":
    main()
