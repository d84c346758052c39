"""The print proof: `studyguide proof` finds nothing on the real book at every paper size and
single-sided, the same rules read independently from each PDF (pdfproof.py) agree, and each
defect the production editor found is gone from the real output."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pdfproof
import pymupdf
import pytest
from conftest import EPOCH

from support import ROOT, studyguide

EDITIONS = ["a4", "letter", "a5", "a4-one-sided"]


@pytest.fixture(scope="module", params=EDITIONS)
def print_build(request, print_builds):
    return print_builds[request.param]


def _paper(build) -> str:
    return build.options[build.options.index("--paper") + 1]


@pytest.fixture(scope="module")
def read_pages() -> Callable[[Path, str, bool], list[pdfproof.Page]]:
    """pdfproof.read_pages, each PDF read once for the module (a second of PyMuPDF for each
    of the real book's editions; the tests only read the pages they get)."""
    return functools.cache(pdfproof.read_pages)


def _pages(read_pages, build) -> list[pdfproof.Page]:
    """The pages of one of the print builds, read as the paper and sides it was built for."""
    return read_pages(build.pdf, _paper(build), "--no-blank-pages" in build.options)


def test_the_proof_finds_no_fault_at_any_paper_size(print_build):
    """The acceptance: `studyguide proof` on the default book, with the build's cache."""
    run = studyguide("proof", *print_build.options, "--out", print_build.out, env=EPOCH)
    assert run.code == 0, run.stdout + run.stderr
    assert re.fullmatch(r"proof: no faults on \d+ pages \([^)]+\)\n", run.stdout), run.stdout
    # after a build of the same sources and options, every part is read back, none laid out
    # again (a part's layouts of successive rounds once dropped each other from the cache)
    assert not re.search(r"laying out (front|ch-|back)", run.stderr), run.stderr


def test_the_pdf_read_on_its_own_has_no_fault_either(print_build, read_pages):
    """The same rules, from the PDF's text positions alone (PyMuPDF): they agree."""
    one_sided = "--no-blank-pages" in print_build.options
    pages = _pages(read_pages, print_build)
    assert pdfproof.faults(print_build.pdf, _paper(print_build), one_sided, pages) == []


def _page(
    number: int, lines: list[tuple[float, str]], notes_at: float | None = None
) -> pdfproof.Page:
    """A made-up A4 page: body lines (top, text) at 11 pt, one note from `notes_at`."""
    body = [pdfproof.Line(top, top + 16, 113, 400, 11, text) for top, text in lines]
    notes = [pdfproof.Line(notes_at, notes_at + 9, 113, 500, 9, "1. A note.")] if notes_at else []
    return pdfproof.Page(number, body, notes, [], [], notes_at or None, (113, 71, 524, 771))


def test_the_independent_check_finds_what_the_editor_found():
    """Not a blind check: a page whose text stops short of its notes (a hole), a word broken
    at a page's foot, a chapter's last page of two lines: each is found."""
    full = [(71 + 16 * i, f"line {i} of the text") for i in range(43)]  # the page, full
    hole = _page(5, full[:10], notes_at=700)
    broken = _page(6, [*full[:42], (743, "the statement names the dis\u00ad")])
    runt = _page(7, full[:2])
    found = pdfproof.check([hole, broken, runt], ends={7}, size=11)
    assert (5, "hole") in found and (6, "hyphen-page-turn") in found and (7, "runt") in found
    assert pdfproof.check([_page(5, full)], ends=set(), size=11) == []


# ------------------------------------------------------------------ the editor's defects


def test_no_line_of_the_real_book_is_broken_short(print_build, read_pages):
    """No line ends short before a word that would have fitted on it (the page before the
    fix: "…representatives accountable to / it.⁶", the note's call alone on a line)."""
    pages = _pages(read_pages, print_build)
    assert pdfproof.short_breaks(pages, pdfproof.body_size(pages)) == []


SESSIONS = (
    "Las Cortes de Cádiz debatieron cada artículo de la Constitución durante meses, y sus "
    "diarios de sesiones recogen las intervenciones de los diputados con detalle."
)
# Paragraphs of two calls, every fourth first note long: a paragraph goes over to the next
# page whole, with its notes, and leaves a hole. The makeup took the call on its second line
# for one on its first and broke the line before that call's word: "recogen / con /
# detalle.16".
NOTES_GOING_OVER = (
    '---\ntitle: "Notas"\nkind: back\n---\n\n'
    + "\n\n".join(
        f"Párrafo {n}: las Cortes de Cádiz debatieron cada artículo,[^a{n}] y sus actas lo "
        f"recogen con detalle.[^b{n}] El texto sigue un poco más para llenar la línea."
        for n in range(1, 13)
    )
    + "\n\n"
    + "\n\n".join(
        f"[^a{n}]: Nota breve {n} sobre el debate."
        + ("" if n % 4 else " Una nota larga sigue en la página siguiente. " * 14)
        + f"\n\n[^b{n}]: Otra nota, la {n}, sobre las actas de las sesiones."
        for n in range(1, 13)
    )
    + "\n"
)
# A last paragraph with a long note near the page's foot, then the questions: the note was
# split to make room for their heading, which then went over with the questions all the
# same; the split stayed, the last note went over away from its call, and the makeup broke
# the line before that call's word: "responden ante / ella.14".
NOTES_BEFORE_QUESTIONS = (
    '---\ntitle: "Notas"\nkind: back\n---\n\n'
    + "\n\n".join(f"Párrafo {n}: {SESSIONS}[^f{n}] {SESSIONS}" for n in range(1, 13))
    + f"\n\nÚltimo párrafo: {SESSIONS} Es necesario desarrollar el control de las Cortes sobre"
    " el gobierno,[^x] bajo el control de la asamblea y de los representantes que responden"
    " ante ella.[^y]\n\n"
    "::: questions\n1. ¿Qué pide el texto al gobierno, y en qué orden?\n"
    "2. ¿Cómo responde el texto a la objeción de que faltan recursos?\n"
    "3. ¿Qué dicen las comillas sobre el autor?\n:::\n\n"
    + "\n\n".join(f"[^f{n}]: Nota {n} sobre las sesiones." for n in range(1, 13))
    + "\n\n[^x]: "
    + "Una nota larga sobre el control de las Cortes. " * 8
    + "\n\n[^y]: La asamblea es el órgano que decide.\n"
)


@pytest.mark.parametrize(
    ("chapter", "begins_a_page"),
    [(NOTES_GOING_OVER, "Párrafo"), (NOTES_BEFORE_QUESTIONS, "Preguntas")],
    ids=["notes-going-over", "notes-before-questions"],
)
def test_no_line_is_broken_short_before_a_note_s_call(tmp_path, chapter, begins_a_page):
    """A small book whose notes fill the foot of its pages: no line ends short before a
    word that would have fitted on it, where the makeup or the continued notes are at work."""
    book = tmp_path / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "constitucion-1812", book)
    (book / "chapters" / "03-notas.md").write_text(chapter, encoding="utf-8")
    run = studyguide("build", "--pdf", "--out", tmp_path / "out", root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    pdf = tmp_path / "out" / "constitucion-1812.pdf"
    pages = pdfproof.read_pages(pdf, "a4")
    assert pdfproof.short_breaks(pages, pdfproof.body_size(pages)) == []
    # the case is there: a paragraph (or the questions' heading) went over to begin a page
    # (its first line, or its second after the running head), after a page of notes
    assert any(
        before.notes and any(line.startswith(begins_a_page) for line in text.split("\n")[:2])
        for before, text in zip(pages, _text(pdf)[1:], strict=False)
    )


# A glossary link's dotted underline is its border's foot (base.css): where it sits right, it
# is the font's descent below its word's baseline, one share of an em for every link (the
# link fonts are of one family), and never a fifth of an em down.
UNDERLINE_DROP_MAX = 0.2  # ems
UNDERLINE_DROP_SPREAD = 0.01  # ems: a tenth of a point at 11 pt


def _misplaced(underlines: list[pdfproof.Underline]) -> list[pdfproof.Underline]:
    """The underlines not at the usual drop below their word, or all if that is too low."""
    usual = Counter(round(u.drop, 3) for u in underlines).most_common(1)[0][0]
    if not 0 < usual < UNDERLINE_DROP_MAX:
        return underlines
    return [u for u in underlines if abs(u.drop - usual) > UNDERLINE_DROP_SPREAD]


def test_every_glossary_link_s_underline_sits_under_its_word(print_builds):
    """The flush-bottom stretch (layout/finishing.py) once grew the last line of a paragraph
    with the space after it, and with it a link's box: its underline was drawn as much lower
    than its word (Letter p. 23, "co-operatives" underlined in the space before ¶ 5)."""
    for build in print_builds.values():
        underlines = pdfproof.link_underlines(build.pdf)
        assert len(underlines) > 100, (build.name, underlines)  # the links are read
        assert _misplaced(underlines) == [], build.name


# Two paragraphs at the top of a page, the first ending with a glossary link: the page's
# room below is shared out, the space between them grows by half a line.
STRETCHED_PAGE = """<!DOCTYPE html><html lang="en"><head><style>
@page { size: 150mm 100mm; margin: 10mm }
body { font-family: "Charis SIL", serif; font-size: 11pt; line-height: 1.45 }
p { margin: 0 }
a.term { color: inherit; text-decoration: none; border-bottom: 1px dotted #777 }
</style></head><body>
<p id="p-1">The <a class="term" href="#g">government</a> signed deals with the
<a class="term" href="#g">co-operatives</a></p>
<p id="p-2">and with the bosses in the sector.</p>
<p id="g">A glossary entry.</p>
</body></html>"""


def test_a_stretched_page_keeps_each_underline_under_its_word(tmp_path):
    """The page's room shared out between its blocks moves the lines below each space
    down, and grows no line: the link that ends a paragraph keeps its underline."""
    from studyguide.layout import engine, finishing, geometry

    document = engine.lay_out_html(STRETCHED_PAGE, tmp_path)
    page = document.pages[0]
    before = geometry.read_page(page, 1)
    finishing.flush_bottom(page, before, geometry.body_line_height([before]))
    document.pages[:] = [type(p)(p._page_box) for p in document.pages]
    after = geometry.read_page(document.pages[0], 1)
    assert [line.text for line in after.lines][:2] == [
        "The government signed deals with the co-operatives",
        "and with the bosses in the sector.",
    ]
    assert after.lines[1].top > before.lines[1].top + 1  # the case: the page stretched
    pdf = tmp_path / "stretched.pdf"
    document.write_pdf(pdf)
    underlines = pdfproof.link_underlines(pdf)
    assert [u.word for u in underlines] == ["government", "co-operatives"]
    assert _misplaced(underlines) == []


def test_a_dotted_underline_is_one_line_of_the_dots_weasyprint_draws(tmp_path, monkeypatch):
    """The glossary links' dotted underline, drawn as one stroked line of round dots
    (layout/patches/borders.py): the page looks the same, dot for dot, as with WeasyPrint's
    own drawing, a clip path of Bézier circles, in a fraction of the file."""
    import weasyprint.draw
    from weasyprint.draw import border

    from studyguide.layout import engine
    from studyguide.layout.patches import borders

    engine.prepare()
    assert weasyprint.draw.draw_border is not border.draw_border, "the patch is not applied"
    pdfs = {}
    for name in ("patched", "weasyprint"):
        if name == "weasyprint":  # (and not wrapped again when the next layout prepares)
            monkeypatch.setattr(weasyprint.draw, "draw_border", border.draw_border)
            monkeypatch.setattr(borders, "apply", list)
        pdfs[name] = tmp_path / f"{name}.pdf"
        engine.lay_out_html(STRETCHED_PAGE, tmp_path).write_pdf(pdfs[name])
    pixels = {}
    for name, pdf in pdfs.items():  # (poppler, as pdftoppm renders it)
        render = ["pdftoppm", "-r", "300", "-gray", "-singlefile", pdf, pdf.with_suffix("")]
        subprocess.run(render, check=True)
        pixels[name] = pdf.with_suffix(".pgm").read_bytes()
    assert len(pixels["patched"]) > 2_000_000  # (150 × 100 mm at 300 dpi)
    assert pixels["patched"] == pixels["weasyprint"]
    assert pdfs["patched"].stat().st_size < pdfs["weasyprint"].stat().st_size
    assert [u.word for u in pdfproof.link_underlines(pdfs["patched"])] == [
        "government",
        "co-operatives",
    ]


def _text(pdf: Path) -> list[str]:
    with pymupdf.open(pdf) as document:
        return [page.get_text() for page in document]


def test_no_word_is_broken_across_a_page_turn(print_builds, read_pages):
    for build in print_builds.values():
        for page in _pages(read_pages, build):
            if page.lines:
                last = page.lines[-1].text.rstrip()
                assert not last.endswith(pdfproof.HYPHENS), (build.name, page.number, last)


def test_running_heads_are_on_one_line_and_one_sided_without_blank_pages(print_builds, read_pages):
    for build in print_builds.values():
        for page in _pages(read_pages, build):
            assert len({round(line.top) for line in page.heads}) <= 1, (build.name, page.number)
    one_sided = print_builds["a4-one-sided"]
    for page in read_pages(one_sided.pdf, "a4", True):
        for head in page.heads:  # every head set to the text's right edge, as on a recto
            assert abs(head.right - page.area[2]) < 2, (page.number, head.text)


def test_paragraph_numbers_stand_in_the_outer_margin(print_builds, read_pages):
    """¶ numbers: right of the text on right-hand pages (and every single-sided page), left
    of it on left-hand pages."""
    for build in (print_builds["a4"], print_builds["a4-one-sided"]):
        one_sided = "--no-blank-pages" in build.options
        areas = [page.area for page in read_pages(build.pdf, "a4", one_sided)]
        with pymupdf.open(build.pdf) as document:
            checked = Counter()
            for index, page in enumerate(document):
                number = index + 1
                area = areas[index]
                for block in page.get_text("dict")["blocks"]:
                    for line in block.get("lines", []):
                        text = "".join(s["text"] for s in line["spans"]).strip()
                        grey = all(s["color"] == 0x6B6B6B for s in line["spans"])
                        if not (text.isdigit() and grey):
                            continue
                        outer_right = one_sided or number % 2 == 1
                        if outer_right:
                            assert line["bbox"][0] >= area[2], (build.name, number, text)
                        else:
                            assert line["bbox"][2] <= area[0], (build.name, number, text)
                        checked[outer_right] += 1
            assert checked[True] > 5 and (one_sided or checked[False] > 0), checked
            assert one_sided or checked[True] + checked[False] > 20


def test_the_sources_list_is_in_chicago_style(built):
    pages = _text(built.pdf)
    sources = " ".join(
        pages[
            pages.index(
                next(p for p in pages if "Sources for the notes\n" in p and "Aguirre" in p)
            ) :
        ]
    )
    flat = " ".join(sources.split())
    assert "n.d.." not in flat and "Corp.." not in flat and ".." not in flat.replace("...", "")
    assert "ccrjustice.org./" not in flat
    for line in sources.splitlines():  # no URL broken right after its scheme or at a hyphen
        assert not line.rstrip().endswith(("https://", "http://")), line
        assert not re.search(r"[a-z]-$", line.rstrip()), line
    with pymupdf.open(built.pdf) as document:  # a bracketed description is roman
        for page in document:
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        if span["text"].startswith("[Report"):
                            assert not span["flags"] & 2, span["text"]  # not italic


def url_links(pdf: Path) -> list[tuple[int, str, int, str]]:
    """Each link to a URL: its page, URI, line (the middle of its rectangle) and the text
    whose words lie on it, without spaces."""
    found = []
    with pymupdf.open(pdf) as document:
        for page in document:
            words = page.get_text("words")
            for link in page.get_links():
                if link.get("uri", "").startswith("http"):
                    box = link["from"]
                    under = [
                        w[4]
                        for w in words
                        if box.contains(pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2))
                    ]
                    found.append(
                        (page.number, link["uri"], round((box.y0 + box.y1) / 2), "".join(under))
                    )
    return found


