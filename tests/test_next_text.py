"""The next text, round two: labels as data in every language, names with their articles,
glossary terms found as each language writes them, honest scaffolds, the book found from
any folder inside it, the edition flags, and the import's options on real files."""

from __future__ import annotations

import contextlib
import io
import os
import re
import tomllib
import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from studyguide.authoring.new import new_book
from studyguide.cli import main
from studyguide.errors import BuildError, BuildErrors
from studyguide.labels import Name, labels_for, package_languages
from studyguide.labels.tables import check_values, english_labels
from studyguide.sources.book import load_book
from studyguide.sources.meta import load_meta
from support import NS, ROOT, Run, epub_xhtml, text_of

FIXTURE = ROOT / "tests" / "fixtures" / "declaration-1789"


def run(*args: str | Path, cwd: Path | None = None) -> Run:
    """The command line in this process (in `cwd`, if given)."""
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    except SystemExit as exit:  # (--help)
        code = int(exit.code or 0)
    finally:
        os.chdir(before)
    return Run(code, out.getvalue(), err.getvalue())


def _book(tmp_path: Path, language: str = "en", name: str = "book") -> Path:
    new_book(tmp_path / name, "A reading", language)
    return tmp_path / name


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Labels as data ----------------------------------------------------------------------------


def _package_file(code: str) -> dict:
    return tomllib.loads((resources.files("studyguide.labels") / f"{code}.toml").read_text())


def test_each_language_s_words_are_a_checked_data_file_with_every_label():
    assert package_languages() == ("de", "en", "es", "fr", "it", "pt")
    for code in package_languages():
        values = _package_file(code)
        assert check_values(values) == [], code
        assert set(values["labels"]) == set(english_labels()), code
        assert len(values["dates"]["months"]) == 12, code


def test_french_labels_have_narrow_no_break_spaces_where_french_puts_them():
    texts = [
        text
        for value in _package_file("fr")["labels"].values()
        for text in ([value] if isinstance(value, str) else value.values())
    ]
    assert any("\u202f:" in text for text in texts)
    for text in texts:
        assert not re.search(r"[^\u202f][;:!?»]", text.replace("{", " ")), text
        assert not re.search(r"«[^\u202f]", text), text


@pytest.mark.parametrize(
    ("language", "key", "kind", "name", "expected"),
    [
        ("fr", "text_by", "Déclaration", Name("Assemblée nationale", "l’", "f"),
         "Déclaration de l’Assemblée nationale"),
        ("fr", "text_by", "Discours", Name("Sénat", "le", "m"), "Discours du Sénat"),
        ("fr", "text_by", "Lettre", Name("Olympe de Gouges"), "Lettre d’Olympe de Gouges"),
        ("fr", "by", "", Name("Assemblée nationale", "l’", "f"), "Par l’Assemblée nationale"),
        ("it", "text_by", "Dichiarazione", Name("Assemblea Costituente", "l’", "f"),
         "Dichiarazione dell’Assemblea Costituente"),
        ("it", "by", "", Name("Parlamento", "il", "m"), "Del Parlamento"),
        ("es", "text_by", "Declaración", Name("Asamblea", "la", "f"), "Declaración de la Asamblea"),
        ("es", "text_by", "Discurso", Name("Congreso", "el", "m"), "Discurso del Congreso"),
        ("pt", "by", "", Name("Assembleia", "a", "f"), "Pela Assembleia"),
        ("de", "text_by", "Rede", Name("Bundestag", "der", "m"), "Rede vom Bundestag"),
        ("de", "text_by", "Erklärung", Name("Nationalversammlung", "die", "f"),
         "Erklärung von der Nationalversammlung"),
        ("en", "by", "", Name("National Assembly", "the"), "By the National Assembly"),
        ("en", "text_by", "Speech", Name("Abraham Lincoln"), "Speech by Abraham Lincoln"),
    ],
)  # fmt: skip
def test_a_body_s_article_joins_the_word_before_it(language, key, kind, name, expected):
    labels = labels_for(language)
    assert labels.format(key, kind=kind, authors=labels.names([name])) == expected


