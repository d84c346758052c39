"""The print edition's typography, read back from the real PDF with poppler: word breaks,
headings and openers, notes, answer lines, paragraph numbers, tags, copied text, and the
one-sided option."""

from __future__ import annotations

import itertools
import re
import shutil
import statistics
import subprocess
from collections import Counter

import pdfproof
import pikepdf
import pytest
from pdfwords import SOFT_HYPHEN, Line, figure_boxes, inside, pdf_lines, ruled_rows

from support import ROOT, studyguide

EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
TEXT_PT = 11  # the A4 edition's text size (paper-a4.css)
PNUM_GREY = 0x6B6B6B  # the ¶ numbers' colour (print.css)


@pytest.fixture(scope="session")
def book():
    from studyguide.sources.book import load_book

    return load_book(ROOT)


@pytest.fixture(scope="session")
def lines(built) -> list[list[Line]]:
    return pdf_lines(built.pdf)


@pytest.fixture(scope="session")
def text_height(lines) -> float:
    """The height poppler gives a word of the text (the commonest)."""
    heights = Counter(round(w.height, 2) for page in lines for ln in page for w in ln.words)
    return heights.most_common(1)[0][0]


@pytest.fixture(scope="session")
def openers(built, book) -> dict[str, int]:
    """Where the contents, each chapter and the glossary begin (the PDF's named destinations,
    read once: pypdf takes half a second of CPU over the real book's)."""
    from pypdf import PdfReader

    reader = PdfReader(built.pdf)
    pages = {
        name: reader.get_destination_page_number(dest) + 1
        for name, dest in reader.named_destinations.items()
    }
    ids = ["contents", *(c.id for c in book.chapters), "glossary"]
    ids += ["references"] if book.references else []
    return {i: pages[i] for i in ids}


# ------------------------------------------------------------------ word breaks


def _breaks(lines: list[list[Line]]) -> list[tuple[int, Line, Line]]:
    """(page, line, next line of its block) for each line that ends in a hyphen."""
    found = []
    for number, page in enumerate(lines, start=1):
        for index, line in enumerate(page):
            # the next line of its block below it: not a ¶ number beside it, nor note calls
            # (poppler gives each a line of its own)
            after = next(
                (
                    a
                    for a in page[index + 1 :]
                    if a.y0 > line.y0 + 1 and not all(w.text.isdigit() for w in a.words)
                ),
                None,
            )
            if line.hyphenated and after is not None and after.block == line.block:
                found.append((number, line, after))
    return found


def test_words_break_only_where_the_rules_allow(lines):
    """A soft-hyphen break: not in a capitalised word, not inside either part of a
    compound, three letters at least on each side, never the paragraph's last word."""
    breaks = [(p, a, b) for p, a, b in _breaks(lines) if a.text.endswith(SOFT_HYPHEN)]
    assert 10 < len(breaks) < 60  # the mechanical hyphenation made 118
    for page, line, after in breaks:
        head = line.words[-1].text.rstrip(SOFT_HYPHEN)
        tail = after.words[0].text
        word = re.sub(r"^\W+|\W+$", "", head + tail)
        where = f"p. {page}: {head}-{tail}"
        assert word[:1].islower(), f"a capitalised word is broken, {where}"
        assert "-" not in word, f"a compound is broken inside a part, {where}"
        assert len(re.sub(r"\W", "", head)) >= 3, where
        assert len(re.sub(r"\W", "", tail)) >= 3, where
        assert len(after.words) > 1, f"the last word of a paragraph is broken, {where}"


def test_no_more_than_two_hyphenated_lines_in_a_row(lines):
    for number, page in enumerate(lines, start=1):
        run = 0
        for line, after in itertools.pairwise(page):
            run = run + 1 if line.hyphenated and after.block == line.block else 0
            assert run <= 2, f"p. {number}: three hyphenated lines in a row, up to {line.text!r}"


def test_no_hyphenation_on_the_title_page_or_in_headings(lines, text_height):
    assert not any(line.hyphenated for line in lines[0]), "the title page is hyphenated"
    for number, page in enumerate(lines, start=1):
        for line in page:
            if line.height > 1.2 * text_height:  # a heading's line
                assert not line.text.endswith(SOFT_HYPHEN), f"p. {number}: {line.text}"


