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


_TYPES: dict[str, type] = {"title": str, "base_url": str, "language": str, "description": str,
                           "per_page": int}
_TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false"}


def _key_loc(text: str, key: str) -> Loc:
    match = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", text, re.MULTILINE)
    if not match:
        return Loc(CONFIG_FILE)
    return Loc(CONFIG_FILE, text.count("\n", 0, match.start()) + 1, match.start() - text.rfind("\n", 0, match.start()))


def load_config(root: Path) -> tuple[Config, list[Diagnostic]]:
    text = (root / CONFIG_FILE).read_text(encoding="utf-8-sig")
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        where = Loc(CONFIG_FILE, int(match[1]), int(match[2])) if match else Loc(CONFIG_FILE)
        return Config(), [where.error(f"invalid TOML: {str(exc).split(' (at')[0]}")]
    values: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    for key, value in raw.items():
        expected = _TYPES.get(key)
        if expected is None:
            problems.append(_key_loc(text, key).warning(f"unknown setting '{key}'{did_you_mean(key, _TYPES)}"))
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(_key_loc(text, key).error(f"'{key}' must be {_TYPE_NAMES[expected]}"))
        else:
            values[key] = value
    if values.get("per_page", 1) < 1:
        problems.append(_key_loc(text, "per_page").error("'per_page' must be at least 1"))
        values.pop("per_page")
    base = values.get("base_url", "")
    if base and not re.match(r"^https?://", base):
        problems.append(_key_loc(text, "base_url").error("'base_url' must start with http:// or https://"))
        values.pop("base_url")
    elif base and not base.endswith("/"):
        values["base_url"] = base + "/"
    return Config(**values), problems