def test_labels_agree_with_the_text_and_name_languages_with_their_article():
    fr, it, es = labels_for("fr"), labels_for("it"), labels_for("es")
    assert fr.format("published_in", "f", publication="X") == "Publiée dans X"
    assert fr.format("published_in", publication="X") == "Publié dans X"
    assert es.format("published_in", "f", publication="X") == "Publicada en X"
    translators = fr.names([Name("A"), Name("B")])
    assert fr.format("translated_by", "f", language=fr.language_name("en"),
                     translator=translators) == "Traduite de l’anglais par A et B."  # fmt: skip
    assert fr.format("translator_unknown", language=fr.language_name("ru")).startswith(
        "Traduit du russe\u202f;"
    )
    assert it.format("translated_by", language=it.language_name("es"), translator="C") == (
        "Tradotto dallo spagnolo da C."
    )
    assert fr.names([Name("Assemblée nationale", "l’"), Name("Roi", "le")]) == (
        "Assemblée nationale et Roi"  # as plain text, where no label places them
    )


LABEL_META = (ROOT / "tests" / "test_errors.py").read_text(encoding="utf-8")


def _labelled_book(tmp_path: Path, labels: str) -> Path:
    book = _book(tmp_path)
    (book / "book.toml").write_text(
        (book / "book.toml").read_text(encoding="utf-8") + "\n[labels]\n" + labels,
        encoding="utf-8",
    )
    return book


@pytest.mark.parametrize(
    ("label", "says"),
    [
        ('edition_by = "By {editors:>1000000000}."', "a placeholder is a name alone"),
        ('edition_by = "By {editors!r}."', "a placeholder is a name alone"),
        ('edition_by = "By {}."', "the placeholder {}, which is not a name"),
        ('edition_by = "By {0}."', "the placeholder {0}, which is not a name"),
        ('edition_by = "By {editors.upper}."', "which is not a name"),
        ('edition_by = "By {editors"', "has a { that is not closed"),
        ('edition_by = "By editors}"', "has a } that closes no placeholder"),
        ('edition_by = "By {publisher}"', "the placeholder {publisher}, which it cannot fill"),
        ('published_in = { m = "In {publication}", x = "…" }', "a table of genders"),
    ],
)
def test_a_label_is_a_template_of_named_placeholders_only(tmp_path, label, says):
    book = _labelled_book(tmp_path, label + "\n")
    line = (book / "book.toml").read_text(encoding="utf-8").splitlines().index(label) + 1
    with pytest.raises(BuildError) as caught:
        load_meta(book)
    assert caught.value.code in ("meta.label", "meta.type")
    assert caught.value.where.line == line
    assert says in caught.value.message and caught.value.hint


def test_braces_and_genders_in_a_book_s_labels_are_kept(tmp_path):
    book = _labelled_book(
        tmp_path,
        'edition_by = "By {editors} {{and friends}}, {year}."\n'
        'published_in = { m = "Out in {publication}", f = "Out, she, in {publication}" }\n',
    )
    labels = load_book(book).labels
    assert labels.format("edition_by", editors="E", year=2026) == "By E {and friends}, 2026."
    assert labels.format("published_in", "f", publication="P") == "Out, she, in P"


def test_a_book_brings_the_words_of_a_language_the_package_has_not(tmp_path):
    book = _book(tmp_path, "ca")
    (book / "labels").mkdir()
    (book / "labels" / "ca.toml").write_text(
        '[labels]\ncontents = "Índex"\nglossary = "Glossari"\n'
        '[dates]\nmonths = ["gener", "febrer", "març", "abril", "maig", "juny", "juliol", '
        '"agost", "setembre", "octubre", "novembre", "desembre"]\ndate = "{day} de {month} '
        'de {year}"\n',
        encoding="utf-8",
    )
    labels = load_book(book).labels
    assert (labels.contents, labels.glossary, labels.questions) == (
        "Índex", "Glossari", "Discussion questions",  # (English, where the file says nothing)
    )  # fmt: skip
    import datetime as dt

    assert labels.date(dt.date(1789, 8, 26)) == "26 de agost de 1789"


