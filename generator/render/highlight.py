"""Pygments: fenced code in articles, the annotated source view, and the stylesheet for both."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Generic, Keyword, Literal, Name, Punctuation, String, Text, Whitespace, _TokenType
from pygments.util import ClassNotFound

LIGHT_STYLE, DARK_STYLE = "friendly", "monokai"
Rule = tuple[str, _TokenType | tuple[_TokenType, ...]]


# Our file format's rules as Pygments' RegexLexer would take them: at each position, the first rule that matches
# makes the token (a tuple: one token for each group). Plain text comes first because it is most of a file:
# these match nothing that the rules after them would make another token of.
PLAIN_FIRST: list[Rule] = [(r"(?!^(?:~{3}|#{1,6}[ \t]|[ \t]*\{))[^\[\]{`\n]+", Text), (r"\n", Text)]
BODY: list[Rule] = [
    *PLAIN_FIRST,
    (r"^(?P<fence>`{3,}|~{3,})[^\n]*\n(?:.*\n)*?(?P=fence)[ \t]*$\n?", String.Backtick),
    (r"^#{1,6}[ \t][^\n]*\n", Generic.Heading),
    (r"^[ \t]*\{[^{}\n]*\}[ \t]*\n", Keyword),
    (r"^\[\^[^\]\s]+\]:", Name.Label),
    (r"(\[\[)([^\[\]|\n]+)(\|[^\[\]\n]*)?(\]\])", (Punctuation, Name.Entity, String, Punctuation)),
    (r"(\])(\{[^{}\n]*\})", (Punctuation, Keyword)),
    (r"\[\^[^\]\s]+\]", Name.Label),
    (r"`[^`\n]+`", String.Backtick),
    (r"[^\[\]{`\n]+", Text),
    (r"[\s\S]", Text),
]
# YAML as front matter writes it (Pygments' YAML lexer makes a token of every word of a quoted string), up to
# the line that closes it
FRONT_END = (r"^---\n", Punctuation)
FRONT: list[Rule] = [
    (r"([^\s:#\-\[\]{},\"'][^:\n\[\]{},]*)(:)(?=\s)", (Name.Tag, Punctuation)),
    (r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'', String),
    (r"^[ \t]*-(?=\s)|[\[\]{},]", Punctuation.Indicator),
    (r"#[^\n]*", Comment),
    (r"[ \t]+", Whitespace),
    (r"[^\"'\[\]{},#\n]+", Literal.Scalar.Plain),
    (r"[\s\S]", Text),
]


class _Rules:
    """Rules tried in order at each position, as one regex: its alternatives are tried in the same order, and
    the scan for the next match runs in C instead of a Python loop over the rules. With `plain`, the tokens of
    that type that follow each other are one token, however many lines they span."""

    def __init__(self, rules: list[Rule], plain: _TokenType | None = None):
        self.pattern = re.compile("|".join(f"({regex})" for regex, _ in rules), re.MULTILINE)
        self.plain = plain
        # the alternative's group -> its token, or (for a rule of groups) each group and its token
        self.actions: dict[int, _TokenType | list[tuple[int, _TokenType]]] = {}
        index = 1
        for regex, action in rules:
            inner = re.compile(regex).groups
            groups = range(index + 1, index + 1 + inner)
            # (a token type is itself a tuple: a rule of groups has a plain tuple of them)
            self.actions[index] = action if isinstance(action, _TokenType) else list(zip(groups, action))
            index += 1 + inner

    def tokens(self, text: str, pos: int, end: int) -> Iterator[tuple[int, _TokenType, str]]:
        actions, plain = self.actions, self.plain
        run = pos  # where the plain run that has not been yielded yet starts
        for match in self.pattern.finditer(text, pos, end):
            action = actions[match.lastindex]  # type: ignore[index]  # (every alternative is a group)
            if action is plain:
                continue
            start = match.start()
            if run < start:
                yield run, plain, text[run:start]  # type: ignore[misc]
            run = match.end()
            if isinstance(action, list):
                for group, token in action:
                    if match.group(group):
                        yield match.start(group), token, match.group(group)
            else:
                yield start, action, match.group()
        if plain is not None and run < end:
            yield run, plain, text[run:end]


_BODY, _FRONT = _Rules(BODY, plain=Text), _Rules(FRONT)
_FRONT_END = re.compile(FRONT_END[0], re.MULTILINE)


class AnnotatedMarkdownLexer(Lexer):
    """Our file format: YAML front matter, then Markdown with `[[mentions]]`, `{claim=...}` and notes.

    Deliberately coarse (whole runs of plain text are one token), and each part's rules one regex: the source
    view is rendered for every article, and Pygments' Markdown lexer costs several milliseconds a page (a
    RegexLexer of these same rules 0.20 ms, this 0.12 ms).
    """

    name = "Annotated Markdown"
    aliases = ["annotated-markdown"]

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        pos = 0
        if text.startswith("---\n"):
            yield 0, Punctuation, "---\n"
            # every line of the front matter starts a token (no rule there spans lines), so it ends at the
            # first line that is "---"
            close = _FRONT_END.search(text, 4)
            pos = close.start() if close else len(text)
            yield from _FRONT.tokens(text, 4, pos)
            if close:
                yield pos, FRONT_END[1], close.group()
                pos = close.end()
        yield from _BODY.tokens(text, pos, len(text))


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


_SOURCE_SPANS: dict[_TokenType, str] = {}  # each token type's opening span in the source view, as they come


def highlight_source(text: str) -> Markup:
    """An annotated file with numbered, linkable lines (`#L12`), front matter included: the HTML of Pygments'
    `_formatter("source")`, made here in one pass (every article has a source view, and Pygments' chain of
    generators, one per option, was a sixth of rendering it). Unlike Pygments, it keeps blank lines at the top
    of the file, so that each line keeps its number."""
    # escaped first, in three calls instead of three for each token: no rule reads `<` or `>`, nor tells `&`, `;`
    # or a letter from other text, so the escaped text has the same tokens
    text = (text.rstrip("\n") + "\n").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    classes = _SOURCE_SPANS
    lines: list[str] = []
    line: list[str] = []
    open_class = ""  # the span the line has open: runs of one class are one span, as Pygments makes them
    for _, kind, value in _source_lexer().get_tokens_unprocessed(text):
        span = classes.get(kind)
        if span is None:
            css = _formatter("source")._get_css_classes(kind)
            span = classes[kind] = f'<span class="{css}">' if css else ""
        if "\n" in value:
            *ended, value = value.split("\n")
            for part in ended:
                if part and span != open_class:
                    line += (open_class and "</span>", span, part, span and "</span>")
                else:
                    line += (part, open_class and "</span>")
                lines.append("".join(line))
                line, open_class = [], ""
            if not value:
                continue
        if span != open_class:
            line += (open_class and "</span>", span)
            open_class = span
        line.append(value)
    width = len(str(len(lines)))
    numbered = "".join(f'<a id="L-{n}" name="L-{n}"></a><a href="#L-{n}"><span class="linenos">{n:>{width}}</span></a>'
                       f'{html}\n' for n, html in enumerate(lines, 1))
    return Markup(f'<div class="highlight source"><pre><span></span>{numbered}</pre></div>\n')


def stylesheet() -> str:
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(".highlight")
    indented = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"
