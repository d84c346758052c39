"""Three quadratic costs of WeasyPrint (70) and pydyf (0.13), and one repeated cost, removed
without changing output (the repeated one: selectors compiled again for each document).

They are applied before a layout; each checks that the code it replaces is the version it
was written against (a digest of its source), and leaves a different version alone with a
warning: the output is then the same, only long books lay out slowly again. pyproject.toml
pins the versions. The tests check that each patch applies, and that the book's PDF is
byte-identical with and without them; the benchmark shows the effect: at 100 times the
article, time had grown as pages × page references.
"""

from __future__ import annotations

import copy
from typing import Any

from studyguide.layout.patches import log, source_digest

# Digests of the sources replaced here, as shipped in WeasyPrint 70.0 and pydyf 0.13.0.
_EXPECTED_TARGETS = "545eb30bb50f0e49"
_EXPECTED_REFERENCES = "060bf90aad55931b"
_EXPECTED_CONTEXT = "f687f507fee8883e"
_EXPECTED_SELECTORS = "ea4f95aed7efbad8"  # cssselect2 0.10's compile_selector_list


def _skipped(name: str, library: str) -> bool:
    log.warning(
        "studyguide: %s is not the version the %s patch was written for; the patch is "
        "skipped (same output, but long books lay out slowly): install from requirements.lock",
        library,
        name,
    )
    return False


def remember_page_references() -> bool:
    """pydyf's `PDF.page_references` rebuilds a tuple of every page on each read, and
    WeasyPrint's PDF/UA tagging reads it once per tagged box. Keep the tuple until a page
    is added; what it returns is unchanged."""
    import pydyf

    if getattr(pydyf.PDF, "_studyguide_cached_references", False):
        return True
    if source_digest(pydyf.PDF.page_references.fget) != _EXPECTED_REFERENCES:
        return _skipped("page references", f"pydyf {pydyf.__version__}")

    def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_page_references")
        if cached is None or cached[0] != len(kids):
            references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
            cached = pdf.__dict__["_page_references"] = (len(kids), references)
        return cached[1]

    pydyf.PDF.page_references = property(page_references)
    pydyf.PDF._studyguide_cached_references = True
    return True


def _lookups_for(self: Any, anchor_name: str) -> list[tuple[Any, Any]]:
    """The counter lookups that wait for `anchor_name`, in the collector's order (indexed
    once, again whenever lookups were added)."""
    index = self.__dict__.get("_studyguide_index")
    if index is None or index[0] != len(self.counter_lookup_items):
        by_anchor: dict[str, list[tuple[Any, Any]]] = {}
        for key, item in self.counter_lookup_items.items():
            if key[1] != "content":
                continue
            for name in item.missing_target_counters:
                by_anchor.setdefault(name, []).append((key, item))
        index = self.__dict__["_studyguide_index"] = (
            len(self.counter_lookup_items),
            by_anchor,
        )
    return index[1].get(anchor_name, [])


def index_target_counters() -> bool:
    """WeasyPrint's TargetCollector, when a target's page becomes known, walks every
    counter lookup of the document to find the few that refer to that target: pages ×
    references in all. Index the lookups by target once pagination starts (they are only
    collected before it) and walk just those, in the same order, doing the same work."""
    import weasyprint
    from weasyprint.css import targets

    collector = targets.TargetCollector
    original = collector.cache_target_page_counters
    if getattr(original, "_studyguide", False):
        return True
    if source_digest(original) != _EXPECTED_TARGETS:
        return _skipped("target counters", f"WeasyPrint {weasyprint.__version__}")

    def cache_target_page_counters(
        self: Any,
        anchor_name: str,
        page_counter_values: Any,
        page_maker_index: int,
        page_maker: Any,
    ) -> None:
        if self.collecting:
            return
        item = self.target_lookup_items.get(anchor_name)
        if item and item.state == "up-to-date":
            item.page_maker_index = page_maker_index
            if item.cached_page_counter_values != page_counter_values:
                item.cached_page_counter_values = copy.deepcopy(page_counter_values)
                for _, lookup in _lookups_for(self, anchor_name):
                    missing_counters = lookup.missing_target_counters.get(anchor_name)
                    if missing_counters is None:
                        continue
                    if lookup.page_maker_index is None or lookup.page_maker_index >= len(
                        page_maker
                    ):
                        lookup.pending = True
                        continue
                    for counter_name in missing_counters:
                        if page_counter_values.get(counter_name) is not None:
                            remake_state = page_maker[lookup.page_maker_index][-1]
                            remake_state["content_changed"] = True
                            lookup.parse_again(lookup.cached_page_counter_values)
                            break

    cache_target_page_counters._studyguide = True  # type: ignore[attr-defined]
    collector.cache_target_page_counters = cache_target_page_counters
    return True


