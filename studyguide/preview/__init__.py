"""The preview (`studyguide serve`): the book as the web edition on 127.0.0.1, rebuilt on every
save and reloaded in the browser.

session.py keeps what is shown (the last good book, the mistakes of the last save, the page
map in use) and renders it; printing.py lays the print edition out in a second process for
the page numbers and the print view; server.py answers the browser and watches the sources;
commands.py adds `serve` to the command line.
"""
