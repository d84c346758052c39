"""The booklet, read back from the real imposed PDFs: sheet sizes, the pages on each side and
their order, the padding before the back cover, the long-edge turn and the creep; and its
orientation test."""

from __future__ import annotations

import re
import subprocess

import pikepdf
import pytest

from studyguide.layout.imposition import creep_shifts, padded_order, sides
from support import make_book, normalise, pdf_pages, studyguide

SLUG = "huanuni-study-guide"
EPOCH = {"SOURCE_DATE_EPOCH": "1160006400"}
DO = re.compile(r"1 0 0 1 ([-\d.]+) [-\d.]+ cm /P(\d+) Do")


def test_saddle_stitch_order_pads_before_the_back_cover():
    assert [(s.left, s.right) for s in sides(8)] == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert padded_order(6) == [1, 2, 3, 4, 5, 0, 0, 6]
    two = [(s.left, s.right, s.sheet) for s in sides(10, signature=8)]
    assert two[:4] == [(8, 1, 0), (2, 7, 0), (6, 3, 1), (4, 5, 1)]
    assert two[4:] == [(10, 9, 0), (0, 0, 0)]  # 9, two blanks, 10: the back cover last
    assert creep_shifts(16, 0, 3.0) == {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    chapters = {
        f"0{n}-part.md": f"---\ntitle: Part {n}\nkind: front\n---\n\n"
        + "\n\n".join(
            f"Paragraph {n}.{k} of the booklet test, long enough to fill a line or two."
            for k in range(1, 9)
        )
        + "\n"
        for n in range(1, 5)
    }
    return make_book(tmp_path_factory.mktemp("booklet") / "book", chapters)


def _sides(path):
    """For each side: its size, the pages placed on it (left first) with their x offsets,
    and whether it is turned over."""
    with pikepdf.open(path) as pdf:
        out = []
        for page in pdf.pages:
            content = page.Contents.read_bytes().decode("ascii")
            placed = [(int(n), float(x)) for x, n in DO.findall(content)]
            size = tuple(round(float(v)) for v in page.mediabox[2:4])
            out.append((size, placed, content.startswith("q -1 0 0 -1")))
        return out


def _half_texts(path, index, width):
    texts = []
    for x in (0, width // 2):
        crop = ["-x", str(x), "-y", "0", "-W", str(width // 2), "-H", "1000"]
        pages = ["-f", str(index), "-l", str(index)]
        run = subprocess.run(
            ["pdftotext", *pages, *crop, str(path), "-"], capture_output=True, check=True
        )
        texts.append(normalise(run.stdout.decode("utf-8")))
    return texts


@pytest.mark.parametrize(
    ("paper", "args", "sheet"),
    [
        ("a4", [], (842, 595)),
        ("letter", ["--flip", "long", "--creep", "3", "--signature", "8"], (792, 612)),
    ],
)
def test_the_booklet_places_the_book_s_pages_two_a_side(book, tmp_path, paper, args, sheet):
    out = tmp_path / "out"
    # The A5 PDF beside the A4 booklet, to compare its pages with the booklet's halves.
    pdf = ["--pdf", "--paper", "a5"] if paper == "a4" else ["--paper", paper]
    run = studyguide("build", "--booklet", *pdf, *args, "--out", out, root=book, env=EPOCH)
    assert run.code == 0, run.stderr
    name = f"{SLUG}-booklet{'' if paper == 'a4' else '-letter'}.pdf"
    booklet = out / name
    imposed = _sides(booklet)
    with pikepdf.open(booklet) as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/MarkInfo" not in pdf.Root
        assert "booklet for printing" in str(pdf.docinfo["/Title"])
    signature = 8 if "--signature" in args else 0
    # The pages of the booklet's own layout: the A5 PDF (A4 sheets) or half-letter pages.
    count = max(n for _, placed, _ in imposed for n, _ in placed)
    assert len(imposed) == len(padded_order(count)) // 2
    expected = sides(count, signature)
    for (size, placed, turned), side in zip(imposed, expected, strict=True):
        assert size == sheet
        assert [n for n, _ in placed] == [n for n in (side.left, side.right) if n]
        assert turned == (side.back and "long" in args)
    if paper == "a4":  # the text on each half is that page of the A5 edition
        a5 = pdf_pages(out / f"{SLUG}-a5.pdf")
        assert len(a5) == count
        left, right = _half_texts(booklet, 1, sheet[0])
        assert right == a5[0] and left == a5[count - 1]
    else:  # the creep: the innermost sheet's pages 3 mm toward the fold, the outermost none
        fold, creep = sheet[0] / 2, 3 * 72 / 25.4
        outer, inner = dict(imposed[0][1]), dict(imposed[2][1])  # sheets 1 and 2 of 2
        assert outer[expected[0].left] == pytest.approx(fold - 396, abs=0.01)
        assert outer[expected[0].right] == pytest.approx(fold, abs=0.01)
        assert inner[expected[2].left] == pytest.approx(fold - 396 + creep, abs=0.01)
        assert inner[expected[2].right] == pytest.approx(fold - creep, abs=0.01)


def test_the_orientation_test_is_two_sheets_of_numbered_pages(book, tmp_path):
    run = studyguide(
        "build", "--booklet-test", "--flip", "long", "--out", tmp_path, root=book, env=EPOCH
    )
    assert run.code == 0, run.stderr
    path = tmp_path / f"{SLUG}-booklet-test.pdf"
    imposed = _sides(path)
    assert [[n for n, _ in placed] for _, placed, _ in imposed] == [[8, 1], [2, 7], [6, 3], [4, 5]]
    assert [turned for _, _, turned in imposed] == [False, True, False, True]
    first = _half_texts(path, 1, 842)[1]
    assert (
        "Page 1 of 8" in first and "flipped on the long edge" in first and "--flip short" in first
    )


def test_a_signature_that_is_not_a_multiple_of_4_is_a_usage_error(book, tmp_path):
    run = studyguide("build", "--booklet", "--signature", "6", "--out", tmp_path, root=book)
    assert run.code == 2
    assert "a signature's pages are a multiple of 4" in run.stderr
