"""The parts of a long print edition (parts.py) merged into one tagged PDF, with pikepdf.

Each part is a complete PDF/UA-1 file from WeasyPrint. The first part gives the merged file
its catalog (language, XMP metadata, viewer preferences), its document information and its
identifier; every part gives its pages, and what refers to them is joined up:

- the structure tree: each part's structure elements go under the first part's Document
  element, and the parent tree's keys (a page's StructParents, a link's StructParent) are
  moved up past the keys of the parts before;
- named destinations, in one name tree, and bookmarks, in one outline; the structure
  elements' IDs (the notes'), in one IDTree;
- links to another part (`ANCHOR_URI` + id) become links to that named destination, as
  WeasyPrint writes a link inside one document;
- each part's font subsets get subset tags of their own, as the PDF format asks of different
  subsets of one font in one file;
- a blank left-hand page goes where a part begins after a part that ends on a right-hand page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, NameTree, NumberTree, String

from studyguide.layout.parts import ANCHOR_URI


class Opened:
    """The parts' PDFs opened, and their font subsets given tags of their own, ahead of the
    merge: while the layout of other parts goes on, the build is idle (`open`). Each is kept
    by its place in the book and its bytes' digest, and merged if it is still that part's
    PDF in the end (`take`); one laid out again since is closed unused. A long book's parts
    are opened at the merge (past `AHEAD_BYTES` in all): not held through the layout."""

    AHEAD_BYTES = 8 * 1024 * 1024

    def __init__(self) -> None:
        self._opened: dict[tuple[int, str], pikepdf.Pdf] = {}
        self._bytes = 0

    def open(self, index: int, path: Path) -> None:
        """Open the `index`th part's PDF, at `path`, for the merge (unless too much is open)."""
        size = path.stat().st_size
        if self._bytes + size > self.AHEAD_BYTES:
            return
        data = path.read_bytes()
        key = (index, hashlib.sha256(data).hexdigest())
        if key not in self._opened:
            self._opened[key] = _opened(index, data)
            self._bytes += len(data)

    def take(self, index: int, path: Path) -> pikepdf.Pdf:
        """The `index`th part, from `path`: opened ahead if it was, else now."""
        data = path.read_bytes()
        found = self._opened.pop((index, hashlib.sha256(data).hexdigest()), None)
        return found if found is not None else _opened(index, data)

    def close(self) -> None:
        for pdf in self._opened.values():
            pdf.close()
        self._opened.clear()


def _opened(index: int, data: bytes) -> pikepdf.Pdf:
    pdf = pikepdf.open(io.BytesIO(data))
    if index:  # (the first part is the book's own file: its subsets keep their tags)
        _retag_font_subsets(pdf, index)
    return pdf


def merge(
    parts: Sequence[tuple[Path, bool]],
    output: BinaryIO,
    date: dt.datetime | None = None,
    folios: tuple[bytes, Sequence[bool]] | None = None,
    opened: Opened | None = None,
) -> None:
    """Merge `parts` (each a PDF and whether a blank page goes before it) into `output`,
    dated `date` (the parts are laid out undated, to be kept across builds), with the
    `folios` (their PDF, and which pages show one) stamped on the pages; the parts `opened`
    ahead taken from there."""
    opened = opened or Opened()
    try:
        with opened.take(0, parts[0][0]) as merged:
            if date is not None:
                _date(merged, date)
            tree = merged.Root.StructTreeRoot
            parent_tree = dict(NumberTree(tree.ParentTree).items())
            destinations = dict(NameTree(merged.Root.Names.Dests).items())
            element_ids = dict(NameTree(tree.IDTree).items()) if "/IDTree" in tree else {}
            for index, (path, blank_before) in enumerate(parts[1:], start=1):
                if blank_before:
                    _add_blank_page(merged)
                with opened.take(index, path) as part:
                    _append(merged, part, parent_tree, destinations, element_ids)
            _write_trees(merged, parent_tree, destinations, element_ids)
            _join_links(merged, set(destinations))
            if folios is not None:
                from studyguide.layout.folios import stamp

                # (the folios' face is one more subset of the book's fonts: a tag of its own)
                stamp(merged, *folios, retag=lambda pdf: _retag_font_subsets(pdf, len(parts)))
            merged.save(
                output,
                deterministic_id=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
            )
    finally:
        opened.close()


def _append(
    merged: pikepdf.Pdf,
    part: pikepdf.Pdf,
    parent_tree: dict,
    destinations: dict,
    element_ids: dict,
) -> None:
    """Append a part's pages, its structure elements under the book's document element, its
    destinations, element ids and outline, to the book."""
    document_element = merged.Root.StructTreeRoot.K[0]
    offset = max(parent_tree, default=-1) + 1
    first_page = len(merged.pages)
    with warnings.catch_warnings():  # the destinations are merged below, by name
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        merged.pages.extend(part.pages)
    for page in merged.pages[first_page:]:
        _move_struct_keys(page.obj, offset)
    part_tree = part.Root.StructTreeRoot
    part_document = part_tree.K[0]
    del part_document["/P"]  # not to copy the part's tree root along with it
    copied = merged.copy_foreign(part_document)
    for element in copied.K:
        element.P = document_element
        document_element.K.append(element)
    for key, value in NumberTree(_copied(merged, part, part_tree.ParentTree)).items():
        parent_tree[key + offset] = value
    for name, value in NameTree(_copied(merged, part, part.Root.Names.Dests)).items():
        destinations[name] = value
    if "/IDTree" in part_tree:
        for name, value in NameTree(_copied(merged, part, part_tree.IDTree)).items():
            element_ids[name] = value
    if "/Outlines" in part.Root:
        _append_outline(merged, merged.copy_foreign(part.Root.Outlines))
    _take_stream_data(merged, part)


