"""The second stage: the model → the shared layout's documents, for every edition.

html.py renders the model's Markdown nodes to XHTML fragments (markdown-it's render rules
plus the book's: notes, term links, paragraph numbers, from the macros of
templates/_markup.html.j2); views.py renders a whole book for one medium; documents.py puts
the fragments through the Jinja2 templates (templates/) into the EPUB's XHTML files and
navigation and the print HTML; markup.py holds the environment and the apparatus' class
names; typeface.py finds the book's fonts. styles/ holds the CSS of both editions.
"""
