"""The front-matter keys of each kind of file, checked into typed values; every problem reported."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Callable

from ..diagnostics import Diagnostic, Loc, did_you_mean
from ..ids import is_id, make_id
from ..model import ENTITY_TYPES, SOURCE_KINDS, Field
from .frontmatter import plain

Check = Callable[[str, Field, list[Diagnostic]], Any]
_URL_SCHEME = re.compile(r"^(https?|mailto):", re.IGNORECASE)


def _text(key: str, field: Field, out: list[Diagnostic]) -> str | None:
    if isinstance(field.value, (list, dict)):
        out.append(field.loc.error(f"'{key}' must be text, not a {'list' if isinstance(field.value, list) else 'mapping'}"))
        return None
    return None if field.value is None else str(field.value).strip()


def _flag(key: str, field: Field, out: list[Diagnostic]) -> bool | None:
    if not isinstance(field.value, bool):
        out.append(field.loc.error(f"'{key}' must be true or false"))
        return None
    return field.value


def _date(key: str, field: Field, out: list[Diagnostic]) -> date | datetime | None:
    raw = _text(key, field, out)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
    except ValueError as exc:
        reason = str(exc) if "must be in" in str(exc) or "out of range" in str(exc) else "use YYYY-MM-DD or an ISO datetime"
        out.append(field.loc.error(f"'{key}' is not a valid date: '{raw}' ({reason})"))
        return None


def _url(key: str, field: Field, out: list[Diagnostic]) -> str | None:
    raw = _text(key, field, out)
    if raw and not _URL_SCHEME.match(raw):
        out.append(field.loc.error(f"'{key}' must be an http(s) or mailto URL, not '{raw}'"))
        return None
    return raw


def _slug(key: str, field: Field, out: list[Diagnostic]) -> str | None:
    raw = _text(key, field, out)
    if raw is not None and not is_id(raw):
        hint = f" (did you mean '{make_id(raw)}'?)" if make_id(raw) else ""
        out.append(field.loc.error(f"'{key}' must be lowercase letters, digits and single hyphens, not '{raw}'{hint}"))
        return None
    return raw


def _list(item: Check) -> Check:
    """A list of items (a single item is accepted as a list of one); items keep their positions."""

    def check(key: str, field: Field, out: list[Diagnostic]) -> list[Field] | None:
        items = field.value if isinstance(field.value, list) else [field]
        if isinstance(field.value, dict):
            out.append(field.loc.error(f"'{key}' must be a list"))
            return None
        checked = [Field(item(key, f, out), f.loc) for f in items if f.value is not None]
        return [f for f in checked if f.value]

    return check


def _choice(options: tuple[str, ...], synonyms: dict[str, str] | None = None) -> Check:
    def check(key: str, field: Field, out: list[Diagnostic]) -> str | None:
        raw = _text(key, field, out)
        raw = (synonyms or {}).get(raw, raw) if raw is not None else None
        if raw is not None and raw not in options:
            out.append(field.loc.error(f"unknown {key} '{raw}': use one of {', '.join(options)}{did_you_mean(raw, options)}"))
            return None
        return raw

    return check


def _links(key: str, field: Field, out: list[Diagnostic]) -> dict[str, str] | None:
    if not isinstance(field.value, dict):
        out.append(field.loc.error(f"'{key}' must be a mapping of names to URLs or identifiers"))
        return None
    links = {name: _text(name, f, out) for name, f in field.value.items()}
    return {name: value for name, value in links.items() if value}


def _records(schema: dict[str, tuple[Check, bool]], what: str) -> Check:
    """Article-local records: a mapping of id to a record with the same keys as a record file."""

    def check(key: str, field: Field, out: list[Diagnostic]) -> dict[str, Field] | None:
        if not isinstance(field.value, dict):
            out.append(field.loc.error(f"'{key}' must be a mapping of {what} ids to {what} records"))
            return None
        records = {}
        for rid, record in field.value.items():
            if not is_id(rid):
                out.append((record.key_loc or record.loc).error(f"{what} id '{rid}' must be lowercase letters, digits and single hyphens"
                                            + (f" (did you mean '{make_id(rid)}'?)" if make_id(rid) else "")))
            elif not isinstance(record.value, dict):
                out.append(record.loc.error(f"{what} '{rid}' must be a mapping of keys to values"))
            else:
                records[rid] = Field(check_fields(record.value, schema, record.loc, out), record.loc)
        return records

    return check


# British spelling is as good as the contract's American one
ENTITY = {"name": (_text, True), "type": (_choice(ENTITY_TYPES, {"organisation": "organization"}), False), "aliases": (_list(_text), False),
          "description": (_text, False), "links": (_links, False)}
CLAIM = {"statement": (_text, True), "about": (_list(_text), False), "related": (_list(_slug), False)}
SOURCE = {"title": (_text, True), "kind": (_choice(SOURCE_KINDS), False), "publisher": (_text, False),
          "date": (_date, False), "url": (_url, False)}
ARTICLE = {"title": (_text, True), "date": (_date, True), "slug": (_slug, False), "summary": (_text, False),
           "publisher": (_text, False), "wire": (_text, False), "authors": (_list(_text), False),
           "original_url": (_url, False), "tags": (_list(_text), False), "source_note": (_text, False),
           "sources": (_records(SOURCE, "source"), False), "entities": (_records(ENTITY, "entity"), False),
           "draft": (_flag, False)}
SCHEMAS = {"article": ARTICLE, "entity": ENTITY, "claim": CLAIM, "source": SOURCE}


def check_fields(raw: dict[str, Field], schema: dict[str, tuple[Check, bool]], where: Loc,
                 out: list[Diagnostic]) -> dict[str, Field]:
    """Typed fields for the known keys; unknown keys kept as plain values, with a hint for near misses."""
    fields: dict[str, Field] = {}
    for key, field in raw.items():
        if key in schema:
            value = schema[key][0](key, field, out) if field.value is not None else None
            if value is not None and value != "":
                fields[key] = Field(value, field.loc)
            continue
        hint = did_you_mean(key, schema)
        if hint:
            out.append((field.key_loc or field.loc).warning(f"unknown key '{key}'{hint}"))
        fields[key] = Field(plain(field), field.loc)
    for key, (_, required) in schema.items():
        if not required or key in fields:
            continue
        if key not in raw:
            out.append(where.error(f"missing required key '{key}'"))
        elif raw[key].value in (None, ""):
            out.append(raw[key].loc.error(f"'{key}' must not be empty"))
    return fields