def test_labels_are_made_in_one_place():
    """The book's Labels are made when it is read (sources/labelfile.py), and every edition
    uses those: nothing else builds its own."""
    makers = []
    for path in (ROOT / "studyguide").rglob("*.py"):
        if "labels_for(" in path.read_text(encoding="utf-8"):
            makers.append(path.relative_to(ROOT / "studyguide").as_posix())
    # (the preview's page of mistakes, when there is no book yet, uses its language's words)
    assert sorted(makers) == ["labels/__init__.py", "preview/session.py", "sources/labelfile.py"]


# Glossary terms as each language writes them ------------------------------------------------


def _glossary_book(tmp_path: Path, language: str, text: str, terms: dict[str, str]) -> Path:
    book = _book(tmp_path, language)
    for path in (book / "glossary").iterdir():
        path.unlink()
    for slug, term in terms.items():
        (book / "glossary" / f"{slug}.md").write_text(
            f"---\nterm: {term}\n---\n\nA definition.\n", encoding="utf-8"
        )
    for path in (book / "chapters").iterdir():
        path.unlink()
    (book / "chapters" / "01-intro.md").write_text(
        f"---\ntitle: Intro\nkind: front\n---\n\n{text}\n", encoding="utf-8"
    )
    return book


def _links(book: Path) -> dict[str, str]:
    return {link.slug: link.form for c in load_book(book).chapters for link in c.term_links}


def test_terms_after_an_elided_article_are_linked_in_french_and_italian(tmp_path):
    fr = _glossary_book(
        tmp_path / "fr", "fr",
        "Sous les auspices de l’Être suprême, L’Assemblée déclare qu’homme et citoyens …",
        {"etre": "Être suprême", "assemblee": "Assemblée", "homme": "homme", "citoyen": "citoyen"},
    )  # fmt: skip
    assert _links(fr) == {
        "etre": "Être suprême", "assemblee": "Assemblée", "homme": "homme", "citoyen": "citoyens",
    }  # fmt: skip
    it = _glossary_book(
        tmp_path / "it", "it", "Il voto dell’Assemblea e delle costituzioni.",
        {"assemblea": "Assemblea", "costituzione": "costituzione"},
    )  # fmt: skip
    assert _links(it) == {"assemblea": "Assemblea", "costituzione": "costituzioni"}


def test_a_word_inside_another_is_not_linked(tmp_path):
    book = _glossary_book(tmp_path, "fr", "Le parlementarisme, et l’hommage.", {"h": "homme"})
    assert _links(book) == {}


def test_a_decomposed_chapter_links_a_composed_term_and_keeps_its_own_text(tmp_path):
    decomposed = unicodedata.normalize("NFD", "L’Être suprême et la Déclaration.")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    book = _glossary_book(tmp_path, "fr", decomposed, {"etre": "Être suprême"})
    loaded = load_book(book)
    assert [link.form for link in loaded.chapters[0].term_links] == [
        unicodedata.normalize("NFD", "Être suprême")
    ]


# Honest scaffolds ------------------------------------------------------------------------


