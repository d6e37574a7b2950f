"""A body's HTML, rendered once when its file is parsed, with a hole wherever resolution decides the HTML:
a mention's link (`m<ref>`) and a claim's tag (`t<index>`), which `render.markdown.fill` fills for each page.

Holes are NUL-delimited: markdown-it turns every NUL of its input into U+FFFD, so no other NUL is in its output.
"""
from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..escaping import fast_escape
from ..model import ClaimSpan
from ..render.highlight import highlight_code
from .markdown import make_parser

HOLE = re.compile("\x00([mt])([^\x00]*)\x00")


def render_entity_mention(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    return f"\x00m{token.meta['ref']}\x00{fast_escape(token.content)}</a>"


def render_entity_open(self, tokens: list[Token], idx: int, options, env) -> str:
    return f"\x00m{tokens[idx].meta['ref']}\x00"


def render_entity_close(self, tokens: list[Token], idx: int, options, env) -> str:
    return "</a>"


def _span(claims: Sequence[ClaimSpan], tag: Token) -> ClaimSpan | None:
    index = tag.meta.get("index")
    return claims[index] if index is not None and index < len(claims) else None


def render_claim_open(self, tokens: list[Token], idx: int, options, env) -> str:
    span = _span(env["claims"], tokens[idx].meta["tag"])
    return f'<span class="claim" data-stance="{fast_escape(span.stance if span else "")}">'


def render_claim_close(self, tokens: list[Token], idx: int, options, env) -> str:
    return "</span>"


def render_claim_tag(self, tokens: list[Token], idx: int, options, env) -> str:
    return "" if _span(env["claims"], tokens[idx]) is None else f"\x00t{tokens[idx].meta['index']}\x00"


@lru_cache(maxsize=None)
def body_renderer() -> MarkdownIt:
    """The body parser without front matter, with our render rules."""
    md = make_parser(front_matter=False)
    md.options["highlight"] = highlight_code
    for name, rule in globals().items():
        if name.startswith("render_"):
            md.add_render_rule(name.removeprefix("render_"), rule)
    return md


def prerender(tokens: list[Token], claims: Sequence[ClaimSpan]) -> str:
    """A body's HTML with holes; `claims`: the spans that get claim tags (none in a record's body)."""
    md = body_renderer()
    return md.renderer.render(tokens, md.options, {"claims": claims})


def pack(html: str, compress: bool = True) -> bytes:
    """A body as a document keeps it: UTF-8, and in a large archive compressed (to less than half), because one
    process holds every article's (at 100,000 articles, about 240 MB less). Compressing one costs 70
    microseconds and `unpack` 25 more, for the one page that shows it; as bytes alone, 4 and 5 (a body of the
    benchmark's 10,000-article corpus, 4.3 kB)."""
    return b"z" + zlib.compress(html.encode(), 1) if compress else b"=" + html.encode()


def unpack(body: bytes | memoryview) -> str:
    data = memoryview(body)[1:]  # (not a copy)
    return zlib.decompress(data).decode() if body[0] == 0x7A else str(data, "utf-8")
