"""Benchmark the preview (`studyguide serve`): from saving a chapter to the page reloaded in a
real browser, and the server's rebuild alone, on a copy of the book.

A headless Chromium (Debian's, driven by Playwright) shows a chapter; each run saves a new
word in one of its notes and times until the browser has loaded the page again and shows
the word. Between runs it waits for the background print layout to give the page numbers
(also timed: until the preview shows the edited sources' page numbers, which it does as soon
as their page map is written, before the PDF) and to end, so that its reload is not counted
as the save's. Run with `make bench` or
`.venv/bin/python bench/serve.py [--runs N] [--factor F]`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from run import PYTHON, copy_book, scaled_book

CHROMIUM = "/usr/bin/chromium"


def status(url: str) -> dict:
    with urllib.request.urlopen(url + "_preview/status", timeout=30) as answer:
        return json.load(answer)


def wait_until(predicate, timeout: float = 600.0) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.05)
    return time.perf_counter() - started


def settled(url: str) -> bool:
    now = status(url)
    return now["page_numbers_current"] and not now["print_layout_running"]


def start_server(book: Path, out: Path) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [PYTHON, "-m", "studyguide", "--root", str(book), "serve", "--port", "0", "--out", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1160006400"},
    )
    url = server.stdout.readline().strip() if server.stdout else ""
    if not url.startswith("http://127.0.0.1:"):
        server.kill()
        raise SystemExit("the preview did not start")
    return server, url


def measure(book: Path, out: Path, runs: int) -> tuple[list[float], list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    chapter = sorted((book / "chapters").glob("*.md"))[4]
    page_name = f"chapter-{int(chapter.name.split('-')[0]):02d}.html"
    original = chapter.read_text(encoding="utf-8")
    server, url = start_server(book, out)
    reloads, rebuilds, numbers = [], [], []
    try:
        wait_until(lambda: settled(url))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(url + page_name)
            for run in range(runs):
                word = f"Benchmark{run}."
                started = time.perf_counter()
                with page.expect_event("load", timeout=60_000):
                    chapter.write_text(original.replace("]: ", f"]: {word} ", 1), "utf-8")
                reloads.append(time.perf_counter() - started)
                if word not in page.inner_text("main"):
                    raise SystemExit(f"run {run}: the reloaded page does not show the edit")
                rebuilds.append(status(url)["rebuild_seconds"])
                numbers.append(
                    reloads[-1] + wait_until(lambda: status(url)["page_numbers_current"])
                )
                wait_until(lambda: settled(url))  # (the PDF written too, before the next save)
                time.sleep(0.5)  # the page reloads for its page numbers, if they changed
                page.goto(url + page_name)
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        chapter.write_text(original, encoding="utf-8")
    return reloads, rebuilds, numbers


def row(name: str, values: list[float], note: str = "") -> str:
    return (
        f"| {name:<46} | {statistics.median(values):>7.3f} | {min(values):>7.3f} "
        f"| {max(values):>7.3f} | {note} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="saves to time")
    parser.add_argument("--factor", type=int, default=1, help="the book repeated F times")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no browser at {CHROMIUM}: scripts/install-system-deps installs it")
    with tempfile.TemporaryDirectory(prefix="studyguide-bench-serve-") as tmp:
        work = Path(tmp)
        if args.factor == 1:
            book = copy_book(work / "book")
        else:
            book = scaled_book(work / "book", args.factor)
        reloads, rebuilds, numbers = measure(book, work / "out", args.runs)
    print(f"studyguide serve: {args.runs} saves of one chapter's note, book x{args.factor}\n")
    print("| figure | median s | min s | max s | note |")
    print("|---|---:|---:|---:|---|")
    print(row("save → page reloaded in Chromium", reloads, "target ≤ 0.5 s"))
    print(row("the server's rebuild (read, check, render)", rebuilds))
    print(row("save → print page numbers current", numbers, "target ≤ 2 s (incremental layout)"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
