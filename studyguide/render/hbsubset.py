"""Font subsets made by HarfBuzz's subsetter (libharfbuzz-subset, which WeasyPrint uses for the
print edition's fonts too): the same cut as fontTools' subsetter, in C, about a hundred times
faster on Charis SIL (whose layout tables fontTools reads in Python, most of a small book's
EPUB build). Reached through cffi, as WeasyPrint reaches it, with declarations of our own:
importing WeasyPrint for its bindings would cost an EPUB-only build more than the subset.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

_DECLARATIONS = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef uint32_t hb_tag_t;
typedef int hb_bool_t;
typedef void (*hb_destroy_func_t) (void *user_data);

hb_bool_t hb_version_atleast (unsigned int major, unsigned int minor, unsigned int micro);
hb_blob_t *hb_blob_create (const char *data, unsigned int length, int mode,
                           void *user_data, hb_destroy_func_t destroy);
void hb_blob_destroy (hb_blob_t *blob);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
unsigned int hb_face_get_glyph_count (const hb_face_t *face);
hb_tag_t hb_tag_from_string (const char *str, int len);
void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
void hb_set_clear (hb_set_t *set);
void hb_set_invert (hb_set_t *set);

hb_subset_input_t *hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""

# The names the libraries go by on Linux, macOS and Windows (as WeasyPrint looks for them).
_LIBRARIES = (
    "libharfbuzz-subset.so.0",
    "libharfbuzz-subset.0.dylib",
    "libharfbuzz-subset-0.dll",
    "harfbuzz-subset",
)
_MEMORY_MODE_DUPLICATE = 0  # HB_MEMORY_MODE_DUPLICATE: HarfBuzz copies the font's bytes
_FLAG_NOTDEF_OUTLINE = 0x40  # HB_SUBSET_FLAGS_NOTDEF_OUTLINE
# hb_subset_sets_t
_SET_DROP_TABLE_TAG = 3
_SET_NAME_ID = 4
_SET_NAME_LANG_ID = 5
_SET_LAYOUT_FEATURE_TAG = 6
# The font's own names (family, copyright, licence, ...: IDs below 256), not those of the
# features and glyphs it names above (a subset keeps few of those), as fontTools keeps them.
_NAME_IDS = range(256)
_MINIMUM_VERSION = (4, 1, 0)  # hb_subset_input_set and hb_set_invert, as WeasyPrint needs


@cache
def _library() -> tuple[Any, Any] | None:
    """cffi and the subset library, or None where it is not installed (or too old)."""
    try:
        from cffi import FFI
    except ImportError:
        return None
    ffi = FFI()
    ffi.cdef(_DECLARATIONS)
    for name in _LIBRARIES:
        try:
            library = ffi.dlopen(name)
        except OSError:
            continue
        try:
            if library.hb_version_atleast(*_MINIMUM_VERSION):
                return ffi, library
        except AttributeError:  # (a library without the function: not HarfBuzz's)
            continue
    return None


def available() -> bool:
    return _library() is not None


def subset(
    data: bytes,
    index: int,
    characters: Iterable[str],
    features: Iterable[str],
    drop_tables: Iterable[str],
) -> bytes | None:
    """The font in `data` (face `index` of a collection) cut down to `characters` and the
    glyphs they reach through the OpenType `features` kept, with the font's names (in every
    language), `.notdef` drawn, and `drop_tables` dropped. None if HarfBuzz is not there or
    cannot subset it."""
    found = _library()
    if found is None:
        return None
    ffi, hb = found
    # (each HarfBuzz object given back to HarfBuzz when its Python handle goes)
    blob = ffi.gc(
        hb.hb_blob_create(
            ffi.from_buffer(data), len(data), _MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL
        ),
        hb.hb_blob_destroy,
    )
    face = ffi.gc(hb.hb_face_create(blob, index), hb.hb_face_destroy)
    request = hb.hb_subset_input_create_or_fail()
    if request == ffi.NULL or hb.hb_face_get_glyph_count(face) == 0:
        return None
    request = ffi.gc(request, hb.hb_subset_input_destroy)
    unicodes = hb.hb_subset_input_unicode_set(request)
    for character in characters:
        hb.hb_set_add(unicodes, ord(character))
    kept_features = hb.hb_subset_input_set(request, _SET_LAYOUT_FEATURE_TAG)
    hb.hb_set_clear(kept_features)
    for feature in features:
        hb.hb_set_add(kept_features, _tag(hb, feature))
    dropped = hb.hb_subset_input_set(request, _SET_DROP_TABLE_TAG)
    for table in drop_tables:
        hb.hb_set_add(dropped, _tag(hb, table))
    names = hb.hb_subset_input_set(request, _SET_NAME_ID)
    for number in _NAME_IDS:
        hb.hb_set_add(names, number)
    languages = hb.hb_subset_input_set(request, _SET_NAME_LANG_ID)
    hb.hb_set_clear(languages)
    hb.hb_set_invert(languages)  # every language: the empty set inverted
    hb.hb_subset_input_set_flags(request, _FLAG_NOTDEF_OUTLINE)
    made = hb.hb_subset_or_fail(face, request)
    if made == ffi.NULL:
        return None
    made = ffi.gc(made, hb.hb_face_destroy)
    out = ffi.gc(hb.hb_face_reference_blob(made), hb.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    pointer = hb.hb_blob_get_data(out, length)
    return bytes(ffi.buffer(pointer, length[0])) if length[0] else None


def _tag(hb: Any, name: str) -> int:
    encoded = name.encode("ascii")
    return int(hb.hb_tag_from_string(encoded, len(encoded)))
