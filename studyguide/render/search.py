"""The web edition's search: each numbered paragraph, note, question, glossary entry and
passage of the guide a record of its own, with its print page, indexed by Pagefind into
pagefind/ (a static index the pages' script reads over HTTP: any static host, the preview).

Pagefind's own binary (PyPI `pagefind[bin]`) is driven through its service protocol, one
request and one answer at a time: its Python API waits a tenth of a second for each answer,
30 s for this book's records. Same records, same bytes: the index is reproducible.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from studyguide.render.markup import APPARATUS

FOLDER = "pagefind"
# What the pages' script needs of Pagefind's bundle (not its own ready-made interfaces).
KEPT = ("index/", "fragment/", "pagefind.", "pagefind-worker.js", "pagefind-entry.json", "wasm.")
TIMEOUT = 60  # seconds: far above the 0.1 s this book takes


@dataclass(frozen=True)
class Record:
    url: str  # chapter-04.html#p-12
    content: str
    title: str  # the chapter's title, or "Glossary"
    where: str  # "¶ 12", the note's number, the question's, the term
    page: str  # the print page, "" where not known


def reading_text(element: etree._Element) -> str:
    """What a reader sees of an element: no paragraph numbers, note calls, page markers or
    links back."""
    parts: list[str] = []

    def walk(node: etree._Element, outermost: bool = False) -> None:
        classes = set((node.get("class") or "").split())
        if outermost or not classes & (APPARATUS | {"backlink"}):  # (a note is apparatus)
            parts.append(node.text or "")
            for child in node:
                if isinstance(child.tag, str):
                    walk(child)
                    parts.append(child.tail or "")

    walk(element, outermost=True)
    return " ".join("".join(parts).split())


def index_files(records: Sequence[Record], language: str) -> dict[str, bytes]:
    """Pagefind's index of `records`, in `language`: its files by name, under pagefind/."""
    from pagefind_bin import get_executable

    process = subprocess.Popen(
        [str(get_executable()), "--service"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd="/",
    )
    service = _Service(process)
    try:
        index = service.send({"type": "NewIndex", "config": {"force_language": language}})
        for record in records:
            meta = {"title": record.title, "where": record.where, "page": record.page}
            service.send(
                {
                    "type": "AddRecord",
                    "index_id": index["index_id"],
                    "url": record.url,
                    "content": record.content,
                    "language": language,
                    "meta": meta,
                    "filters": None,
                    "sort": None,
                }
            )
        files = service.send({"type": "GetFiles", "index_id": index["index_id"]})["files"]
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=TIMEOUT)
    return {
        f"{FOLDER}/{file['path']}": base64.b64decode(file["content"])
        for file in files
        if file["path"].startswith(KEPT)
    }


class _Service:
    """Pagefind's service protocol: base64 JSON messages, each followed by a comma."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.buffer = b""
        self.message = 0

    def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        self.message += 1
        request = {"message_id": self.message, "payload": payload}
        stdin = self.process.stdin
        assert stdin is not None and self.process.stdout is not None
        stdin.write(base64.b64encode(json.dumps(request).encode("utf-8")) + b",")
        stdin.flush()
        while b"," not in self.buffer:
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError("Pagefind stopped without an answer")
            self.buffer += chunk
        answer, _, self.buffer = self.buffer.partition(b",")
        response = json.loads(base64.b64decode(answer))["payload"]
        if response.get("type") == "Error":
            raise RuntimeError(f"Pagefind: {response.get('message')}")
        return response
