"""Pygments: fenced code in articles, the annotated source view, and the stylesheet for both."""
from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer, bygroups
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Generic, Keyword, Literal, Name, Punctuation, String, Text, Whitespace
from pygments.util import ClassNotFound

LIGHT_STYLE, DARK_STYLE = "friendly", "monokai"


# Plain text, tried first because it is most of a file (each rule tried before the one that matches costs a
# regex match): these match nothing that the rules after them would make another token of.
PLAIN_FIRST = [(r"(?!^(?:~{3}|#{1,6}[ \t]|[ \t]*\{))[^\[\]{`\n]+", Text), (r"\n", Text)]


class AnnotatedMarkdownLexer(RegexLexer):
    """Our file format: YAML front matter, then Markdown with `[[mentions]]`, `{claim=...}` and notes.

    Deliberately coarse (whole runs of plain text are one token): the source view is rendered for every
    article, and Pygments' full Markdown lexer costs several milliseconds a page.
    """

    name = "Annotated Markdown"
    aliases = ["annotated-markdown"]
    tokens = {
        "root": [
            (r"\A---\n", Punctuation, "front"),
            *PLAIN_FIRST,
            (r"^(`{3,}|~{3,})[^\n]*\n(?:.*\n)*?\1[ \t]*$\n?", String.Backtick),
            (r"^#{1,6}[ \t][^\n]*\n", Generic.Heading),
            (r"^[ \t]*\{[^{}\n]*\}[ \t]*\n", Keyword),
            (r"^\[\^[^\]\s]+\]:", Name.Label),
            (r"(\[\[)([^\[\]|\n]+)(\|[^\[\]\n]*)?(\]\])", bygroups(Punctuation, Name.Entity, String, Punctuation)),
            (r"(\])(\{[^{}\n]*\})", bygroups(Punctuation, Keyword)),
            (r"\[\^[^\]\s]+\]", Name.Label),
            (r"`[^`\n]+`", String.Backtick),
            (r"[^\[\]{`\n]+", Text),
            (r"[\s\S]", Text),
        ],
        # YAML as front matter writes it (Pygments' YAML lexer makes a token of every word of a quoted string)
        "front": [
            (r"^---\n", Punctuation, "#pop"),
            (r"([^\s:#\-\[\]{},\"'][^:\n\[\]{},]*)(:)(?=\s)", bygroups(Name.Tag, Punctuation)),
            (r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'', String),
            (r"^[ \t]*-(?=\s)|[\[\]{},]", Punctuation.Indicator),
            (r"#[^\n]*", Comment),
            (r"[ \t]+", Whitespace),
            (r"[^\"'\[\]{},#\n]+", Literal.Scalar.Plain),
            (r"[\s\S]", Text),
        ],
    }


@lru_cache(maxsize=None)  # making one builds its style's CSS classes: a third of highlighting a short file
def _formatter(kind: str) -> HtmlFormatter:
    if kind == "code":
        return HtmlFormatter(nowrap=True)
    # inline numbers: a table's number column drifts from its lines as soon as one of them wraps
    return HtmlFormatter(linenos="inline", lineanchors="L", anchorlinenos=True, cssclass="highlight source")


@lru_cache(maxsize=None)
def _source_lexer() -> AnnotatedMarkdownLexer:
    return AnnotatedMarkdownLexer()


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
    body = highlight(code, lexer, _formatter("code"))
    return f'<pre class="highlight"><code class="language-{escape(language)}">{body}</code></pre>\n'


def highlight_source(text: str) -> Markup:
    """An annotated file with numbered, linkable lines (`#L12`), front matter included."""
    return Markup(highlight(text, _source_lexer(), _formatter("source")))


def stylesheet() -> str:
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(".highlight")
    indented = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