def test_check_warns_of_every_placeholder_and_sample_of_new_and_build_says_it_again(tmp_path):
    book = _book(tmp_path, "fr")
    checked = run("--root", book, "check")
    assert checked.code == 0
    warnings = re.findall(r"^(\S+): warning: (.+) \[scaffold\.placeholder\]$", checked.stderr, re.M)
    said = " | ".join(f"{where} {what}" for where, what in warnings)
    for expected in (
        "book.toml:13 the text's title is still the placeholder 'Le titre du texte'",
        "book.toml:16 the text's author is still the placeholder 'L’auteur'",
        "book.toml:19 the text's rights holder is still the placeholder 'L’auteur'",
        "book.toml:8 the editors are still the placeholder 'Le groupe d’étude'",
        "book.toml:11 the text 'text' has no chapters yet",
        "chapters/01-introduction.md:6 the sample text `studyguide new` wrote is still here",
        "glossary/groupe-d-etude.md:6 the sample text",
    ):
        assert expected in said, (expected, said)
    built = run("--root", book, "build", "--epub", "--no-cover", "--out", tmp_path / "out")
    assert built.code == 0, built.stderr
    assert built.stderr.count("[scaffold.placeholder]") == len(warnings)


def test_a_text_left_without_chapters_is_an_error_at_its_line(tmp_path):
    """`import --text NEW` into a fresh book: the placeholder text keeps no chapters."""
    book = _book(tmp_path)
    speech = tmp_path / "speech.txt"
    speech.write_text("# A speech\n\nFour score and seven years ago.\n", encoding="utf-8")
    assert run("--root", book, "import", speech, "--text", "speech").code == 0
    checked = run("--root", book, "check")
    assert checked.code == 1
    assert (
        "book.toml:11: error: the text 'text' has no chapters [texts.no-chapters]\n"
        "  hint: import it (`studyguide import FILE --text text`), or remove its [[texts]] table"
    ) in checked.stderr


# The book, found from any folder inside it -------------------------------------------------


def test_commands_find_the_book_from_a_folder_inside_it(tmp_path):
    book = _book(tmp_path)
    inside = run("check", cwd=book / "chapters")
    assert inside.code == 0, inside.stderr
    assert f"reading the sources in {book}" in inside.stderr


def test_outside_any_book_every_command_says_so_once(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for command in (["check"], ["build"], ["stats"], ["serve", "--port", "0"], ["migrate"]):
        said = run(*command, cwd=outside)
        assert said.code == 1, command
        assert said.stderr == (
            f"error: there is no book here: no book.toml in {outside} or a folder above it "
            "[book.not-found]\n  hint: run studyguide in a book's folder (or one inside it), "
            "give the book with --root DIR, or start one with `studyguide new DIR`\n"
        ), command
    given = run("--root", outside, "check")
    assert given.stderr.startswith(f"{outside}/book.toml: error: there is no book in this folder")
    errors_page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for said in (run("check", cwd=outside).stderr, given.stderr):
        assert said.strip().replace(str(outside), "/home/me/texts") in errors_page, said


# Edition flags -----------------------------------------------------------------------------


def test_build_writes_the_flags_editions_and_says_which_are_older(tmp_path):
    book = _book(tmp_path)
    out = tmp_path / "out"
    assert run("--root", book, "build", "--epub", "--no-cover", "--out", out).code == 0
    web = run("--root", book, "build", "--web", "--out", out)
    assert web.code == 0
    assert web.stdout.split() == [str(out / "a-reading-web")]
    assert "not rebuilt, from an earlier build: a-reading.epub (build without an edition " in (
        web.stderr
    )
    helped = run("build", "--help")
    assert "--all" in helped.stdout and "with flags, exactly those" in helped.stdout


def test_build_all_writes_every_edition_the_book_can_have(tmp_path):
    book = _book(tmp_path)
    _replace(book / "chapters" / "01-introduction.md", "::: questions", "Questions:\n\n:::")
    _replace(book / "chapters" / "01-introduction.md", "1. What do", "What do")
    _replace(book / "chapters" / "01-introduction.md", "2. What do", "What do")
    out = tmp_path / "out"
    built = run("--root", book, "build", "--all", "--no-cover", "--out", out)
    assert built.code == 0, built.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a-reading-booklet-test.pdf", "a-reading-booklet.pdf",
        "a-reading-web", "a-reading.epub", "a-reading.kepub.epub", "a-reading.pdf",
    ]  # fmt: skip
    assert "not writing handout (--all): " in built.stderr
    # The parallel edition, four files, needs a translation: said once.
    assert built.stderr.count("not writing the parallel edition (--all): the book has no ") == 1