def test_each_url_is_one_run_of_text_and_one_link_a_line(built):
    """A URL in print is one run of text, its break points characters that show nothing (a
    span a piece and an element a break made the sources list three times as long to lay
    out): each line of it is one link, and reads back as a piece of the URL."""
    links = url_links(built.pdf)
    assert len({uri for _, uri, _, _ in links}) > 100
    lines = Counter((page, uri, line) for page, uri, line, _ in links)
    assert set(lines.values()) == {1}, [key for key, count in lines.items() if count > 1][:3]
    for _, uri, _, text in links:
        assert text and text in uri, (uri, text)


def test_people_in_the_glossary_are_headed_surname_first(built):
    text = " ".join(" ".join(_text(built.pdf)).split())
    assert "Dalence, Guillermo" in text and "Sánchez de Lozada, Gonzalo" in text
    assert "Morales, Evo" in text


def _printed_lines(page: pymupdf.Page) -> list[str]:
    """The page's lines as a reader sees them: spans at one height joined left to right."""
    rows: dict[int, list[tuple[float, str]]] = {}
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            for span in line["spans"]:
                rows.setdefault(round(span["bbox"][3]), []).append((span["bbox"][0], span["text"]))
    return ["".join(text for _, text in sorted(rows[y])).strip() for y in sorted(rows)]


