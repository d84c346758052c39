"""The first stage: a book's folder → the model (studyguide.model.Book), or every mistake in it.

`book.load_book` is the stage's entry: book.toml (meta.py), chapters/ and glossary/
(files.py) are read, their front matter (frontmatter.py) and Markdown (markdown.py) parsed
into frozen nodes (nodes.py), chapters and glossary entries built (chapters.py, glossary.py)
and the article checked word for word against its published text (checks.py). Nothing
later reads a file of the book's. This file imports nothing, so that the Makefile can read
book.toml with the system's Python alone.
"""
