"""A saved web page's furniture: what is left out of the text, and why, each piece said.

The rule, in the spirit of jusText and readability (docs/authoring.md gives it whole):

- elements: navigation, a header or footer outside the article, asides, forms, figures;
  an element whose role is navigation, banner, a dialog and the like; an element whose
  class or id names furniture (cookie, consent, breadcrumb, share, social, ad, pub,
  newsletter, subscribe, related, comments, byline, author, meta, tags, popup, sidebar,
  menu, …); and what --exclude SELECTOR (CSS) selects;
- blocks: a block that is mostly links (a menu, "read also"), a short line giving a reading
  time ("4 min de lecture"), an advertisement's label alone ("Publicité").

Scripts, styles, images and form controls are left out without a word: they hold no text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from studyguide.authoring.blocks import Block, Dropped, collapse
from studyguide.errors import BuildError

SILENT = {
    "head", "script", "style", "noscript", "template", "button", "select", "textarea",
    "iframe", "svg", "math", "canvas", "object", "embed", "img", "video", "audio", "map",
}  # fmt: skip
TAGS = {"nav", "header", "footer", "aside", "form", "figure", "dialog", "menu"}
ROLES = {
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog",
    "alertdialog", "menu", "menubar", "toolbar", "tablist", "alert",
}  # fmt: skip
# Words of a class or id that name furniture (each compared with a whole word of it).
WORDS = {
    "cookie", "cookies", "consent", "gdpr", "rgpd", "breadcrumb", "breadcrumbs", "ariane",
    "share", "sharing", "sharebar", "social", "ad", "ads", "advert", "adverts",
    "advertisement", "advertising", "pub", "publicite", "sponsor", "sponsored", "promo",
    "newsletter", "subscribe", "subscription", "signup", "related", "recommended", "readmore",
    "comments", "comment", "disqus", "byline", "author", "meta", "dateline", "readtime",
    "reading", "tags", "popup", "modal", "overlay", "sidebar", "widget", "menu", "navbar",
    "toolbar", "banner", "skip", "paywall",
}  # fmt: skip
AD_LABELS = {
    "publicité", "advertisement", "advertising", "anzeige", "werbung", "pubblicità",
    "publicidad", "publicidade", "sponsored", "annonce",
}  # fmt: skip
READING_TIME = re.compile(r"\b\d+\s*(?:min|mins|minutes?|mn|minuti|minutos)\b", re.IGNORECASE)
MOSTLY_LINKS = 0.5  # a block with at least this share of its letters in links is a list of them
SHORT_LINE = 12  # words: a reading-time line is short
_WORD = re.compile(r"[a-z0-9]+")


def _in_article(element: etree._Element) -> bool:
    return any(a.tag in ("article", "main") for a in element.iterancestors())


@dataclass
class Furniture:
    """The page's furniture, found as the page is walked; what was left out, in order."""

    # element → the --exclude that selects it (the elements are held: lxml gives a node the
    # same Python object only while one is alive)
    excluded: dict[Any, str] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)
    rule: bool = True  # the rule by names and words (off: --keep-furniture)

    @classmethod
    def of(cls, root: etree._Element, selectors: tuple[str, ...], rule: bool = True) -> Furniture:
        """The furniture rule (unless `rule` is off), with the elements --exclude selects."""
        if not selectors:
            return cls(rule=rule)
        import cssselect2

        wrapper = cssselect2.ElementWrapper.from_html_root(root)
        excluded: dict[Any, str] = {}
        for selector in selectors:
            try:
                compiled = cssselect2.compile_selector_list(selector)
            except cssselect2.SelectorError as exc:
                raise BuildError(
                    None,
                    f"--exclude '{selector}' is not a CSS selector ({exc.args[-1]})",
                    "give a selector such as '.share', '#comments' or 'div.ad'",
                    "import.option",
                ) from None
            found = [e.etree_element for e in wrapper.query_all(*compiled)]
            if not found:
                raise BuildError(
                    None,
                    f"--exclude '{selector}' selects nothing in the page",
                    "check the selector against the page's HTML (its class and id names)",
                    "import.option",
                )
            excluded.update((element, selector) for element in found)
        return cls(excluded, rule=rule)

    def left_out(self, element: etree._Element) -> bool:
        """Whether the element is furniture; said, if it holds any words."""
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in SILENT:
            return True
        reason = self._reason(element, tag)
        if reason:
            text = collapse(" ".join(element.itertext()))
            if any(char.isalnum() for char in text):
                self.dropped.append(Dropped(element.sourceline or 0, text, reason))
        return bool(reason)

    def _reason(self, element: etree._Element, tag: str) -> str:
        if element in self.excluded:
            return f"--exclude '{self.excluded[element]}'"
        if tag in TAGS and not (tag in ("header", "footer") and _in_article(element)):
            return f"<{tag}>"
        if not self.rule:
            return ""
        role = (element.get("role") or "").strip().lower()
        if role in ROLES:
            return f"role '{role}'"
        for attribute in ("class", "id"):
            value = element.get(attribute) or ""
            words = set(_WORD.findall(value.lower().replace("_", "-")))
            if words & WORDS:
                return f"{attribute} '{value.strip()}'"
        return ""

    def text_left_out(self, block: Block, element: Any) -> bool:
        """Whether a block of text is furniture by its words: mostly links, a reading time,
        an advertisement's label; said."""
        text = block.text
        reason = ""
        if not self.rule:
            return False
        letters = sum(char.isalnum() for char in text)
        linked = sum(
            char.isalnum() for a in element.iter("a") for char in collapse(a.text_content())
        )
        if letters and linked / letters >= MOSTLY_LINKS:
            reason = "mostly links"
        elif len(text.split()) <= SHORT_LINE and READING_TIME.search(text):
            reason = "a reading time"
        elif text.strip(" .:").casefold() in AD_LABELS:
            reason = "an advertisement's label"
        if reason:
            self.dropped.append(Dropped(block.line, text, reason))
        return bool(reason)
