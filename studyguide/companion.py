"""The facilitator's companion as plain, frozen data: a book's facilitator/ folder, read
(sources/facilitator.py). Never part of the members' editions: only the companion reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studyguide.errors import SourceRef
from studyguide.model import Citation, Nodes


@dataclass(frozen=True)
class Activity:
    """One step of a meeting's plan: its minutes and what the group does."""

    minutes: int
    nodes: Nodes  # the activity's words (inline Markdown, as a paragraph)
    source: SourceRef


@dataclass(frozen=True)
class FacilitatorPart:
    """The facilitator's file for one chapter (facilitator/NN-slug.md): never shown to the
    members, and never part of their editions."""

    chapter_number: int  # the chapter it is for: the file's name is the chapter's
    path: Path
    meeting: int  # the meeting the chapter is discussed at (several chapters may share one)
    plan: tuple[Activity, ...]
    pointers: Mapping[int, Nodes]  # a question's number → what the facilitator should know
    notes: Nodes  # anything else, in the file's order
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Companion:
    """The facilitator's companion: a book's facilitator/ folder, read."""

    parts: tuple[FacilitatorPart, ...]