def test_copied_text_has_no_hard_hyphens_at_line_ends(built):
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(built.pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "\u2010" not in text  # the hyphen WeasyPrint adds
    assert text.count(SOFT_HYPHEN + "\n") > 10  # copied as soft hyphens (ActualText)


def test_names_of_the_glossary_are_never_split(lines, book):
    """No line (nor page) ends inside a name such as "Cerro Posokoni"."""
    from studyguide.render.typeset import Typesetter

    names = Typesetter.for_book("en", [n for t in book.glossary for n in (t.term, *t.aliases)])
    assert "Cerro Posokoni" in names.names
    flat = [line for page in lines for line in page]
    for name in names.names:
        words = name.split(" ")
        for cut in range(1, len(words)):
            head = re.compile(r"(^|\s)" + re.escape(" ".join(words[:cut])) + "$")
            tail = re.compile("^" + re.escape(" ".join(words[cut:])) + r"(\W|$)")
            for line, after in itertools.pairwise(flat):
                split = head.search(line.text) and tail.match(after.text)
                assert not split, f"{name!r} is split: {line.text!r} / {after.text!r}"


# A name held together by no-break spaces at the start of an inline box (a glossary link,
# here an emphasis), after a run of short words that moves it along the line's end from one
# paragraph to the next: it fits whole, or is hyphenated, or goes over whole.
GROUP = "control\u00a0obrero\u00a0colectivo"
BEFORE_GROUP = "dieron el "
_FILLER = "de la ley y el rey de las Cortes en su sede y la ley del rey de la ley"
ZONE_CHAPTER = (
    '---\ntitle: "Zona"\nkind: back\n---\n\n'
    + "\n\n".join(
        f"Las Cortes {' '.join(_FILLER.split()[: 8 + n // 2])}{' y' * (n % 2)} "
        f"{BEFORE_GROUP}*{GROUP}* a la junta, y el texto sigue."
        for n in range(24)
    )
    + "\n"
)


def test_a_name_that_cannot_fit_whole_is_hyphenated_where_its_line_would_end_short(tmp_path):
    """The hyphenation zone (a soft hyphen only where the line would otherwise end more than
    12 % of its measure short), both ways, where the line's last box begins with a name that
    cannot break before the line's end. The zone's test took the name's width beyond the
    line for a negative shortfall and refused the hyphen: "as a step towards / workers’
    collective control", a line a quarter short in the real book."""
    book = tmp_path / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "constitucion-1812", book)
    (book / "chapters" / "03-zona.md").write_text(ZONE_CHAPTER, encoding="utf-8")
    run = studyguide("build", "--pdf", "--out", tmp_path / "out", root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    seen = Counter()
    for page in pdfproof.read_pages(tmp_path / "out" / "constitucion-1812.pdf", "a4"):
        left, _, right, _ = page.area
        zone = pdfproof.ZONE * (right - left)  # of the paragraph's measure, the text area's
        for line, after in itertools.pairwise(page.lines):
            text = "".join(c for c, _, _ in line.chars).rstrip()
            if after.block != line.block or BEFORE_GROUP not in text + " ":
                continue
            spaces = [x1 - x0 for c, x0, x1 in line.chars if c == " "]
            where = f"p. {page.number}: {text[-40:]!r} / {after.text[:20]!r}"
            if after.text.startswith(GROUP[:3]):  # the name went over whole
                # the line ends before it: the hyphen was refused, the line less than the
                # zone short (its first part, "con-", is far narrower than the zone)
                assert not text.endswith(pdfproof.HYPHENS), where
                assert right - line.right <= zone + min(spaces) + 0.5, where
                seen["over"] += 1
            elif text.endswith(pdfproof.HYPHENS):  # hyphenated: without, it would end short
                end = text.rindex(BEFORE_GROUP) + len(BEFORE_GROUP.rstrip())
                assert right - line.chars[end - 1][2] > zone, where
                seen["hyphenated"] += 1
            else:
                assert GROUP in text, where  # whole on the line
                seen["whole"] += 1
    # every case is there: the name whole, hyphenated (at either of its soft hyphens), and
    # gone over with its line less than the zone short
    assert seen["whole"] >= 3 and seen["hyphenated"] >= 3 and seen["over"] >= 3, seen


# ------------------------------------------------------------------ headings and openers


def test_headings_are_balanced(lines, text_height):
    checked = 0
    for number, page in enumerate(lines, start=1):
        headings: dict[int, list[Line]] = {}
        for line in page:
            if line.height > 1.2 * text_height:
                headings.setdefault(line.block, []).append(line)
        for heading in headings.values():
            if len(heading) < 2:
                continue
            widths = [line.x1 - line.x0 for line in heading]
            assert len(heading[-1].words) > 1, f"p. {number}: {heading[-1].text!r} alone"
            assert min(widths) > 0.6 * max(widths), f"p. {number}: {[h.text for h in heading]}"
            checked += 1
    assert checked >= 4


def test_every_opener_sets_its_title_at_one_height(openers, lines):
    tops = {}
    for element_id, page in openers.items():
        title = max(lines[page - 1], key=lambda line: line.height)
        tops[element_id] = round(title.y0, 1)
    assert len(set(tops.values())) == 1, tops


def test_no_rule_at_the_top_of_a_page(built):
    """The questions' rule stands over their heading, except where the heading opens a page:
    there no rule stands under the running head."""
    import pymupdf

    tops = 0
    with pymupdf.open(built.pdf) as document:
        for page in document:
            found = [  # the heading: a line of its own (the colophon names them in a sentence)
                pymupdf.Rect(line["bbox"])
                for block in page.get_text("dict")["blocks"]
                for line in block.get("lines", [])
                if "".join(span["text"] for span in line["spans"]).strip() == "Discussion questions"
            ]
            if not found:
                continue
            heading = found[0]
            strokes = [
                d["rect"]
                for d in page.get_drawings()
                if d["rect"].width > 200 and d["rect"].y0 < heading.y0 and d["rect"].y1 > 60
            ]
            lines = [b for b in page.get_text("dict")["blocks"] if b["bbox"][1] > 60]
            at_top = min(b["bbox"][1] for b in lines) >= heading.y0 - 1
            if at_top:
                tops += 1
                assert not [r for r in strokes if r.y0 < heading.y0 - 2], page.number
            else:
                assert any(heading.y0 - 40 < r.y0 < heading.y0 for r in strokes), page.number
    assert tops >= 1


def test_glossary_locators_stay_with_their_entry(lines, openers):
    start = openers["glossary"]
    for number, page in enumerate(lines[start - 1 :], start=start):
        body = [line for line in page if line.y0 > 60]
        if body:  # (not the blank page before the sources)
            assert not body[0].text.startswith("Linked from"), f"p. {number}"


# ------------------------------------------------------------------ notes


def test_note_calls_are_two_thirds_of_the_text_and_follow_punctuation(built, lines, text_height):
    figures = figure_boxes(built.pdf)  # a map's numbers (its scale) are not note calls
    calls = [
        (line, index)
        for page, boxes in zip(lines, figures, strict=True)
        for line in page
        for index, word in enumerate(line.words)
        if word.text.isdigit()
        and 0.5 * text_height < word.height < 0.8 * text_height
        and not inside(word, boxes)
    ]
    assert len(calls) > 50
    for line, index in calls:
        assert 0.64 <= line.words[index].height / text_height <= 0.71
        if index + 1 < len(line.words):
            assert not re.match(r"[,.;:]", line.words[index + 1].text), line.text


def test_notes_are_set_at_9_pt_across_the_text_s_measure(lines, text_height):
    """Notes at 9 pt, in lines as wide as the text's (a narrower measure than the text's made
    the notes take more room than they need, and left holes above them)."""
    note_lines = [
        line
        for page in lines
        for line in page
        if abs(line.height * TEXT_PT / text_height - 9) < 0.3 and len(line.words) > 3
        if line.y0 > 60  # not the running head
    ]
    text_lines = [line for page in lines for line in page if abs(line.height - text_height) < 0.1]
    assert len(note_lines) > 100
    widest_note = max(line.x1 - line.x0 for line in note_lines)
    widest_text = max(line.x1 - line.x0 for line in text_lines)
    assert widest_note > 0.95 * widest_text
    assert max(len(line.text) for line in note_lines) > 95  # about 100 characters at 9 pt


# ------------------------------------------------------------------ answer lines, ¶ numbers


def _questions_pages(lines, text_height) -> list[tuple[int, int, bool]]:
    """(page, questions begun on it, whether the questions' heading is on it), for pages
    with questions (a question's number at the text's size; a note's is smaller)."""
    found: list[tuple[int, int, bool]] = []
    for number, page in enumerate(lines, start=1):
        heading = any(line.text == "Discussion questions" for line in page)
        if not found and not heading:
            continue  # the contents' numbered entries, the front matter's lists
        begun = sum(
            1
            for line in page
            if re.match(r"\d+\. \S", line.text) and abs(line.height - text_height) < 0.1
        )
        if begun:
            found.append((number, begun, heading))
    return found


@pytest.mark.parametrize("dpi", [60, 120])
def test_every_question_has_four_ruled_lines_at_any_resolution(
    built, lines, text_height, tmp_path, dpi
):
    """At least four lines under each question whatever the resolution (a gradient gave 4 or
    5, and dropped lines at 60 dpi); the last question of a page gets its spare room too;
    the questions' own rule above their heading counts one where it is drawn."""
    pages = _questions_pages(lines, text_height)[:4]
    assert len(pages) == 4
    for page, questions, heading in pages:
        rows = ruled_rows(built.pdf, page, dpi, tmp_path)
        assert len(rows) >= 4 * questions, f"p. {page} at {dpi} dpi"
        assert len(rows) <= 4 * questions + heading + 20, f"p. {page} at {dpi} dpi"


def test_paragraph_numbers_are_full_size_and_in_one_place(built, book):
    """¶ numbers (grey figures, read with their colour and size by PyMuPDF) stand in the
    outer margin at one place on each side (right-aligned on a left-hand page, left-aligned
    on a right-hand one), at the text's size, each of the text's paragraphs once."""
    import pymupdf

    numbers, sizes = [], Counter()
    with pymupdf.open(built.pdf) as document:
        for page in document:
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        sizes[round(span["size"], 1)] += len(span["text"])
                        if span["color"] == PNUM_GREY and span["text"].strip().isdigit():
                            numbers.append((page.number + 1, span))
    text_size = sizes.most_common(1)[0][0]
    assert len(numbers) == sum(len(chapter.paragraphs) for chapter in book.chapters)
    for page, span in numbers:
        assert round(span["size"], 1) == text_size, f"p. {page}: ¶ {span['text']} is small"
    assert len({round(s["bbox"][2]) for page, s in numbers if page % 2 == 0}) == 1
    assert len({round(s["bbox"][0]) for page, s in numbers if page % 2 == 1}) == 1


# ------------------------------------------------------------------ tagging


def _structure(pdf: pikepdf.Pdf) -> Counter:
    kinds: Counter = Counter()
    stack = [pdf.Root.StructTreeRoot.K[0]]
    while stack:
        element = stack.pop()
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            kinds[str(element.S)] += 1
            kids = element.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return kinds


def test_pdf_has_note_reference_label_and_contents_structure(built, book):
    notes = sum(len(c.notes) for c in book.chapters)
    with pikepdf.open(built.pdf) as pdf:
        kinds = _structure(pdf)
        ids = pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree)
        assert len(list(ids.keys())) == kinds["/Note"]
    assert kinds["/Note"] >= notes
    assert kinds["/Reference"] >= notes + len(book.chapters)
    entries = len(book.chapters) + 1 + bool(book.references)  # chapters, glossary, sources
    assert kinds["/TOC"] == 1 and kinds["/TOCI"] == entries
    assert kinds["/Lbl"] >= notes