def _write_trees(
    merged: pikepdf.Pdf, parent_tree: dict, destinations: dict, element_ids: dict
) -> None:
    """The merged book's parent tree, destinations and element ids, each sorted."""
    tree = merged.Root.StructTreeRoot
    _write_parent_tree(merged, tree, parent_tree)
    names = NameTree.new(merged)
    for name in sorted(destinations):
        names[name] = destinations[name]
    merged.Root.Names.Dests = names.obj
    if element_ids:
        ids = NameTree.new(merged)
        for name in sorted(element_ids):
            ids[name] = element_ids[name]
        tree.IDTree = ids.obj


def _date(pdf: pikepdf.Pdf, date: dt.datetime) -> None:
    """The file's creation and modification date, in its document information and its XMP
    metadata, as WeasyPrint writes them from the HTML's dcterms dates."""
    pdf.docinfo["/CreationDate"] = pdf.docinfo["/ModDate"] = String(
        date.strftime("D:%Y%m%d%H%M%SZ")
    )
    stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp


def _take_stream_data(merged: pikepdf.Pdf, part: pikepdf.Pdf) -> None:
    """Give the copies of a part's streams their data, still compressed, so that the part can
    be closed: qpdf would otherwise read it from the part when the merged file is written,
    and keep every part's objects in memory until then (twice the memory)."""
    for item in part.objects:
        if isinstance(item, pikepdf.Stream) and item.is_indirect:
            copy = merged.copy_foreign(item)
            copy.write(
                item.read_raw_bytes(),
                filter=copy.get("/Filter"),
                decode_parms=copy.get("/DecodeParms"),
            )


def _copied(merged: pikepdf.Pdf, part: pikepdf.Pdf, tree: pikepdf.Object) -> pikepdf.Object:
    """A part's name or number tree in the merged file, whole, in one copy: what it refers to
    that was copied already (pages, structure elements) is that copy. (Its entries are read
    from it and written into the book's own tree: the copy itself is left unreferenced, and
    is not written.)"""
    return merged.copy_foreign(tree if tree.is_indirect else part.make_indirect(tree))


def _move_struct_keys(page: Dictionary, offset: int) -> None:
    if "/StructParents" in page:
        page.StructParents = int(page.StructParents) + offset
    for annotation in page.get("/Annots", []):
        if "/StructParent" in annotation:
            annotation.StructParent = int(annotation.StructParent) + offset


def _write_parent_tree(merged: pikepdf.Pdf, tree: Dictionary, entries: dict) -> None:
    parent_tree = NumberTree.new(merged)
    for key in sorted(entries):
        parent_tree[key] = entries[key]
    tree.ParentTree = parent_tree.obj
    tree.ParentTreeNextKey = max(entries, default=-1) + 1


def _append_outline(merged: pikepdf.Pdf, outline: Dictionary) -> None:
    """Put a part's bookmarks after the merged file's, at the top level."""
    if "/First" not in outline:
        return
    if "/Outlines" not in merged.Root or "/First" not in merged.Root.Outlines:
        merged.Root.Outlines = outline
        return
    root = merged.Root.Outlines
    item = outline.First
    while True:
        item.Parent = root
        if "/Next" not in item:
            break
        item = item.Next
    root.Last.Next = outline.First
    outline.First.Prev = root.Last
    root.Last = outline.Last
    root.Count = int(root.Count) + int(outline.Count)


def _add_blank_page(merged: pikepdf.Pdf) -> None:
    """A blank page of the size of the last, as WeasyPrint leaves before a right-hand opener."""
    last = merged.pages[-1].obj
    media_box = [float(value) for value in last.MediaBox]
    page = merged.add_blank_page(page_size=(media_box[2], media_box[3]))
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if box in last:
            page.obj[box] = Array(list(last[box]))


def _join_links(merged: pikepdf.Pdf, destinations: set[str]) -> None:
    """Links to another part become internal links, written as WeasyPrint writes them."""
    for page in merged.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            if action is None or action.get("/S") != Name.URI:
                continue
            uri = str(action.URI)
            if not uri.startswith(ANCHOR_URI) or uri[len(ANCHOR_URI) :] not in destinations:
                continue
            name = uri[len(ANCHOR_URI) :]
            del annotation["/A"]
            annotation.Dest = String(name)
            annotation.Contents = String(name)


def _retag_font_subsets(part: pikepdf.Pdf, index: int) -> None:
    """Give the part's font subsets tags of their own (`ABCDEF+Name`): WeasyPrint derives a
    subset's tag from the font alone, so every part would use the same tag for a different
    subset of the same font."""
    done: set[tuple[int, int]] = set()
    for page in part.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            if font.objgen in done:
                continue
            done.add(font.objgen)
            named = [font, *font.get("/DescendantFonts", [])]
            for item in named:
                if "/BaseFont" in item:
                    item.BaseFont = Name(_retag(str(item.BaseFont), index))
                descriptor = item.get("/FontDescriptor")
                if descriptor is None or "/FontName" not in descriptor:
                    continue
                if descriptor.objgen not in done:
                    done.add(descriptor.objgen)
                    descriptor.FontName = Name(_retag(str(descriptor.FontName), index))


def _retag(name: str, index: int) -> str:
    """`/ABCDEF+Charis-SIL` → a new six-letter tag for part `index`; other names unchanged."""
    tag, plus, rest = name.lstrip("/").partition("+")
    if not plus or len(tag) != 6 or not tag.isupper():
        return name
    digest = hashlib.md5(f"{tag}:{index}".encode(), usedforsecurity=False).digest()
    return "/" + "".join(chr(65 + byte % 26) for byte in digest[:6]) + "+" + rest
