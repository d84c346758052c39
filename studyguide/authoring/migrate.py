"""`studyguide migrate`: a book.toml of the old form (one [original] article) → [[texts]].

The old file is kept as book.toml.bak. The article's stored text gets its headings marked
(`# Heading`): they are the blocks its chapters take their titles from, which the
fidelity check then compares, as it did before.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from studyguide.authoring.tomlwrite import book_toml
from studyguide.errors import BuildError
from studyguide.sources.checks import HEADING
from studyguide.sources.files import METADATA_FILE, read_text

OLD_SOURCE = "source/article.txt"


def migrate(root: Path) -> list[str]:
    """Rewrite the book's metadata in the new form; what was done, a line each."""
    path = root / METADATA_FILE
    old = tomllib.loads(read_text(root, path))
    if "texts" in old or "original" not in old:
        raise BuildError(
            path,
            "book.toml is not in the old form (it has no [original] table)",
            "nothing to migrate; docs/authoring.md describes the fields",
            "migrate.nothing",
        )
    original, edition = old["original"], old.get("edition", {})
    full = ", ".join(v for v in (original.get("author_full"), original.get("author_english")) if v)
    author = {"name": original["author"], **({"full": full} if full else {})}
    text = {
        "id": "text",
        "title": old["title"],
        "date": original.get("date"),
        "source": OLD_SOURCE,
        "authors": [author],
        "published": {"in": original["publication"], "date": original["published"]},
        "rights": {"status": "all-rights-reserved", "holder": original["author"]},
    }
    top = {k: old[k] for k in ("title", "subtitle", "language", "slug", "identifier") if k in old}
    new_edition = {k: edition[k] for k in ("editors", "year", "credits") if k in edition}
    path.with_name(METADATA_FILE + ".bak").write_text(read_text(root, path), encoding="utf-8")
    path.write_text(
        book_toml(top, new_edition, [{k: v for k, v in text.items() if v is not None}]),
        encoding="utf-8",
    )
    done = [f"rewrote {METADATA_FILE} with one [[texts]] (the old file is {METADATA_FILE}.bak)"]
    marked = _mark_headings(root)
    if marked:
        done.append(f"marked {marked} headings in {OLD_SOURCE} (# Heading)")
    done.append(
        "check the text's rights and original language in book.toml: the old form did not "
        "say them (rights are set to all-rights-reserved, held by the author)"
    )
    return done


def _mark_headings(root: Path) -> int:
    """Mark as headings the stored article's blocks that chapters take as their titles."""
    from studyguide.errors import ErrorCollector
    from studyguide.sources.files import read_chapter_files
    from studyguide.sources.frontmatter import read_front_matter
    from studyguide.sources.markdown import make_front_matter_parser

    source = root / OLD_SOURCE
    if not source.is_file():
        return 0
    parser = make_front_matter_parser()
    titles = []
    for chapter in read_chapter_files(root, ErrorCollector()):
        front = read_front_matter(
            parser.parse(chapter.text, {}), chapter.path, "", ErrorCollector()
        )
        if front and str(front.values.get("kind", "article")) in ("article", "text"):
            titles.append(" ".join(str(front.values.get("title", "")).split()))
    blocks = read_text(root, source).split("\n\n")
    marked = 0
    for index, block in enumerate(blocks):
        if titles and " ".join(block.split()) == titles[0] and not block.startswith(HEADING):
            blocks[index] = HEADING + block.strip()
            titles.pop(0)
            marked += 1
    source.write_text("\n\n".join(blocks), encoding="utf-8")
    return marked