# Import: furniture, options, encodings, split -----------------------------------------------


def test_exclude_and_drop_leave_out_what_they_name_and_nothing_else(tmp_path):
    book = _book(tmp_path, "fr")
    page = FIXTURE / "declaration.html"
    said = run(
        "--root", book, "import", page, "--keep-furniture", "--exclude", ".share-buttons",
        "--exclude", "div.encart", "--drop", "Publié le", "--drop", "Recevez", "--drop", "Lire",
        "--dry-run",
    )  # fmt: skip
    assert said.code == 0, said.stderr
    assert "left out line 22: 'Publié le 26 août 2019 · 4 min de lecture' (--drop 'Publié le')" in (
        said.stderr
    )
    assert "(--exclude '.share-buttons')" in said.stderr
    assert "keep line 19 (paragraph): 'Accueil › Textes › Déclaration de 1789'" in said.stderr
    assert not (book / "source").exists()  # --dry-run writes nothing


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--exclude", "..share"], "--exclude '..share' is not a CSS selector"),
        (["--exclude", ".no-such-class"], "--exclude '.no-such-class' selects nothing"),
        (["--drop", "Nulle part"], "--drop 'Nulle part' matches no block"),
        (["--drop", " "], "--drop is empty"),
        (["--split-at", "Art. 99"], "--split-at 'Art. 99' matches no block"),
        (["--encoding", "latin-1"], "--encoding is for text and Markdown files"),
    ],
)
def test_a_wrong_import_option_is_said_and_changes_nothing(tmp_path, options, says):
    book = _book(tmp_path, "fr")
    before = {p: p.read_bytes() for p in book.rglob("*") if p.is_file()}
    said = run("--root", book, "import", FIXTURE / "declaration.html", *options)
    assert said.code == 1
    assert says in said.stderr and "[import.option]" in said.stderr
    assert {p: p.read_bytes() for p in book.rglob("*") if p.is_file()} == before


def test_a_latin_1_text_is_imported_with_its_encoding_named(tmp_path):
    book = _book(tmp_path, "fr")
    text = tmp_path / "texte.txt"
    text.write_bytes("# Préambule\n\nLes représentants du peuple français.\n".encode("latin-1"))
    refused = run("--root", book, "import", text)
    assert refused.code == 1
    assert f"{text}:1:5: error: the file is not UTF-8 text (byte 0xe9) [import.encoding]" in (
        refused.stderr
    )
    assert "give the file's encoding with --encoding" in refused.stderr
    for wrong in ("no-such-codec", "rot13", "zlib"):
        said = run("--root", book, "import", text, "--encoding", wrong)
        assert said.code == 1 and f"--encoding '{wrong}' is not an encoding" in said.stderr
    assert run("--root", book, "import", text, "--encoding", "latin-1").code == 0
    source = (book / "source" / "text.txt").read_text(encoding="utf-8")
    assert source == "# Préambule\n\nLes représentants du peuple français.\n"


CHAPTER = """\
---
title: "The articles"
text: "text"
---

First article.[^a]

Second article.[^b]

Third article, the last.

[^a]: A note on the first.

[^b]: A note on the second.

::: questions
1. What do the articles say?
:::
"""


def _three_articles(tmp_path: Path) -> Path:
    book = _book(tmp_path)
    (book / "source").mkdir()
    (book / "source" / "text.txt").write_text(
        "First article.\n\nSecond article.\n\nThird article, the last.\n", encoding="utf-8"
    )
    (book / "chapters" / "02-the-articles.md").write_text(CHAPTER, encoding="utf-8")
    (book / "chapters" / "03-notes.md").write_text(
        "---\ntitle: Notes\nkind: back\n---\n\nOur notes.\n", encoding="utf-8"
    )
    return book


