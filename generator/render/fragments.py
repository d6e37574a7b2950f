"""`{% cached %}...{% endcached %}`: a part of a template made once per depth of page, then reused.

For the parts that every page shows alike (base.html's head, header and footer): their links are relative, so
they differ only by how deep the page is. Rendering them costs a third of a short page's time; reused, next to
nothing. What is inside must depend on nothing but `site` and the links: the site settings and the templates
do not change while an environment lives (a changed one gets a new environment, and so an empty cache).
"""
from __future__ import annotations

from typing import Callable

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.runtime import Context
from markupsafe import Markup


class FragmentCache(Extension):
    tags = {"cached"}

    def __init__(self, environment):
        super().__init__(environment)
        self.made: dict[tuple[str, int, str], Markup] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endcached",), drop_needle=True)
        where = [nodes.Const(parser.name or ""), nodes.Const(lineno)]
        return nodes.CallBlock(self.call_method("_fragment", [nodes.ContextReference(), *where]), [], [], body
                               ).set_lineno(lineno)

    def _fragment(self, context: Context, template: str, lineno: int, caller: Callable[[], Markup]) -> Markup:
        root = context.resolve("url")("")  # what every link of this page starts from
        key = (template, lineno, root)
        made = self.made.get(key)
        if made is None:
            made = self.made[key] = caller()
        return made
