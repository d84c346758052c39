"""The words the editions add around a text, in the book's language: one table per language,
which a book overrides key by key in book.toml's [labels]."""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass

EN = {
    "and": "and",
    "study_guide": "A study guide",
    "contents": "Contents",
    "glossary": "Glossary",
    "questions": "Discussion questions",
    "notes": "Notes",
    "note_continued": "{number} (continued)",
    "part": "Part {number}",
    "linked_from_page": "Linked from p.",
    "linked_from_pages": "Linked from pp.",
    "paragraph_number": "¶ {number}",
    "paragraph_label": "Paragraph {number}",
    "page_abbreviation": "p.",
    "title_page": "Title page",
    "cover": "Cover",
    "cover_image": "Cover: {title}",
    "landmarks": "Landmarks",
    "start": "Start of the guide",
    "landmark_introduction": "Introduction",
    "pages": "Pages",
    "print_page_numbers": "Print page numbers",
    "colophon": "About this edition",
    "sources": "Sources for the notes",
    "further_reading": "Further reading",
    "text_by": "{kind} by {authors}",
    "by": "By {authors}",
    "published_in": "Published in {publication}",
    "translated_by": "Translated from {language} by {translator}.",
    "translator_unknown": "Translated from {language}; the translator is not named.",
    "edition_by": "Annotated edition by {editors}, {year}.",
    "annotated_edition": "Annotated edition, {year}",
    "rights_public_domain": "The text is in the public domain.",
    "rights_licence": "The text is published under the licence {licence}.",
    "rights_permission": "The text is © {holder}, reproduced with permission.",
    "rights_reserved": "The text is © {holder}.",
    "annotations_rights": "The annotations are © {year} {editors}.",
    "annotations_licence": "The annotations are © {year} {editors}, under the licence {licence}.",
    "typeface": "This edition is set in {typeface}.",
    "checked": "Each chapter of “{title}” was compared word for word with the text as "
    "published ({source}) when this edition was built, and found identical.",
    "handout_title": "{title}: discussion questions",
    "handout_description": "Discussion questions for a study group's meeting, one part of the "
    "text a page",
    "summary": "A study guide to {titles}, in text only. The text, background notes, discussion "
    "questions and glossary are marked up with structural navigation, a table of contents, "
    "notes as footnotes, and the page numbers of the print edition. The cover image has a "
    "text alternative and repeats the title.",
    "no_date": "n.d.",
    # the web edition and its preview (studyguide/editions/web, studyguide/preview)
    "skip_to_text": "Skip to the text",
    "previous": "Previous",
    "next": "Next",
    "pager": "Previous and next chapter",
    "linked_from": "Linked from",
    "preview": "Preview",
    "print_view": "Print view (PDF)",
    "preview_error": "The sources have a mistake: this is the last good version.",
    "pages_updating": "The print page numbers are being updated.",
}
ES = {
    "and": "y",
    "study_guide": "Guía de estudio",
    "contents": "Índice",
    "glossary": "Glosario",
    "questions": "Preguntas para el debate",
    "notes": "Notas",
    "note_continued": "{number} (continuación)",
    "part": "Parte {number}",
    "linked_from_page": "Enlazado desde la p.",
    "linked_from_pages": "Enlazado desde las pp.",
    "paragraph_number": "¶ {number}",
    "paragraph_label": "Párrafo {number}",
    "page_abbreviation": "p.",
    "title_page": "Portada",
    "cover": "Cubierta",
    "cover_image": "Cubierta: {title}",
    "landmarks": "Puntos de referencia",
    "start": "Inicio de la guía",
    "landmark_introduction": "Introducción",
    "pages": "Páginas",
    "print_page_numbers": "Números de página de la edición impresa",
    "colophon": "Sobre esta edición",
    "sources": "Fuentes de las notas",
    "further_reading": "Lecturas complementarias",
    "text_by": "{kind} de {authors}",
    "by": "Por {authors}",
    "published_in": "Publicado en {publication}",
    "translated_by": "Traducido del {language} por {translator}.",
    "translator_unknown": "Traducido del {language}; no consta el nombre del traductor.",
    "edition_by": "Edición anotada por {editors}, {year}.",
    "annotated_edition": "Edición anotada, {year}",
    "rights_public_domain": "El texto es de dominio público.",
    "rights_licence": "El texto se publica bajo la licencia {licence}.",
    "rights_permission": "El texto es © {holder} y se reproduce con permiso.",
    "rights_reserved": "El texto es © {holder}.",
    "annotations_rights": "Las anotaciones son © {year} {editors}.",
    "annotations_licence": "Las anotaciones son © {year} {editors}, bajo la licencia {licence}.",
    "typeface": "Esta edición está compuesta en {typeface}.",
    "checked": "Cada capítulo de «{title}» se comparó palabra por palabra con el texto tal como "
    "se publicó ({source}) al generar esta edición, y resultó idéntico.",
    "handout_title": "{title}: preguntas para el debate",
    "handout_description": "Preguntas para la reunión de un grupo de estudio, una parte del "
    "texto por página",
    "summary": "Guía de estudio de {titles}, solo en texto. El texto, las notas, las preguntas "
    "para el debate y el glosario están marcados con navegación estructural, un índice, notas "
    "a pie de página y los números de página de la edición impresa. La imagen de cubierta "
    "tiene una alternativa textual y repite el título.",
    "no_date": "s. f.",
    "skip_to_text": "Saltar al texto",
    "previous": "Anterior",
    "next": "Siguiente",
    "pager": "Capítulo anterior y siguiente",
    "linked_from": "Enlazado desde",
    "preview": "Vista previa",
    "print_view": "Vista de impresión (PDF)",
    "preview_error": "Las fuentes tienen un error: esta es la última versión correcta.",
    "pages_updating": "Se están actualizando los números de página de la edición impresa.",
}
FR = {
    "and": "et",
    "study_guide": "Guide d’étude",
    "contents": "Table des matières",
    "glossary": "Glossaire",
    "questions": "Questions pour la discussion",
    "notes": "Notes",
    "note_continued": "{number} (suite)",
    "part": "Partie {number}",
    "linked_from_page": "Cité p.",
    "linked_from_pages": "Cité pp.",
    "paragraph_number": "§ {number}",
    "paragraph_label": "Paragraphe {number}",
    "page_abbreviation": "p.",
    "title_page": "Page de titre",
    "cover": "Couverture",
    "cover_image": "Couverture : {title}",
    "landmarks": "Repères",
    "start": "Début du guide",
    "landmark_introduction": "Introduction",
    "pages": "Pages",
    "print_page_numbers": "Numéros de page de l’édition imprimée",
    "colophon": "À propos de cette édition",
    "sources": "Sources des notes",
    "further_reading": "Pour aller plus loin",
    "text_by": "{kind} de {authors}",
    "by": "Par {authors}",
    "published_in": "Publié dans {publication}",
    "translated_by": "Traduit de l’{language} par {translator}.",
    "translator_unknown": "Traduit de l’{language} ; le traducteur n’est pas nommé.",
    "edition_by": "Édition annotée par {editors}, {year}.",
    "annotated_edition": "Édition annotée, {year}",
    "rights_public_domain": "Le texte est dans le domaine public.",
    "rights_licence": "Le texte est publié sous la licence {licence}.",
    "rights_permission": "Le texte est © {holder}, reproduit avec autorisation.",
    "rights_reserved": "Le texte est © {holder}.",
    "annotations_rights": "Les annotations sont © {year} {editors}.",
    "annotations_licence": "Les annotations sont © {year} {editors}, sous la licence {licence}.",
    "typeface": "Cette édition est composée en {typeface}.",
    "checked": "Chaque chapitre de « {title} » a été comparé mot à mot avec le texte publié "
    "({source}) lors de la fabrication de cette édition, et trouvé identique.",
    "handout_title": "{title} : questions pour la discussion",
    "handout_description": "Questions pour la réunion d’un groupe d’étude, une partie du texte "
    "par page",
    "summary": "Guide d’étude de {titles}, en texte seul. Le texte, les notes, les questions pour "
    "la discussion et le glossaire sont balisés : navigation structurelle, table des matières, "
    "notes de bas de page et numéros de page de l’édition imprimée. L’image de couverture a une "
    "alternative textuelle et reprend le titre.",
    "no_date": "s. d.",
    "skip_to_text": "Aller au texte",
    "previous": "Précédent",
    "next": "Suivant",
    "pager": "Chapitre précédent et suivant",
    "linked_from": "Lié depuis",
    "preview": "Aperçu",
    "print_view": "Version imprimée (PDF)",
    "preview_error": "Les sources contiennent une erreur : voici la dernière version correcte.",
    "pages_updating": "Les numéros de page de l’édition imprimée sont en cours de mise à jour.",
}
DE = {
    "and": "und",
    "study_guide": "Studienbegleiter",
    "contents": "Inhalt",
    "glossary": "Glossar",
    "questions": "Fragen zur Diskussion",
    "notes": "Anmerkungen",
    "note_continued": "{number} (Fortsetzung)",
    "part": "Teil {number}",
    "linked_from_page": "Verwiesen von S.",
    "linked_from_pages": "Verwiesen von S.",
    "paragraph_number": "¶ {number}",
    "paragraph_label": "Absatz {number}",
    "page_abbreviation": "S.",
    "title_page": "Titelseite",
    "cover": "Umschlag",
    "cover_image": "Umschlag: {title}",
    "landmarks": "Orientierungspunkte",
    "start": "Beginn des Studienbegleiters",
    "landmark_introduction": "Einleitung",
    "pages": "Seiten",
    "print_page_numbers": "Seitenzahlen der Druckausgabe",
    "colophon": "Über diese Ausgabe",
    "sources": "Quellen der Anmerkungen",
    "further_reading": "Weiterführende Literatur",
    "text_by": "{kind} von {authors}",
    "by": "Von {authors}",
    "published_in": "Veröffentlicht in {publication}",
    "translated_by": "Aus dem {language} übersetzt von {translator}.",
    "translator_unknown": "Aus dem {language} übersetzt; der Übersetzer ist nicht genannt.",
    "edition_by": "Kommentierte Ausgabe von {editors}, {year}.",
    "annotated_edition": "Kommentierte Ausgabe, {year}",
    "rights_public_domain": "Der Text ist gemeinfrei.",
    "rights_licence": "Der Text steht unter der Lizenz {licence}.",
    "rights_permission": "Der Text ist © {holder} und wird mit Genehmigung abgedruckt.",
    "rights_reserved": "Der Text ist © {holder}.",
    "annotations_rights": "Die Anmerkungen sind © {year} {editors}.",
    "annotations_licence": "Die Anmerkungen sind © {year} {editors}, unter der Lizenz {licence}.",
    "typeface": "Diese Ausgabe ist in {typeface} gesetzt.",
    "checked": "Jedes Kapitel von „{title}“ wurde beim Erstellen dieser Ausgabe Wort für Wort mit "
    "dem veröffentlichten Text ({source}) verglichen und als identisch befunden.",
    "handout_title": "{title}: Fragen zur Diskussion",
    "handout_description": "Fragen für das Treffen einer Lesegruppe, ein Teil des Textes je Seite",
    "summary": "Ein Studienbegleiter zu {titles}, nur Text. Text, Anmerkungen, Diskussionsfragen "
    "und Glossar sind mit Strukturnavigation, Inhaltsverzeichnis, Fußnoten und den Seitenzahlen "
    "der Druckausgabe ausgezeichnet. Das Umschlagbild hat eine Textalternative und wiederholt "
    "den Titel.",
    "no_date": "o. J.",
    "skip_to_text": "Zum Text springen",
    "previous": "Zurück",
    "next": "Weiter",
    "pager": "Vorheriges und nächstes Kapitel",
    "linked_from": "Verlinkt von",
    "preview": "Vorschau",
    "print_view": "Druckansicht (PDF)",
    "preview_error": "Die Quellen enthalten einen Fehler: Dies ist die letzte fehlerfreie Fassung.",
    "pages_updating": "Die Seitenzahlen der Druckausgabe werden aktualisiert.",
}
TABLES = {"en": EN, "es": ES, "fr": FR, "de": DE}

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}
DATE_FORMATS = {
    "en": "{day} {month} {year}",
    "es": "{day} de {month} de {year}",
    "fr": "{day} {month} {year}",
    "de": "{day}. {month} {year}",
}
MONTH_YEAR_FORMATS = {"en": "{month} {year}", "es": "{month} de {year}", "fr": "{month} {year}"}
MONTH_YEAR_FORMATS["de"] = "{month} {year}"
# The languages a text may be translated from, named in the book's language (as after
# "translated from": Spanish, del español, de l'espagnol, aus dem Spanischen).
LANGUAGE_NAMES = {
    "en": {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese",
           "it": "Italian", "ru": "Russian", "la": "Latin", "zh": "Chinese", "ar": "Arabic"},
    "es": {"en": "inglés", "es": "español", "fr": "francés", "de": "alemán", "pt": "portugués",
           "it": "italiano", "ru": "ruso", "la": "latín", "zh": "chino", "ar": "árabe"},
    "fr": {"en": "anglais", "es": "espagnol", "fr": "français", "de": "allemand",
           "pt": "portugais", "it": "italien", "ru": "russe", "la": "latin", "zh": "chinois",
           "ar": "arabe"},
    "de": {"en": "Englischen", "es": "Spanischen", "fr": "Französischen", "de": "Deutschen",
           "pt": "Portugiesischen", "it": "Italienischen", "ru": "Russischen",
           "la": "Lateinischen", "zh": "Chinesischen", "ar": "Arabischen"},
}  # fmt: skip


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def primary(language: str) -> str:
    return language.split("-")[0].lower()