def test_split_cuts_a_chapter_each_note_with_its_call(tmp_path):
    book = _three_articles(tmp_path)
    said = run("--root", book, "split", "chapters/02-the-articles.md", "--at", "Second")
    assert said.code == 0, said.stderr
    first = (book / "chapters" / "02-the-articles.md").read_text(encoding="utf-8")
    second = (book / "chapters" / "03-second-article.md").read_text(encoding="utf-8")
    assert "First article.[^a]" in first and "[^a]: A note on the first." in first
    assert "::: questions" in first and "Second" not in first
    assert second.startswith('---\ntitle: "Second article"\ntext: "text"\n---\n')
    assert "Second article.[^b]" in second and "[^b]: A note on the second." in second
    assert (book / "chapters" / "04-notes.md").is_file()
    loaded = load_book(book)
    assert [c.title for c in loaded.chapters][1:] == [
        "The articles", "Second article", "Notes",
    ]  # fmt: skip


def test_split_refuses_what_it_cannot_do_and_changes_nothing(tmp_path):
    book = _three_articles(tmp_path)
    before = {p: p.read_bytes() for p in book.rglob("*") if p.is_file()}
    for at, says in (("Fourth", "no heading or paragraph of the chapter begins with 'Fourth'"),
                     ("First", "the chapter already begins here")):  # fmt: skip
        said = run("--root", book, "split", "chapters/02-the-articles.md", "--at", at)
        assert said.code == 1 and says in said.stderr
    assert {p: p.read_bytes() for p in book.rglob("*") if p.is_file()} == before


def test_an_omission_is_shown_unnumbered_and_said_in_the_colophon(tmp_path):
    book = _three_articles(tmp_path)
    _replace(book / "chapters" / "02-the-articles.md", "Second article.[^b]", "[…]")
    _replace(book / "chapters" / "02-the-articles.md", "\n[^b]: A note on the second.\n", "")
    checked = run("--root", book, "check")
    assert "identical to the text as published but for 1 part left out ([…])" in checked.stderr
    assert run("--root", book, "build", "--epub", "--no-cover", "--out", tmp_path / "out").code == 0
    epub = epub_xhtml(tmp_path / "out" / "a-reading.epub")
    chapter = epub["chapter-02.xhtml"]
    assert [text_of(p) for p in chapter.iterfind(".//x:p[@class='omission']", NS)] == ["[…]"]
    assert [p.text for p in chapter.iterfind(".//x:span[@class='pnum']", NS)] == ["1", "2"]
    assert "Where “[…]” stands in its chapters, a part of the text is left out." in text_of(
        epub["colophon.xhtml"]
    )


# The preview, and an old book ------------------------------------------------------------


def test_the_preview_s_page_of_mistakes_is_in_the_book_s_language(tmp_path):
    from studyguide.preview.session import Shown, _render

    book = _book(tmp_path, "fr")
    (book / "chapters" / "01-introduction.md").write_text("---\ntitle: [\n---\n", "utf-8")
    with pytest.raises((BuildError, BuildErrors)):
        load_book(book)
    page = _render(Shown(errors=("chapters/01-introduction.md:2: error: …",)), "1", book)
    html = page.files["index.html"].decode("utf-8")
    assert '<html lang="fr">' in html and "Aperçu" in html and "Preview" not in html


def test_an_old_book_reads_as_it_did(built):
    """The repository's book.toml gives its text `language = "es"` in the form before
    `original_language`: still a translation from Spanish into the book's English, its
    chapters in English (the EPUB, built from it, is byte for byte that of before)."""
    text = load_meta(ROOT).texts[0]
    assert (text.language, text.original_language) == ("", "es")
    epub = epub_xhtml(built.epub)
    assert "Translated from Spanish; the translator is not named." in text_of(
        epub["titlepage.xhtml"]
    )
    assert all(
        tree.find(".//x:section", NS).get("lang") is None
        for name, tree in epub.items()
        if name.startswith("chapter-")
    )
