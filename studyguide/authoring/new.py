"""`studyguide new DIR`: a book folder that builds at once, in the book's language.

It holds book.toml (a fresh identifier, a placeholder [[texts]] entry that `studyguide
import` fills), a sample front chapter, one glossary entry and a README with the next
steps. The samples are files in skeleton/<language>/ (English where there are none for the
book's language). Nothing that exists is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from studyguide.authoring.changes import Change, Undone, apply, write_error
from studyguide.authoring.slugs import slugify
from studyguide.authoring.tomlwrite import book_toml
from studyguide.errors import BuildError
from studyguide.labels import package_languages, primary
from studyguide.sources.files import CHAPTERS_DIR, GLOSSARY_DIR, METADATA_FILE, SOURCE_DIR
from studyguide.sources.meta import LANGUAGE

TEXT_ID = "text"
README = "README.md"
# What the new [[texts]] entry leaves for the facilitator to fill in, as comments.
_TEXT_COMMENTS = """\
# Fill these in for the text (docs/authoring.md describes every field):
# date = 1863-11-19                      # when the text is dated
# gender = "f"                           # m, f or n: its kind's ("Publiée", "Publicada")
# language = "en"                        # the language its chapters are in, if not the book's
# translation_of = "…"                   # a translation: the id of the text it translates,
# original_language = "es"               # or the language it was translated from
# translators = ["…"]                    # who translated it
# authors = [{ name = "Assemblée nationale", article = "l’", gender = "f" }]  # a body's article
# published = { in = "…", url = "https://…", date = 2006-10-16 }
# rights: status is public-domain, licence (with licence = "…"), permission or
# all-rights-reserved (with holder = "…")
"""


@dataclass(frozen=True)
class Skeleton:
    """The sample files and placeholder words of one language."""

    language: str  # the skeleton's own language: the book's, or "en"
    words: dict[str, str]

    def file(self, name: str) -> str:
        folder = resources.files("studyguide.authoring") / "skeleton" / self.language
        return (folder / name).read_text(encoding="utf-8")


def skeleton_languages() -> list[str]:
    """The languages `new` has samples in."""
    folder = resources.files("studyguide.authoring") / "skeleton"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and len(p.name) == 2)


def skeleton(language: str) -> Skeleton:
    """The samples in the book's language, or in English where there are none."""
    code = primary(language) if primary(language) in skeleton_languages() else "en"
    words = tomllib.loads(Skeleton(code, {}).file("words.toml"))
    return Skeleton(code, words)


def placeholder_titles() -> set[str]:
    """The text titles `new` writes, in every language: `import` replaces them."""
    return {skeleton(code).words["text_title"] for code in skeleton_languages()}


def _title_from_folder(folder: Path) -> str:
    name = folder.resolve().name.replace("-", " ").replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else ""


def _check_folder(folder: Path, files: list[Path]) -> None:
    """Refuse a folder that is a file, holds a book already, or holds any file `new` writes."""
    if folder.exists() and not folder.is_dir():
        raise BuildError(
            folder,
            "cannot start a book here: it is a file, not a folder",
            "give the name of a new folder, or of an empty one",
            "new.folder",
        )
    if (folder / METADATA_FILE).exists():
        raise BuildError(
            folder / METADATA_FILE,
            "there is a book in this folder already",
            f"work on it with `studyguide --root {folder} …`, or give `studyguide new` "
            "another folder",
            "new.exists",
        )
    for path in files:
        if path.exists():
            raise BuildError(
                path,
                "the new book would overwrite this file",
                "move the file away, or give `studyguide new` another folder",
                "new.file-exists",
            )


def _book_toml(title: str, language: str, words: dict[str, str]) -> str:
    top = {
        "title": title,
        "language": language,
        "slug": slugify(title) or "study-guide",
        "identifier": f"urn:uuid:{uuid.uuid4()}",
    }
    edition = {"editors": words["editors"], "year": dt.date.today().year}
    text = text_entry(TEXT_ID, words["text_title"], f"{SOURCE_DIR}/{TEXT_ID}.txt", words)
    return book_toml(top, edition, [text]) + _TEXT_COMMENTS


def text_entry(text_id: str, title: str, source: str, words: dict[str, str]) -> dict[str, Any]:
    """A new `[[texts]]` entry, its author and rights to be filled in (`words`: the
    skeleton's, in the book's language)."""
    return {
        "id": text_id,
        "title": title,
        "kind": words["text_kind"],
        "source": source,
        "authors": [{"name": words["author"]}],
        "rights": {"status": "all-rights-reserved", "holder": words["author"]},
    }


def new_book(folder: Path, title: str | None = None, language: str = "en") -> list[str]:
    """Write a new book into `folder` (created if needed); what was written, a line each."""
    if not LANGUAGE.fullmatch(language):
        raise BuildError(
            None,
            f"'{language}' is not a language tag",
            'use a BCP 47 tag such as "en", "es", "fr-CA" or "de"',
            "new.language",
        )
    title = " ".join((title or _title_from_folder(folder)).split())
    samples = skeleton(language)
    if not title:
        title = samples.words["introduction"]
    glossary_slug = samples.words["glossary"]
    intro_name = f"01-{slugify(samples.words['introduction'])}.md"
    files = {
        folder / METADATA_FILE: _book_toml(title, language, samples.words),
        folder / CHAPTERS_DIR / intro_name: samples.file("introduction.md"),
        folder / GLOSSARY_DIR / f"{glossary_slug}.md": samples.file("glossary.md"),
        folder / README: string.Template(samples.file("README.md")).substitute(
            title=title, folder=folder, introduction_file=f"{CHAPTERS_DIR}/{intro_name}"
        ),
    }
    _check_folder(folder, list(files))
    # All the files or none: a failed write removes those (and the folders) made before it.
    base = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor))
    try:
        apply(base, [Change(path, text) for path, text in files.items()])
    except (Undone, OSError) as failure:
        raise write_error(
            folder, failure, "choose another folder, or fix its permissions", "new.write"
        ) from None
    done = [f"wrote {path.relative_to(folder).as_posix()}" for path in files]
    if samples.language != primary(language):
        labels = primary(language) in package_languages()
        done.append(
            f"there are no samples in '{language}': they are in English; translate them"
            + ("" if labels else f", and give the editions' words in labels/{primary(language)}"
               ".toml (docs/authoring.md shows how)")
        )  # fmt: skip
    return done
