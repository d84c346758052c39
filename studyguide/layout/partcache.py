"""Laid-out parts kept between builds (in <out>/.cache): a part whose print HTML and the
package's code are those of a kept layout is not laid out again, its PDF and what it gave
(page map, anchors, pages, their geometry and faults) are read back instead.

A part's HTML holds all that its layout depends on: its chapters, the stylesheet (paper,
single- or double-sided), its first page number and the page numbers it prints of other
parts. The package's code is in the key too: a changed patch or rule lays every part out
again. Entries are checked as every cache entry is (cache.py), and their content again here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from functools import cache
from pathlib import Path
from typing import Any

from studyguide import cache as build_cache
from studyguide.layout.geometry import Line, Page
from studyguide.layout.pagemap import PageStart
from studyguide.layout.parts import PartLayout
from studyguide.layout.proof import Fault

_PDF_START = b"%PDF-"


@cache
def code_digest() -> str:
    """A digest of the package's code, templates, styles and words."""
    return build_cache.digest(
        part for name, data in build_cache.package_files() for part in (name, data)
    )


def key(html: str) -> str:
    return build_cache.digest([code_digest(), html])


def word_breaks(out: Path) -> Path:
    """Where the word breaks of the print edition's text are kept (render/typeset.py): a
    build after an edit looks up only its new words in the dictionary, if any."""
    import pyphen

    return build_cache.entry(out, "word-breaks", key(f"pyphen {pyphen.__version__}"), ".json")


def entry(out: Path, slot: str, part_key: str) -> Path:
    """Where the part in `slot` ("a4-2-03-ch-3-r0": paper, sides, part, round) is kept."""
    return build_cache.entry(out, f"part-{slot}", part_key, ".bin")


def save(path: Path, pdf: bytes, laid: PartLayout) -> None:
    """Keep a part's layout, and its PDF (empty for a provisional layout)."""
    described = json.dumps(
        {
            "page_starts": [asdict(start) for start in laid.page_starts],
            "anchors": laid.anchors,
            "pages": laid.pages,
            "geometry": [_page_data(page) for page in laid.geometry],
            "faults": [asdict(fault) for fault in laid.faults],
            "note_starts": [asdict(start) for start in laid.note_starts],
        },
        ensure_ascii=False,
    ).encode("utf-8")
    build_cache.write(path, len(described).to_bytes(8, "big") + described + pdf)


def load(path: Path, pdf: bool = True, geometry: bool = True) -> tuple[bytes, PartLayout] | None:
    """The kept PDF and layout of a part, if the entry is there, sound and of its shape (and
    holds a PDF, where `pdf` asks for one); without its pages' geometry unless `geometry`."""
    data = build_cache.read(path)
    if data is None or len(data) < 8:
        return None
    size = int.from_bytes(data[:8], "big")
    described, kept = data[8 : 8 + size], data[8 + size :]
    if (kept and not kept.startswith(_PDF_START)) or (pdf and not kept):
        return None
    try:
        values = json.loads(described)
        pages = [_page(page) for page in values["geometry"]] if geometry else []
        laid = PartLayout(
            [PageStart(**start) for start in values["page_starts"]],
            {str(name): int(page) for name, page in values["anchors"].items()},
            int(values["pages"]),
            pages,
            [Fault(**fault) for fault in values["faults"]],
            [PageStart(**start) for start in values["note_starts"]],
            [bool(page["blank"]) for page in values["geometry"]],
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return kept, laid


def _page_data(page: Page) -> dict[str, Any]:
    data = asdict(page)
    data["anchors"] = sorted(page.anchors)
    data["sections"] = list(page.sections)
    return data


def _page(data: dict[str, Any]) -> Page:
    names = {f.name for f in fields(Page)}
    values = {name: data[name] for name in names if name in data}
    for name in ("lines", "notes", "heads"):
        values[name] = [Line(**line) for line in values.get(name, [])]
    values["anchors"] = frozenset(values.get("anchors", ()))
    values["sections"] = tuple(values.get("sections", ()))
    return Page(**values)
