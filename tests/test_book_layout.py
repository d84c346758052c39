"""A book's own layout: templates and styles that shadow the package's, its typeface, and what
a book's template may not do."""

from __future__ import annotations

from importlib import resources

import pytest

from studyguide.errors import BuildError, BuildErrors
from studyguide.model import Medium
from studyguide.render.documents import render_epub_documents
from studyguide.render.typeface import check_book
from studyguide.render.views import render_book
from studyguide.sources.book import load_book
from support import ROOT, epub_files, make_book, studyguide

CHAPTER = "---\ntitle: One\nkind: front\n---\n\nSome text about COMIBOL.\n"
PACKAGE_TEMPLATES = resources.files("studyguide.render") / "templates"


def _book(tmp_path, chapter: str = CHAPTER, meta_extra: str = ""):
    meta = (
        (ROOT / "book.toml")
        .read_text(encoding="utf-8")
        .replace('slug = "huanuni-study-guide"', f'slug = "small"{meta_extra}')
    )
    return make_book(
        tmp_path / "book",
        {"01-one.md": chapter},
        {"comibol.md": "---\nterm: COMIBOL\n---\n\nThe state mining company.\n"},
        meta=meta,
    )


def test_a_book_s_templates_and_styles_shadow_the_package_s(tmp_path):
    root = _book(tmp_path)
    (root / "templates").mkdir()
    book_template = (PACKAGE_TEMPLATES / "_book.html.j2").read_text(encoding="utf-8")
    (root / "templates" / "_book.html.j2").write_text(
        book_template.replace('<p class="title-kicker">', '<p class="title-kicker">Our group · '),
        encoding="utf-8",
    )
    (root / "styles").mkdir()
    (root / "styles" / "epub.css").write_text("p { color: #123456; }\n", encoding="utf-8")
    run = studyguide("build", "--epub", "--no-cover", "--out", tmp_path / "out", root=root)
    assert run.code == 0, run.stderr
    files = epub_files(tmp_path / "out" / "small.epub")
    assert "Our group · A study guide" in files["EPUB/titlepage.xhtml"].decode()
    css = files["EPUB/styles/book.css"].decode()
    assert "#123456" in css and "a.noteref" not in css  # epub.css replaced, not added to
    assert "line-height: 1.45" in css  # base.css still the package's


@pytest.mark.parametrize(
    ("template", "line", "words"),
    [
        ("{% if %}\n", 1, "Expected an expression"),
        ("<p>\n{{ ''.__class__.__mro__[1].__subclasses__() }}</p>\n", 2, "unsafe"),
    ],
)
def test_a_book_template_s_mistake_or_escape_attempt_is_our_error(tmp_path, template, line, words):
    root = _book(tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / "nav.xhtml.j2").write_text(template, encoding="utf-8")
    book = load_book(root)
    from studyguide.render.documents import render_navigation

    with pytest.raises(BuildError) as caught:
        render_navigation(book, [], cover=False)
    assert caught.value.code == "template.error"
    assert caught.value.where.path.name == "nav.xhtml.j2"
    assert caught.value.where.line == line
    assert words in caught.value.message


def test_a_template_linked_from_outside_the_book_is_not_read(tmp_path):
    outside = tmp_path / "outside.j2"
    outside.write_text("SECRET", encoding="utf-8")
    root = _book(tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / "epub_document.xhtml.j2").symlink_to(outside)
    documents = render_epub_documents(render_book(load_book(root), Medium.EPUB), None)
    assert all("SECRET" not in d.xhtml for d in documents)


def test_a_typeface_that_is_not_installed_names_book_toml_s_line(tmp_path):
    root = _book(tmp_path, meta_extra='\ntypeface = "No Such Family"')
    with pytest.raises(BuildError) as caught:
        check_book(load_book(root))
    assert caught.value.code == "typeface.missing"
    assert caught.value.where.path.name == "book.toml"
    assert caught.value.where.line == 6


def test_another_installed_typeface_is_used_in_both_editions(tmp_path):
    root = _book(tmp_path, meta_extra='\ntypeface = "DejaVu Serif"')
    faces = check_book(load_book(root))
    assert all("DejaVuSerif" in face.path.name for face in faces)
    assert {(f.weight, f.style) for f in faces} == {
        ("normal", "normal"),
        ("normal", "italic"),
        ("bold", "normal"),
        ("bold", "italic"),
    }


def test_a_character_the_typeface_lacks_is_an_error_at_its_place(tmp_path):
    chapter = CHAPTER + "\nThe word 中文 is Chinese; so is 中.\n"
    with pytest.raises(BuildErrors) as caught:
        check_book(load_book(_book(tmp_path, chapter)))
    found = [(e.where.line, e.where.column, e.code) for e in caught.value.errors]
    assert found == [(8, 10, "typeface.coverage"), (8, 11, "typeface.coverage")]
    assert "U+4E2D" in caught.value.errors[0].message


def test_check_reports_what_the_typeface_lacks(tmp_path):
    root = _book(tmp_path, CHAPTER + "\n中\n")
    run = studyguide("check", root=root)
    assert run.code == 1
    assert "chapters/01-one.md:8:1: error: the typeface Charis SIL has no glyph" in run.stderr
