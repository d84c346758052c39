"""The shared layout's Jinja2 environment, and the class names that mark the apparatus.

The apparatus is what one edition shows beside the text and the other does not (paragraph
numbers, note calls and notes, page references, page-break markers, answer lines). The page
map counts the text of both editions alike, so it skips exactly these classes: they are
named here once, for the templates (`cls.pnum`), the render rules and the page map.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup


@dataclass(frozen=True)
class ApparatusClasses:
    pnum: str = "pnum"
    noteref: str = "noteref"
    footnote: str = "footnote"
    print_only: str = "print-only"
    pagebreak: str = "pagebreak"
    answer_space: str = "answer-space"
    web_only: str = "web-only"  # the web edition's links from a glossary entry to the text

    def all(self) -> frozenset[str]:
        return frozenset(getattr(self, f.name) for f in fields(self))


CLASSES = ApparatusClasses()
APPARATUS = CLASSES.all()


def _longdate(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


@cache
def _css_string(value: str) -> Markup:
    """A CSS string literal, safe inside a <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&' or not char.isprintable() else char
        for char in value
    )
    return Markup(f'"{escaped}"')


@cache
def environment() -> Environment:
    """The templates of studyguide/render/templates, autoescaped, strict about names."""
    env = Environment(
        loader=PackageLoader("studyguide.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["longdate"] = _longdate
    env.filters["css_string"] = _css_string
    env.globals["cls"] = CLASSES
    return env


def macros() -> Any:
    """The macros of _markup.html.j2 (noteref, print_note, backlink, term_link, …)."""
    return environment().get_template("_markup.html.j2").module
