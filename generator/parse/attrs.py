"""Reading `{key=value ...}` attribute lists: the plain ones with a regex, the rest with mdit-py-plugins' reader.

The plugin's reader walks a state machine in Python one character at a time: 55 µs for a claim's attributes,
an eighth of parsing an article. Nearly every list an editor writes is plain (`#id`, `.class`, `key=bare` and
`key="quoted"`, separated by spaces); for those one regex gives the same result. Anything else (comments,
escapes, a value spanning lines, no space after a quote, a malformed list) goes to the plugin's own reader, so
its results and errors stay the plugin's.
"""
from __future__ import annotations

import re

from mdit_py_plugins.attrs import index, parse as plugin

_NAME = r"[A-Za-z0-9_:-]+"
_ITEM = rf'([#.])({_NAME})|({_NAME})=(?:({_NAME})|"([^"\\{{}}\n]*)")'
_PLAIN = re.compile(rf"\{{[ \t]*(?:(?:{_ITEM})(?:[ \t]+(?:{_ITEM}))*)?[ \t]*\}}")
_ITEMS = re.compile(_ITEM)


def parse(string: str) -> tuple[int, dict[str, str]]:
    """Where the list that starts `string` closes, and its attributes (the plugin's `parse`, faster)."""
    whole = _PLAIN.match(string)
    if whole is None:
        return plugin.parse(string)
    end = whole.end() - 1
    attributes: dict[str, str] = {}
    classes = []
    for sign, name, key, bare, quoted in _ITEMS.findall(string, 1, end):
        if sign == "#":
            attributes["id"] = name
        elif sign:
            classes.append(name)
        elif key == "class":
            classes.append(bare or quoted)
        else:
            attributes[key] = bare or quoted
    if classes:
        attributes["class"] = " ".join(classes)
    return end, attributes


def install() -> None:
    """Have the plugin's rules read attribute lists with `parse` (they look it up in their module by name)."""
    index.parse = parse
