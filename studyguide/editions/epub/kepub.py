"""The Kobo edition, the EPUB's variant: the EPUB with Kobo's sentence spans, as a `.kepub.epub`.

Kobo's sentence spans and wrappers are added by studyguide/render/kobo.py. Everything else is
the EPUB's: the same documents, page-break markers and page list, pop-up notes (a note's aside
still follows its call in the same file), fonts and cover.
"""

from __future__ import annotations

from typing import IO

from studyguide.editions import Edition, Job, Needs, register
from studyguide.editions import epub as epub_edition  # the package this variant belongs to
from studyguide.model import BookMeta
from studyguide.options import Options


def file_name(meta: BookMeta, options: Options) -> str:
    return f"{meta.slug}.kepub.epub"


def write(job: Job, prepared: epub_edition.Prepared, handle: IO[bytes]) -> None:
    from studyguide.render.documents import EpubDocument
    from studyguide.render.kobo import kobo_document

    def spans(d: EpubDocument) -> EpubDocument:
        return EpubDocument(d.file_name, d.title, kobo_document(d.xhtml), d.part)

    epub_edition.write(job, prepared, handle, spans, file_name(job.book.meta, job.options))


KEPUB = register(
    Edition(
        "kepub",
        "Kobo EPUB",
        "write the EPUB for Kobo readers (.kepub.epub, with Kobo's sentence spans)",
        file_name,
        write,
        needs=Needs.PAGE_MAP,
        prepare=epub_edition.prepare,
        check=epub_edition.check,
    )
)
