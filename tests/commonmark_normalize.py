"""HTML normalisation for the CommonMark examples, following the rules of the spec's test/normalize.py:
whitespace collapsed outside <pre>, whitespace around block tags dropped, self-closing tags opened,
attributes sorted, character references decoded (except for < > & ")."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

BLOCK_TAGS = frozenset(
    "article header aside hgroup blockquote hr iframe body li map button object canvas ol caption output col p "
    "colgroup pre dd progress div section dl table td dt tbody embed textarea fieldset tfoot figcaption th "
    "figure thead footer tr form ul h1 h2 h3 h4 h5 h6 video script style".split())
_WHITESPACE = re.compile(r"\s+")
_CHUNKS = re.compile(r"(<!\[CDATA\[.*?\]\]>|<[^>]*>|[^<]+)", re.DOTALL)
_SPECIAL = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}


class _Normaliser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.last, self.last_tag, self.in_pre, self.output = "starttag", "", False, ""

    def handle_data(self, data: str) -> None:
        after_tag = self.last in ("starttag", "endtag")
        if after_tag and self.last_tag == "br":
            data = data.lstrip("\n")
        if not self.in_pre:
            data = _WHITESPACE.sub(" ", data)
            if after_tag and self.last_tag in BLOCK_TAGS:
                data = data.lstrip() if self.last == "starttag" else data.strip()
        self.output += data
        self.last = "data"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_pre = self.in_pre or tag == "pre"
        if tag in BLOCK_TAGS:
            self.output = self.output.rstrip()
        self.output += "<" + tag
        for key, value in sorted(attrs, key=lambda kv: (kv[0], kv[1] or "")):
            self.output += f" {key}" + ("" if value is None else f'="{html.escape(value, quote=True)}"')
        self.output += ">"
        self.last_tag, self.last = tag, "starttag"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.last = "endtag"

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.in_pre = False
        elif tag in BLOCK_TAGS:
            self.output = self.output.rstrip()
        self.output += f"</{tag}>"
        self.last_tag, self.last = tag, "endtag"

    def handle_comment(self, data: str) -> None:
        self.output += f"<!--{data}-->"
        self.last = "comment"

    def handle_decl(self, data: str) -> None:
        self.output += f"<!{data}>"
        self.last = "decl"

    unknown_decl = handle_decl

    def handle_pi(self, data: str) -> None:
        self.output += f"<?{data}>"
        self.last = "pi"

    def _char(self, char: str | None, fallback: str) -> None:
        self.output += fallback if char is None else _SPECIAL.get(char, char)
        self.last = "ref"

    def handle_entityref(self, name: str) -> None:
        code = html.entities.name2codepoint.get(name)
        self._char(None if code is None else chr(code), f"&{name};")

    def handle_charref(self, name: str) -> None:
        try:
            char = chr(int(name[1:], 16) if name[:1] in "xX" else int(name))
        except (ValueError, OverflowError):
            char = None
        self._char(char, f"&{name};")


def normalize_html(text: str) -> str:
    parser = _Normaliser()
    for chunk in _CHUNKS.finditer(text):
        if chunk.group(0).startswith("<![CDATA"):
            parser.output += chunk.group(0)
        else:
            parser.feed(chunk.group(0))
    parser.close()
    return parser.output
