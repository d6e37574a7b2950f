"""Identifiers and references: slugs for ids, normalised keys for entity references."""
from __future__ import annotations

import re
from functools import lru_cache
import unicodedata

from slugify import slugify

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# both are pure and called with the same few thousand names hundreds of thousands of times per build
@lru_cache(maxsize=1 << 16)
def make_id(text: str) -> str:
    """The id derived from a name or file stem, with Unicode transliterated (`Ürümqi` -> `urumqi`)."""
    return slugify(text)


def is_id(text: str) -> bool:
    return bool(_SLUG.match(text))


@lru_cache(maxsize=1 << 18)
def ref_key(reference: str) -> str:
    """The form in which references compare: NFC, case-folded, whitespace folded."""
    return " ".join(unicodedata.normalize("NFC", reference).casefold().split())