@dataclass(frozen=True)
class Labels:
    """The labels of one book: its language's table, with the book's own overrides."""

    language: str
    words: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        return self.words[key]

    def __getattr__(self, key: str) -> str:
        try:
            return self.words[key]
        except KeyError:
            raise AttributeError(key) from None

    def format(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return self.words["no_date"]
        language = self._dated_language()
        month = MONTHS[language].split()[value.month - 1]
        day = "1er" if language == "fr" and value.day == 1 else str(value.day)
        return DATE_FORMATS[language].format(day=day, month=month, year=value.year)

    def month_year(self, year: int, month: int) -> str:
        """A month of a year: "March 2007", "marzo de 2007"."""
        language = self._dated_language()
        name = MONTHS[language].split()[month - 1]
        return MONTH_YEAR_FORMATS[language].format(month=name, year=year)

    def _dated_language(self) -> str:
        """The language dates are written in: the book's, or English where there is no
        table of month names for it."""
        return primary(self.language) if primary(self.language) in MONTHS else "en"

    def language_name(self, code: str) -> str:
        names = LANGUAGE_NAMES.get(primary(self.language), LANGUAGE_NAMES["en"])
        return names.get(primary(code), code)


def labels_for(language: str, overrides: Mapping[str, str] | None = None) -> Labels:
    """The labels for `language` (English where there is no table for it), with overrides."""
    words = dict(TABLES.get(primary(language), EN))
    words.update(overrides or {})
    return Labels(language, words)
