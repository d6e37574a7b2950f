"""The one markdown-it parser: CommonMark, footnotes as source notes, Pandoc spans, our mentions."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from . import attrs
from .annotations import ALLOWED_ATTRS, annotations_plugin
from .mentions import wikilink_plugin

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def _normalize(state: StateCore) -> None:
    """markdown-it's `normalize` (line endings to `\\n`, NUL to U+FFFD) without rewriting a text that has neither:
    its regex replaced every newline of every file: 34 µs of the 800 that parsing a 4 kB article takes."""
    if "\r" in state.src:
        state.src = state.src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in state.src:
        state.src = state.src.replace("\0", "\ufffd")


def _quiet_block_rules() -> None:
    """markdown-it's block rules log a debug line each time one is tried, about a hundred times an article: even
    with logging off, each is two Python calls (1.4 % of an article's parse, counted by callgrind). Their
    loggers' `debug` becomes a C call that does nothing (the lines are for markdown-it's own developers)."""
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("markdown_it.") and isinstance(logger, logging.Logger):
            logger.debug = "".format  # type: ignore[method-assign]  # takes any arguments, returns ""


def validate_link(url: str) -> bool:
    """Keep only http, https, mailto and relative links: articles come from feeds nobody here controls."""
    match = _SCHEME.match(url)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


@lru_cache(maxsize=None)
def make_parser(front_matter: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    _quiet_block_rules()
    md.validateLink = validate_link  # type: ignore[method-assign]
    md.core.ruler.at("normalize", _normalize)
    if front_matter:
        front_matter_plugin(md)
    footnote_plugin(md, inline=False, always_match_refs=True)
    wikilink_plugin(md)
    attrs.install()
    attrs_plugin(md, spans=True, allowed=ALLOWED_ATTRS)
    attrs_block_plugin(md, allowed=ALLOWED_ATTRS)
    annotations_plugin(md)
    return md
