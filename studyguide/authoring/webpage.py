"""A web page (.html) → blocks, read with lxml: h1–h6 headings, paragraphs with their emphasis,
superscripts and web links. A page's furniture is left out, and each piece said (furniture.py:
navigation, cookie banners, share boxes, ads, newsletter boxes, bylines, lists of links)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from studyguide.authoring.blocks import Block, Dropped, Span, collapse, has_words
from studyguide.authoring.furniture import SILENT, TAGS, Furniture
from studyguide.errors import BuildError, SourceRef

MAX_PAGE_BYTES = 20_000_000
DROPPED = SILENT | TAGS  # (what page_title looks past)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Blocks that hold a paragraph's text, unless they hold other blocks.
TEXT_BLOCKS = {"p", "li", "dt", "dd", "pre", "td", "th", "caption", "figcaption", "address"}
CONTAINERS = {
    "html", "body", "main", "article", "section", "div", "blockquote", "ul", "ol", "dl",
    "table", "thead", "tbody", "tfoot", "tr", "details", "summary", "center", "hgroup",
    "fieldset", "hr", "header", "footer",
}  # fmt: skip
BLOCKS = TEXT_BLOCKS | CONTAINERS | set(HEADINGS)
STYLES = {"em": "em", "i": "em", "cite": "em", "strong": "strong", "b": "strong", "sup": "sup"}
STYLES["sub"] = "sub"
WEB_LINK = re.compile(r"(https?://|mailto:)[^\s<>]+", re.IGNORECASE)
_BREAK = "\n"  # a <br>: two in a row end a paragraph


def read_page(path: Path) -> etree._Element:
    """The page's element tree (UTF-8 unless the page says otherwise)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BuildError(
            path, f"cannot read the file: {exc.strerror}", code="import.read"
        ) from None
    if len(data) > MAX_PAGE_BYTES:
        raise BuildError(
            path,
            f"the page is {len(data):,} bytes, more than the limit of {MAX_PAGE_BYTES:,}",
            "save only the text's own page, or its text as .txt",
            "import.size",
        )
    encoding = "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        encoding = _declared_encoding(data, path, exc.start)  # None: let lxml guess
    parser = lxml_html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise BuildError(
            path, f"cannot read the page as HTML: {exc}", "save the page again", "import.html"
        ) from None
    stopped = [e for e in parser.error_log if e.level_name == "FATAL"]
    if stopped:  # libxml2 stops there, and would drop the rest of the page without a word
        deep = "depth" in stopped[0].message
        raise BuildError(
            SourceRef(path, stopped[0].line),
            "the page's elements are nested more than 255 deep here, and the rest of the "
            "page cannot be read"
            if deep
            else f"the page cannot be read past this point: {stopped[0].message}",
            "save the text's own part of the page as plain text (.txt), and import that",
            "import.html",
        )
    return root


_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def _declared_encoding(data: bytes, path: Path, bad: int) -> str | None:
    """The encoding the page declares (<meta charset>), if its bytes are in it; None if it
    declares none. A page that is not UTF-8 and not what it declares is refused: read as
    it says, it would give garbled or no text."""
    found = _DECLARED.search(data[:4096])
    if found is None:
        return None
    name = found[1].decode("ascii").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        codec = ""
    if codec.startswith(("utf-16", "utf-32")) or codec == "utf-8":
        problem = f"it says it is {name}, but it is neither that nor UTF-8"
    elif not codec:
        problem = f"it says it is in the encoding '{name}', which is not one Python knows"
    else:
        try:
            data.decode(codec)
            return codec
        except UnicodeDecodeError as exc:
            bad = exc.start
            problem = f"it says it is {name}, but this byte is not {name}"
    line = data.count(b"\n", 0, bad) + 1
    column = bad - (data.rfind(b"\n", 0, bad) + 1) + 1
    raise BuildError(
        SourceRef(path, line, column),
        f"the page's encoding is not what it says (byte 0x{data[bad]:02x}): {problem}",
        "save the page again as UTF-8 (in a browser: Save Page As…, or with an editor)",
        "import.encoding",
    )


def page_title(root: etree._Element) -> str:
    """The text's title: the page's only <h1> (outside its header, navigation and the like),
    else its <title>."""
    h1 = [h for h in root.iter("h1") if not any(a.tag in DROPPED for a in h.iterancestors())]
    if len(h1) == 1:
        return collapse(h1[0].text_content())
    title = root.find(".//title")
    return collapse(title.text_content()) if title is not None else ""