def test_contents_entries_are_balanced_and_never_broken_at_a_compound_s_hyphen(print_builds):
    for build in print_builds.values():
        with pymupdf.open(build.pdf) as document:
            page = next(p for p in document if "Contents" in p.get_text()[:200])
            lines = _printed_lines(page)
        entry: list[str] = []
        for line in lines[1:]:  # (after the heading)
            assert not re.search(r"\w-$", line), (build.name, line)
            entry.append(re.sub(r"^\d+\.\s*", "", line).rstrip(" .0123456789"))
            if re.search(r"\d$", line):  # its page number ends an entry
                if len(entry) > 1:
                    lengths = [len(text) for text in entry]
                    assert min(lengths) >= 0.4 * max(lengths), (build.name, entry)
                entry = []


def test_the_colophon_is_in_sentences(built):
    colophon = " ".join(_text(built.pdf)[1].split())
    assert "This edition is set in Charis SIL." in colophon
    assert "were written for this edition." in colophon
    assert colophon.count("reproduced") == 1
    title_page = " ".join(_text(built.pdf)[0].split())
    assert "by the studyguide project" in title_page


# ------------------------------------------------------------------ the handout


def test_the_handout_shares_each_page_among_its_questions(handout):
    pdf = handout  # (conftest's, made by the `handout` command once for the run)
    pages = pdfproof.read_pages(pdf, "a4")
    for page in pages:
        text = "\n".join(line.text for line in page.lines)
        questions = len(re.findall(r"^\d+\. ", text, re.M))
        if not questions:
            continue
        assert len(page.rules) >= 3 * questions, page.number
        assert page.area[3] - max(page.rules) < 22, page.number  # no room for one more line
    head = " ".join(_text(pdf)[0].split()).split("Part 1")[0]
    assert "Discussion questions" in head
    assert not re.search(r"\b(19|20)\d\d\b", head), head  # no date without --date


def test_the_handout_is_dated_with_the_meeting_s_date_only(tmp_path):
    """The `handout` command, with a meeting's date (without one, test_the_handout_shares…
    finds no date in `build --handout`'s)."""
    run = studyguide("handout", "--date", "2026-12-10", "--out", tmp_path, env=EPOCH)
    assert run.code == 0, run.stderr
    assert run.stdout.split() == [str(tmp_path / "huanuni-study-guide-questions.pdf")]
    text = " ".join(_text(Path(run.stdout.split()[-1]))[0].split())
    assert "10 December 2026" in text and "2006" not in text.split("Part")[0]
    bad = studyguide("handout", "--date", "10/12/2026", "--out", tmp_path)
    assert bad.code == 2 and "YYYY-MM-DD" in bad.stderr