class FootnoteList(list):
    """A list whose `in` takes constant time: WeasyPrint asks, for every box of every line,
    whether its footnote (most often None) is among the notes still waiting, a list of all
    the book's notes. Boxes compare by identity, so an index of ids answers the same."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self._ids: dict[int, int] = {}
        for item in self:
            self._ids[id(item)] = self._ids.get(id(item), 0) + 1

    def __contains__(self, item: object) -> bool:
        return id(item) in self._ids

    def append(self, item: Any) -> None:
        super().append(item)
        self._ids[id(item)] = self._ids.get(id(item), 0) + 1

    def remove(self, item: Any) -> None:
        for index, present in enumerate(self):  # the first equal item, as list.remove
            if present is item:
                super().__delitem__(index)
                count = self._ids[id(item)] - 1
                if count:
                    self._ids[id(item)] = count
                else:
                    del self._ids[id(item)]
                return
        super().remove(item)  # raises ValueError as a list would

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._reindex()

    def _reindex(self) -> None:
        self._ids = {}
        for item in self:
            self._ids[id(item)] = self._ids.get(id(item), 0) + 1

    def copy(self) -> FootnoteList:
        return FootnoteList(self)

    # copy.copy would share the index (the instance's __dict__) between the two lists.
    def __copy__(self) -> FootnoteList:
        return FootnoteList(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> FootnoteList:
        return FootnoteList(copy.deepcopy(list(self), memo))

    # Whatever else changes the list keeps the index right, if slowly.
    def extend(self, items: Any) -> None:
        super().extend(items)
        self._reindex()

    def insert(self, index: Any, item: Any) -> None:
        super().insert(index, item)
        self._reindex()

    def pop(self, index: Any = -1) -> Any:
        item = super().pop(index)
        self._reindex()
        return item

    def clear(self) -> None:
        super().clear()
        self._ids = {}

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._reindex()

    def __iadd__(self, items: Any) -> FootnoteList:
        self.extend(items)
        return self


def index_footnotes() -> bool:
    """Give each layout's list of waiting footnotes constant-time membership."""
    import weasyprint
    from weasyprint import layout

    context = layout.LayoutContext
    original = context.__init__
    if getattr(original, "_studyguide", False):
        return True
    if source_digest(original) != _EXPECTED_CONTEXT:
        return _skipped("footnote list", f"WeasyPrint {weasyprint.__version__}")

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if type(self.footnotes) is list and not self.footnotes:
            self.footnotes = FootnoteList()

    __init__._studyguide = True  # type: ignore[attr-defined]
    context.__init__ = __init__
    return True


def remember_selectors() -> bool:
    """WeasyPrint compiles each selector of a stylesheet into Python source and evaluates it,
    for each document laid out: a book laid out in parts, or a process that lays out one book
    after another (the preview, the tests), compiled the same few hundred selectors again and
    again. Keep each selector list compiled, by its text, for the process (a compiled selector
    is not changed once made)."""
    import cssselect2
    import tinycss2
    from weasyprint.css import validation

    original = validation.compile_selector_list
    if getattr(original, "_studyguide", False):
        return True
    if source_digest(original) != _EXPECTED_SELECTORS:
        return _skipped("selectors", f"cssselect2 {cssselect2.__version__}")
    compiled: dict[tuple[str, tuple], list[Any]] = {}

    def compile_selector_list(tokens: Any, namespaces: dict | None = None) -> list[Any]:
        text = tokens if isinstance(tokens, str) else tinycss2.serialize(tokens)
        key = (text, tuple(sorted((namespaces or {}).items(), key=repr)))
        if key not in compiled:
            compiled[key] = original(tokens, namespaces)
        return list(compiled[key])

    compile_selector_list._studyguide = True  # type: ignore[attr-defined]
    validation.compile_selector_list = compile_selector_list
    return True


PATCHES = {
    "page references": remember_page_references,
    "target counters": index_target_counters,
    "footnote list": index_footnotes,
    "selectors": remember_selectors,
}


def apply() -> list[str]:
    """Apply every patch that fits the installed versions; the names of those applied."""
    return [name for name, patch in PATCHES.items() if patch()]
