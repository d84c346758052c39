"""Names made from titles: lowercase ASCII words joined by hyphens, for files, slugs and ids."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, max_words: int = 6, max_length: int = 48) -> str:
    """`"Fulfil the deal now!"` → `fulfil-the-deal-now`; "" when the text has no letters or
    digits that fold to ASCII."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower().replace("'", ""))
    slug = ""
    for word in words[:max_words]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_length and slug:
            break
        slug = longer[:max_length]
    return slug
