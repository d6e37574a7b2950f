"""Pygments: fenced code in articles, the annotated source view, and the stylesheet for both."""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import bygroups, inherit, using
from pygments.lexers import get_lexer_by_name
from pygments.lexers.data import YamlLexer
from pygments.lexers.markup import MarkdownLexer
from pygments.token import Keyword, Name, Punctuation, String, Text
from pygments.util import ClassNotFound

LIGHT_STYLE, DARK_STYLE = "friendly", "monokai"


class AnnotatedMarkdownLexer(MarkdownLexer):
    """Markdown with our annotations picked out: `[[mentions]]`, `{claim=...}` attributes, notes."""

    name = "Annotated Markdown"
    aliases = ["annotated-markdown"]
    tokens = {
        "root": [
            (r"\A(---\n)((?:.*\n)*?)(---\n)", bygroups(Punctuation, using(YamlLexer), Punctuation)),
            (r"^\{[^{}\n]*\}\n", Keyword),
            inherit,
        ],
        "inline": [
            (r"(\[\[)([^\[\]|\n]+)(\|[^\[\]\n]*)?(\]\])", bygroups(Punctuation, Name.Entity, String, Punctuation)),
            (r"(\])(\{[^{}\n]*\})", bygroups(Punctuation, Keyword)),
            (r"\[\^[^\]\s]+\]:?", Name.Label),
            (r"[^\\\s\[\]{]+", Text),
            inherit,
        ],
    }


@lru_cache(maxsize=64)
def _lexer(language: str):
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def highlight_code(code: str, language: str, _attrs: str = "") -> str:
    """markdown-it's highlight hook: '' leaves unknown languages to the default (escaped) rendering."""
    lexer = _lexer(language.strip().lower()) if language else None
    if lexer is None:
        return ""
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code class="language-{escape(language)}">{body}</code></pre>\n'


def highlight_source(text: str) -> Markup:
    """An annotated file with numbered, linkable lines (`#L12`), front matter included."""
    formatter = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, cssclass="highlight source")
    return Markup(highlight(text, AnnotatedMarkdownLexer(), formatter))


def stylesheet() -> str:
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(".highlight")
    indented = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
