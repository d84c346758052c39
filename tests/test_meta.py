"""book.toml read whole: every value checked in full, every mistake with its line."""

from __future__ import annotations

import shutil

import pytest

from studyguide.errors import BuildError, BuildErrors
from studyguide.sources.meta import load_meta
from support import ROOT

BOOK = ROOT / "tests" / "fixtures" / "constitucion-1812"


def _errors(tmp_path, change) -> list[BuildError]:
    root = shutil.copytree(BOOK, tmp_path / "book")
    path = root / "book.toml"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises((BuildError, BuildErrors)) as caught:
        load_meta(root)
    error = caught.value
    return error.errors if isinstance(error, BuildErrors) else [error]


@pytest.mark.parametrize(
    ("change", "code", "line"),
    [
        (lambda t: t.replace('slug = "constitucion-1812"', 'slug = "constitucion-1812\\n"'),
         "meta.whitespace", 6),
        (lambda t: t.replace('language = "es"', 'language = "es "'), "meta.whitespace", 5),
        (lambda t: t.replace('language = "es"', 'language = "es-"'), "meta.language", 5),
        (lambda t: t + "\n[foo]\nbar = 1\n", "meta.unknown", 25),
        (lambda t: t.replace("[edition]", "[[edition]]"), "meta.shape", 10),
        (lambda t: t.replace('rights = { status = "public-domain" }', 'rights = "free"'),
         "meta.shape", 23),
        (lambda t: t.replace("subjects = ", 'typeface = "Bad;Font"\nsubjects = '),
         "meta.typeface", 8),
    ],
    ids=["slug-newline", "language-space", "language-tag", "unknown-table", "table-as-array",
         "rights-not-a-table", "typeface-name"],
)  # fmt: skip
def test_a_wrong_value_or_shape_is_reported_with_its_line(tmp_path, change, code, line):
    errors = _errors(tmp_path, change)
    found = [(e.code, e.where.line) for e in errors]
    assert (code, line) in found, [e.format() for e in errors]
