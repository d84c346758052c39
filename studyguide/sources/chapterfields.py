"""A chapter's front matter fields, each checked where it is read: its kind, the text it
holds, the short title of its running head."""

from __future__ import annotations

from studyguide.errors import BuildError, ErrorCollector
from studyguide.model import Kind
from studyguide.sources.frontmatter import FrontMatter, required_text

CHAPTER_KEYS = {"title", "short_title", "kind", "text"}
KIND_NAMES = {"front": Kind.FRONT, "article": Kind.ARTICLE, "text": Kind.ARTICLE, "back": Kind.BACK}
KIND_NAMES = {"front": Kind.FRONT, "article": Kind.ARTICLE, "text": Kind.ARTICLE, "back": Kind.BACK}


def chapter_kind(front: FrontMatter, errors: ErrorCollector) -> Kind | None:
    kind_name = front.values.get("kind", Kind.ARTICLE.value)
    if not isinstance(kind_name, str) or kind_name not in KIND_NAMES:
        errors.add(
            BuildError(
                front.at("kind"),
                f"unknown kind '{kind_name}'",
                "kind is one of: front, article (or text), back",
                "frontmatter.kind",
            )
        )
        return None
    return KIND_NAMES[kind_name]


def chapter_text(front: FrontMatter, texts: list[str] | None, errors: ErrorCollector) -> str | None:
    """The text an article chapter holds: its `text:` field, or the book's first text.
    (`texts` is None when book.toml has mistakes, reported on their own.)"""
    value = front.values.get("text", texts[0] if texts else "")
    if texts is None:
        return str(value)
    if value not in texts:
        errors.add(
            BuildError(
                front.at("text"),
                f"unknown text '{value}'",
                "the texts are: " + ", ".join(texts) + " (the ids of book.toml's [[texts]])"
                if texts
                else "add a [[texts]] table for it to book.toml",
                "frontmatter.text",
            )
        )
        return None
    return str(value)


def chapter_short_title(front: FrontMatter, errors: ErrorCollector) -> str:
    """The running head's words where the title is too long for one line (optional)."""
    if "short_title" not in front.values:
        return ""
    return required_text(front, "short_title", errors) or ""