def test_pdfua_checker_finds_nothing(built):
    """PyPI pdfua: the machine-checkable subset of PDF/UA-1 it implements (veraPDF, the
    reference validator, cannot be installed here)."""
    from pdfua import validate

    report = validate(str(built.pdf))
    assert [(f.rule_id, f.message) for f in report.findings] == []
    assert report.exit_code == 0


# ------------------------------------------------------------------ --no-blank-pages


@pytest.fixture(scope="session")
def one_sided(print_builds) -> list[list[Line]]:
    """The lines of the single-sided A4 edition the whole run shares (conftest.print_builds)."""
    return pdf_lines(print_builds["a4-one-sided"].pdf)


def test_no_blank_pages_opens_chapters_on_the_next_page(one_sided, lines):
    blank = [number for number, page in enumerate(one_sided, start=1) if not page]
    assert blank == []
    assert len(one_sided) < len(lines) - 5


def test_no_blank_pages_has_the_same_margins_on_every_page(one_sided):
    """Single-sided, every page is set like a right-hand one: the text at the same place."""
    lefts: dict[int, list[float]] = {0: [], 1: []}
    for number, page in enumerate(one_sided, start=1):
        body = [round(line.x0) for line in page if line.y0 > 60 and len(line.words) > 4]
        if number > 4 and body:
            lefts[number % 2].append(min(body))
    assert statistics.mode(lefts[0]) == statistics.mode(lefts[1])


def test_the_page_map_key_depends_on_blank_pages(book, tmp_path):
    from studyguide.layout.pagemap import cache_key
    from studyguide.options import Options

    assert cache_key(book, Options(out=tmp_path)) != cache_key(
        book, Options(out=tmp_path, blank_pages=False)
    )
