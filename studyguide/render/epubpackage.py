"""The layout's XHTML documents → a reproducible EPUB 3, packed with ebooklib's public API;
its font subsets and cover, kept in the build cache. Every edition that is an EPUB (the EPUB,
its Kobo variant, the parallel edition's) is packed here."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ebooklib import epub
from lxml import etree

from studyguide import __version__, cache
from studyguide.errors import BuildError
from studyguide.model import Book, Medium
from studyguide.render.documents import (
    EpubDocument,
    PageEntry,
    font_stylesheet,
    render_navigation,
    style_text,
)
from studyguide.render.typeface import Face
from studyguide.render.views import BookView, image_name

XHTML = "application/xhtml+xml"


def stylesheet(book: Book, faces: Sequence[Face], styles: Sequence[str] = ()) -> str:
    """The typeface's embedded faces, then base.css and epub.css (the book's own, if any),
    then `styles` (by name, as `style_text` finds them)."""
    return font_stylesheet(book, faces) + "".join(
        style_text(name, book.root) for name in ("base.css", "epub.css", *styles)
    )


def cover_image(book: Book, out: Path, date: dt.date) -> bytes:
    """The cover's PNG, from the build cache if it was drawn before."""
    from studyguide.render import cover
    from studyguide.render.typeface import find_faces

    faces = find_faces(book.meta.typeface)  # found and checked before the build began
    key = cache.digest(
        [__version__, repr(book.meta), date.isoformat(), *(str(f.path) for f in faces)]
    )
    return cache.get_or_make(
        cache.entry(out, "cover", key, ".png"),
        lambda: cover.render_cover(book, faces, date),
        cover.is_cover,
    )


def font_subsets(
    book: Book, out: Path, documents: Sequence[EpubDocument]
) -> list[tuple[Face, bytes]]:
    """Each face of the book's typeface, subset to the characters the documents show (from
    the build cache if it was made before)."""
    from studyguide.render.typeface import find_faces, is_font, subset_font

    text = visible_text(documents)
    fonts = []
    for face in find_faces(book.meta.typeface):
        stat = face.path.stat()
        key = cache.digest(
            [__version__, str(face.path), str(stat.st_size), str(stat.st_mtime_ns), text]
        )
        path = cache.entry(out, f"font-{face.stem}", key, ".ttf")
        fonts.append(
            (face, cache.get_or_make(path, lambda face=face: subset_font(face, text), is_font))
        )
    return fonts


def visible_text(documents: Sequence[EpubDocument]) -> str:
    """Every character the documents show: what the font subsets must cover."""
    text: set[str] = set()
    for document in documents:
        root = etree.fromstring(document.xhtml.encode("utf-8"))
        text.update("".join(root.itertext()))
    return "".join(sorted(text))


def build_epub_package(
    book: Book,
    documents: Sequence[EpubDocument],
    fonts: Sequence[tuple[Face, bytes]],
    pages: Sequence[PageEntry],
    cover_png: bytes | None,
    modified: dt.datetime,
    styles: Sequence[str] = (),
    page_source: str = "",
) -> bytes:
    """The EPUB's bytes: ebooklib packs it, then the zip is normalised for reproducibility.
    `styles` are stylesheets added after the EPUB's own, and `page_source` identifies the
    print edition the page numbers are from where it is not the book's (the parallel
    edition's). (Each document was checked to be well-formed where it was rendered.)"""
    package = epub.EpubBook()
    view = _metadata(package, book, modified)
    source = page_source or f"{book.meta.identifier}#print-edition"
    _accessibility_metadata(package, bool(pages), source, _summary(view), bool(book.figures))
    _resources(package, book, fonts, cover_png, styles)
    spine: list[object] = []
    for document in documents:
        item = epub.EpubItem(
            uid=document.file_name.removesuffix(".xhtml"),
            file_name=document.file_name,
            media_type=XHTML,
            content=document.xhtml.encode("utf-8"),
        )
        package.add_item(item)
        spine.append(item)
        if document.part == "titlepage":
            spine.append("nav")
    nav, ncx = render_navigation(book, list(pages), cover_png is not None)
    package.add_item(
        epub.EpubItem(
            uid="ncx",
            file_name="toc.ncx",
            media_type="application/x-dtbncx+xml",
            content=ncx.encode("utf-8"),
        )
    )
    nav_item = epub.EpubItem(
        uid="nav", file_name="nav.xhtml", media_type=XHTML, content=nav.encode("utf-8")
    )
    nav_item.properties = ["nav"]
    package.add_item(nav_item)
    package.spine = spine

    raw = io.BytesIO()
    epub.write_epub(raw, package, {"raise_exceptions": True, "mtime": modified})
    return normalise_zip(raw.getvalue(), modified, book.meta.language)


