"""The source view's lexer: its rules as one regex, plain text being what lies between their matches, give every
character the token type that Pygments' RegexLexer gives it with the rules tried in the order they are written;
and its one-pass HTML is Pygments' own."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.lexer import RegexLexer, bygroups
from pygments.token import Generic, Keyword, Name, Punctuation, String, Text, _TokenType

from generator.render.highlight import (BODY, FRONT, FRONT_END, PLAIN_FIRST, AnnotatedMarkdownLexer, Rule, _formatter,
                                        highlight_source)


def _regex_rules(rules: list[Rule]) -> list:
    return [(regex, action if isinstance(action, _TokenType) else bygroups(*action)) for regex, action in rules]


class InOrder(RegexLexer):
    """Pygments' own lexing of the same rules, without the plain-text rules put first."""
    tokens = {"root": [(r"\A---\n", Punctuation, "front"), *_regex_rules([r for r in BODY if r not in PLAIN_FIRST])],
              "front": [(*FRONT_END, "#pop"), *_regex_rules(FRONT)]}


PIECES = st.sampled_from(["---\n", "\n", "#", "## ", "####### ", "~~~", "~~~ py", "```", " ", "\t", "{", "}",
                          "{claim=c1}", "[", "]", "[[", "]]", "|", "`", "[^1]", "[^1]:", ":", "-", '"', "word",
                          "two words", "title: x", "é", "&", "<", ">", ";", "&amp;", "a<b: c", "\n {a=b}\n", "\n\t{claim=c1} \n", "\n## h\n", "\n~~~\nx\n~~~\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_the_lexer_gives_each_character_the_token_type_of_its_rules_in_order(text):
    def by_character(lexer) -> list[_TokenType]:
        return [kind for kind, value in lexer.get_tokens(text) for _ in value]
    assert by_character(AnnotatedMarkdownLexer()) == by_character(InOrder())


def test_the_rules_still_apply():
    text = "---\ntitle: T\n---\n# Head\n{claim=c1}\nSaid [[Ann|A]] [so]{claim=c2}.[^1]\n\n[^1]: Note.\n"
    tokens = list(AnnotatedMarkdownLexer().get_tokens(text))
    for expected in [(Name.Tag, "title"), (Generic.Heading, "# Head\n"), (Keyword, "{claim=c1}\n"), (Text, "Said "),
                     (Name.Entity, "Ann"), (String, "|A"), (Keyword, "{claim=c2}"), (Name.Label, "[^1]:")]:
        assert expected in tokens


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join).map(lambda text: text.lstrip("\n")))
def test_the_source_view_is_the_html_pygments_makes(text):
    assert highlight_source(text) == highlight(text, AnnotatedMarkdownLexer(), _formatter("source"))


def test_blank_lines_at_the_top_of_a_file_keep_their_numbers():
    html = highlight_source("\n\nSaid [[Ann]].\n\n")
    assert '<span class="linenos">3</span></a>Said <span class="p">[[</span>' in html
    assert 'id="L-4"' not in html  # the blank lines at the end are not shown, as Pygments does
