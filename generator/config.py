"""archive.toml: site settings, every problem reported at once, unknown keys warned about."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Loc, did_you_mean

CONFIG_FILE = "archive.toml"


@dataclass(frozen=True, slots=True)
class Config:
    title: str = "Archive"
    base_url: str = ""  # absolute URL of the site root; used where absolute URLs are required (feeds, sitemap)
    language: str = "en"
    description: str = ""
    per_page: int = 50  # items on one page of a long list
    # pages in each part of the search index: Pagefind holds a part's words while it indexes it (generator/search.py)
    search_part_pages: int = 1500


_TYPES: dict[str, type] = {"title": str, "base_url": str, "language": str, "description": str,
                           "per_page": int, "search_part_pages": int}
# BCP 47's shape (a language, then subtags: script, region, variants). Pagefind, given anything else as the
# language of the index, can crash while naming its files.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
_TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false"}


def _offset_loc(text: str, offset: int) -> Loc:
    return Loc(CONFIG_FILE, text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))


def _key_loc(text: str, key: str) -> Loc:
    """Where `key` is set: `key = ...`, a dotted `key.x = ...` or a table `[key]` (settings copied from
    another generator's config often come as tables)."""
    match = re.search(rf"^[ \t]*\[*[ \t]*[\"']?({re.escape(key)})[\"']?[ \t]*[=.\]]", text, re.MULTILINE)
    return _offset_loc(text, match.start(1)) if match else Loc(CONFIG_FILE)


def _read(root: Path) -> tuple[str | None, list[Diagnostic]]:
    data = (root / CONFIG_FILE).read_bytes()
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8-sig")  # valid up to the first bad byte
        where = _offset_loc(before, len(before))
        return None, [where.error(f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}): save it with UTF-8 encoding")]


def load_config(root: Path) -> tuple[Config, list[Diagnostic]]:
    text, problems = _read(root)
    if text is None:
        return Config(), problems
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        where = Loc(CONFIG_FILE, int(match[1]), int(match[2])) if match else Loc(CONFIG_FILE)
        return Config(), [where.error(f"invalid TOML: {str(exc).split(' (at')[0]}")]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        expected = _TYPES.get(key)
        if expected is None:
            problems.append(_key_loc(text, key).warning(f"unknown setting '{key}'{did_you_mean(key, _TYPES)}"))
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(_key_loc(text, key).error(f"'{key}' must be {_TYPE_NAMES[expected]}"))
        else:
            values[key] = value
    for key in ("per_page", "search_part_pages"):
        if values.get(key, 1) < 1:
            problems.append(_key_loc(text, key).error(f"'{key}' must be at least 1"))
            values.pop(key)
    language = values.get("language", "en")
    if not _LANGUAGE_TAG.match(language):
        tag = language.replace("_", "-")  # a locale's spelling (en_GB)
        hint = f" (did you mean '{tag}'?)" if _LANGUAGE_TAG.match(tag) else ""
        problems.append(_key_loc(text, "language").error(
            "'language' must be a language tag such as 'en', 'fr' or 'pt-BR' (the pages' lang, and the words' "
            f"stemming in search){hint}"))
        values.pop("language")
    base = values.get("base_url", "")
    if base and not re.match(r"^https?://", base):
        problems.append(_key_loc(text, "base_url").error("'base_url' must start with http:// or https://"))
        values.pop("base_url")
    elif base and not base.endswith("/"):
        values["base_url"] = base + "/"
    return Config(**values), problems
