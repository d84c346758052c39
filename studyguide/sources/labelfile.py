"""The book's words: the package's table for its language, the book's own file for it
(labels/<language>.toml in the book's folder, checked line by line) and book.toml's [labels]."""

from __future__ import annotations

from pathlib import Path

from studyguide.errors import BuildError, ErrorCollector
from studyguide.labels import Labels, labels_for, primary
from studyguide.labels.tables import check_values
from studyguide.model import BookMeta
from studyguide.sources.files import LABELS_DIR
from studyguide.sources.tomlfile import read_toml


def own_label_file(root: Path, language: str) -> Path | None:
    """The book's own file of words for its language: labels/fr-ca.toml, else labels/fr.toml."""
    for name in dict.fromkeys((language.lower(), primary(language))):
        path = root / LABELS_DIR / f"{name}.toml"
        if path.exists() or path.is_symlink():
            return path
    return None


def load_labels(root: Path, meta: BookMeta | None, errors: ErrorCollector) -> Labels:
    """The labels of the book, made once (English while book.toml has mistakes)."""
    if meta is None:
        return labels_for("en")
    path = own_label_file(root, meta.language)
    own = None
    if path is not None:
        try:
            toml = read_toml(root, path)
        except BuildError as error:
            errors.add(error)
            return labels_for(meta.language, meta.labels)
        problems = check_values(toml.values)
        for problem in problems:
            where = toml.at(problem.key)
            errors.add(BuildError(where, problem.message, problem.hint, problem.code))
        own = None if problems else toml.values
    return labels_for(meta.language, meta.labels, own)
