"""What the text of a source, a title or a name may not hold, and the errors that say so."""

from __future__ import annotations

import re
import unicodedata

from studyguide.errors import BuildError, SourceRef

# Characters XML 1.0 (and so the EPUB's XHTML) cannot hold, or that no one puts in prose on
# purpose: C0 controls except tab, newline and carriage return; DEL and the C1 controls;
# lone surrogates (only reachable through YAML or TOML escapes); the non-characters.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


def forbidden_character(text: str) -> int:
    """The index of the first character the editions cannot carry, or -1 if there is none."""
    found = _FORBIDDEN.search(text)
    return found.start() if found else -1


def describe_character(char: str) -> str:
    """`control character U+0007 (BEL)`: how an error names an invisible character."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        names = {0: "NUL", 7: "BEL", 8: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}
        name = names.get(code, "")
        return f"control character U+{code:04X}" + (f" ({name})" if name else "")
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate U+{code:04X}"
    return f"non-character U+{code:04X}"


def forbidden_character_error(where: SourceRef, text: str, index: int) -> BuildError:
    char = text[index]
    more = len(_FORBIDDEN.findall(text)) - 1
    return BuildError(
        where,
        f"{describe_character(char)} is not allowed"
        + (f" ({more} more in this text)" if more else ""),
        "it is invisible in most editors and XHTML cannot hold it: delete it "
        f"(search for \\u{ord(char):04X} with a regular expression)",
        "source.control-character",
    )


# A title or a name: far longer than any real one, short enough that every edition lays it
# out at once (a 100,000-character title took minutes to balance as a heading).
MAX_TITLE = 1000


def too_long_error(where: SourceRef, what: str, length: int) -> BuildError:
    return BuildError(
        where,
        f"{what} is {length:,} characters long, more than the {MAX_TITLE:,} a title or a name "
        "may have",
        "shorten it: a longer description belongs in the introduction, or in a note",
        "source.length",
    )


_BIDI_OVERRIDES = re.compile("[\u202a-\u202e]")


def name_error(where: SourceRef, text: str) -> BuildError | None:
    """What a title or a name may not hold, if it does: a character the editions cannot
    carry, or a bidi embedding or override (U+202A to U+202E), which changes the order in
    which a reader sees the characters, not the characters ("Trojan Source")."""
    index = forbidden_character(text)
    if index >= 0:
        return forbidden_character_error(where, text, index)
    found = _BIDI_OVERRIDES.search(text)
    if found is None:
        return None
    char = found.group()
    return BuildError(
        where,
        f"the bidi control U+{ord(char):04X} ({unicodedata.name(char)}) is not allowed in a "
        "title or a name: it changes the order in which a reader sees the characters",
        f"delete it (search for \\u{ord(char):04x}); to set a right-to-left name in a "
        "left-to-right title, put it between U+2067 RIGHT-TO-LEFT ISOLATE and U+2069 POP "
        "DIRECTIONAL ISOLATE",
        "source.bidi-control",
    )