def _inline(
    element: etree._Element, styles: frozenset[str], href: str, furniture: Furniture
) -> list[Span]:
    """The spans of an element's text and its inline children's, in order."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "br":
        return [Span(_BREAK)]
    if furniture.left_out(element):
        return []
    styles = styles | {STYLES[tag]} if tag in STYLES else styles
    if tag == "a" and WEB_LINK.fullmatch(element.get("href", "").strip()):
        href = element.get("href", "").strip()
    spans = [Span(element.text, styles, href)] if element.text else []
    for child in element:
        spans += _inline(child, styles, href, furniture)
        if child.tail:
            spans.append(Span(child.tail, styles, href))
    return spans


def _paragraphs(spans: list[Span], line: int, kind: str, level: int) -> list[Block]:
    """A block's spans as blocks: a paragraph breaks where two <br> follow each other."""
    parts: list[list[Span]] = [[]]
    pending = 0  # <br>s since the last text
    for span in spans:
        if span.text == _BREAK:
            pending += 1
            continue
        if span.text.strip():
            if pending >= 2 and kind == "paragraph" and parts[-1]:
                parts.append([])
            elif pending:
                parts[-1].append(Span(" "))
            pending = 0
        parts[-1].append(span)
    text_of = ("".join(s.text for s in part) for part in parts)
    return [
        Block(tuple(part), line, kind, level)
        for part, text in zip(parts, text_of, strict=True)
        if has_words(text)
    ]


def _is_text_block(element: etree._Element) -> bool:
    return element.tag in HEADINGS or (
        element.tag in TEXT_BLOCKS
        and not any(isinstance(e.tag, str) and e.tag in BLOCKS for e in element.iterdescendants())
    )


def _blocks(element: etree._Element, out: list[Block], furniture: Furniture) -> None:
    """Walk a container: its block children in order, and the loose text between them as
    paragraphs of their own; furniture left out (and said)."""
    loose: list[Span] = [Span(element.text)] if element.text else []
    line = element.sourceline or 0

    def flush() -> None:
        out.extend(_paragraphs(loose, line, "paragraph", 0))
        loose.clear()

    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if furniture.left_out(child):
            pass
        elif _is_text_block(child):
            flush()
            kind, level = ("heading", HEADINGS[tag]) if tag in HEADINGS else ("paragraph", 0)
            spans = _inline(child, frozenset(), "", furniture)
            for block in _paragraphs(spans, child.sourceline or 0, kind, level):
                if not furniture.text_left_out(block, child):
                    out.append(block)
        elif tag in BLOCKS:
            flush()
            _blocks(child, out, furniture)
        else:
            if not loose:
                line = child.sourceline or line
            loose.extend(_inline(child, frozenset(), "", furniture))
        if child.tail:
            loose.append(Span(child.tail))
    flush()


def page_blocks(
    root: etree._Element, exclude: tuple[str, ...] = (), rule: bool = True
) -> tuple[list[Block], list[Dropped]]:
    """The page's headings and paragraphs (from its only <main>, else its only <article>,
    else its <body>), and what was left out of them, and why (`rule`: the furniture rule)."""
    furniture = Furniture.of(root, exclude, rule)
    mains = root.findall(".//main") or root.findall(".//article")
    body = mains[0] if len(mains) == 1 else root.find("body")
    if body is None:
        body = root
    out: list[Block] = []
    _blocks(body, out, furniture)
    return out, furniture.dropped + _outside(body)


def _outside(main: etree._Element) -> list[Dropped]:
    """What stands outside the page's <main> (or <article>): a piece for each element with
    words, beside it or beside the elements around it."""
    dropped = []
    for ancestor in [main, *main.iterancestors()]:
        if ancestor.tag in ("body", "html"):
            break
        for sibling in ancestor.itersiblings(preceding=True):
            if isinstance(sibling.tag, str) and sibling.tag not in SILENT:
                text = collapse(" ".join(sibling.itertext()))
                if has_words(text):
                    dropped.append(Dropped(sibling.sourceline or 0, text, f"outside <{main.tag}>"))
        for sibling in ancestor.itersiblings():
            if isinstance(sibling.tag, str) and sibling.tag not in SILENT:
                text = collapse(" ".join(sibling.itertext()))
                if has_words(text):
                    dropped.append(Dropped(sibling.sourceline or 0, text, f"outside <{main.tag}>"))
    return sorted(dropped, key=lambda d: d.line)