def _metadata(package: epub.EpubBook, book: Book, modified: dt.datetime) -> BookView:
    """Title, language, the texts' authors (with file-as) and translators, the editors, the
    publisher, the edition's date, subjects, sources and rights."""
    meta = book.meta
    view = BookView(book, [], [], meta.edition.date or modified.date())
    package.set_identifier(meta.identifier)
    package.set_title(meta.title)
    package.set_language(meta.language)
    if meta.direction == "rtl":  # the spine's page-progression-direction: pages turn leftwards
        package.set_direction("rtl")
    people = {p.name: p for text in meta.texts for p in text.authors}
    for number, person in enumerate(people.values(), start=1):
        # (file-as added here: ebooklib's own gives it the relators' scheme, which is a role's)
        package.add_author(person.name, role="aut", uid=f"creator-{number}")
        package.add_metadata(
            None, "meta", person.sort, {"refines": f"#creator-{number}", "property": "file-as"}
        )
    package.add_metadata("DC", "contributor", meta.edition.editors, {"id": "editor"})
    package.add_metadata(
        None, "meta", "edt", {"refines": "#editor", "property": "role", "scheme": "marc:relators"}
    )
    translators = dict.fromkeys(t.translator for t in meta.texts if t.translator)
    for number, name in enumerate(translators, start=1):
        package.add_metadata("DC", "contributor", name, {"id": f"translator-{number}"})
        package.add_metadata(
            None,
            "meta",
            "trl",
            {"refines": f"#translator-{number}", "property": "role", "scheme": "marc:relators"},
        )
    package.add_metadata("DC", "publisher", meta.edition.publisher)
    package.add_metadata("DC", "date", (meta.edition.date or modified.date()).isoformat())
    if meta.subtitle:
        package.add_metadata("DC", "description", meta.subtitle)
    for subject in meta.subjects:
        package.add_metadata("DC", "subject", subject)
    for text in meta.texts:
        if text.published:
            package.add_metadata("DC", "source", text.published.url or text.published.title)
    rights = [view.rights_line(text) for text in meta.texts] + [view.annotations_line()]
    package.add_metadata("DC", "rights", " ".join(rights))
    return view


def _resources(
    package: epub.EpubBook,
    book: Book,
    fonts: Sequence[tuple[Face, bytes]],
    cover_png: bytes | None,
    styles: Sequence[str] = (),
) -> None:
    """The stylesheet, the font subsets, the figures' images and the cover image."""
    package.add_item(
        epub.EpubItem(
            uid="css",
            file_name="styles/book.css",
            media_type="text/css",
            content=stylesheet(book, [face for face, _ in fonts], styles).encode("utf-8"),
        )
    )
    for face, data in fonts:
        package.add_item(
            epub.EpubItem(
                uid=f"font-{face.stem}",
                file_name=f"fonts/{face.stem}.ttf",
                media_type="font/ttf",
                content=data,
            )
        )
    for number, image in enumerate(book.images.values(), start=1):
        package.add_item(
            epub.EpubItem(
                uid=f"figure-image-{number}",
                file_name=image_name(image.path, Medium.EPUB),
                media_type=image.media_type,
                content=image.data,
            )
        )
    if cover_png is not None:
        cover = epub.EpubItem(
            uid="cover-image",
            file_name="images/cover.png",
            media_type="image/png",
            content=cover_png,
        )
        cover.properties = ["cover-image"]
        package.add_item(cover)
        package.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})


def _summary(view: BookView) -> str:
    titles = [f"“{text.title}”" for text in view.book.meta.texts]
    joined = (
        ", ".join(titles[:-1]) + f" {view.labels['and']} {titles[-1]}"
        if len(titles) > 1
        else titles[0]
    )
    return view.labels.format("summary_figures" if view.book.figures else "summary", titles=joined)


def _accessibility_metadata(
    package: epub.EpubBook, has_pages: bool, source: str, summary: str, figures: bool
) -> None:
    def add(prop: str, value: str) -> None:
        package.add_metadata(None, "meta", value, {"property": prop})

    add("schema:accessMode", "textual")
    if figures:  # pictures, each with a text alternative: the text alone suffices too
        add("schema:accessMode", "visual")
        add("schema:accessModeSufficient", "textual,visual")
    add("schema:accessModeSufficient", "textual")
    features = [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
    ]
    if has_pages:
        features += ["printPageNumbers", "pageBreakMarkers", "pageNavigation"]
    for feature in features:
        add("schema:accessibilityFeature", feature)
    add("schema:accessibilityHazard", "none")
    add("schema:accessibilitySummary", summary)
    add("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    if has_pages:
        # The page numbers' source, both ways: pageBreakSource (EPUB 3.3's default
        # vocabulary, unprefixed; EPUBCheck 5 rejects a11y:pageBreakSource) and dc:source.
        package.add_metadata("DC", "source", source)
        add("pageBreakSource", source)


def _with_package_language(opf: bytes, language: str) -> bytes:
    """xml:lang on the OPF's <package>, which ebooklib has no option for. Added to the start
    tag as written, not by parsing and writing the file again, which would write ebooklib's
    empty `<meta …></meta>` as `<meta …/>`. (`language` is a checked BCP 47 tag.)"""
    start = opf.index(b"<package ")
    end = opf.index(b">", start)
    return opf[:end] + f' xml:lang="{language}"'.encode("ascii") + opf[end:]


def normalise_zip(data: bytes, modified: dt.datetime, language: str) -> bytes:
    """The same entries in the same order with fixed timestamps; `mimetype` first, stored;
    the package's language declared."""
    stamp = (
        max(modified.year, 1980),
        modified.month,
        modified.day,
        modified.hour,
        modified.minute,
        modified.second // 2 * 2,
    )
    if modified.year > 2107:  # the last year a zip entry's date can hold
        stamp = (2107, 12, 31, 23, 59, 58)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    names.sort(key=lambda name: name != "mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(name)
            if name.endswith(".opf"):
                content = _with_package_language(content, language)
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


def check_packed(data: bytes, target: Path) -> None:
    if not data.startswith(b"PK"):
        raise BuildError(target, "the EPUB could not be packed", code="epub.pack")
