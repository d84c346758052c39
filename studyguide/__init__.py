"""studyguide: one article → an annotated study guide, as an EPUB and a print PDF."""

__version__ = "0.1.0"
