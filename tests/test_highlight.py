"""The source view's lexer: trying plain text first (it is most of a file) changes no token."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexer import RegexLexer
from pygments.token import Generic, Keyword, Name, String, Text

from generator.render.highlight import PLAIN_FIRST, AnnotatedMarkdownLexer


class InOrder(RegexLexer):
    """The same rules without the plain-text rules put first."""
    tokens = {state: [rule for rule in rules if rule not in PLAIN_FIRST]
              for state, rules in AnnotatedMarkdownLexer.tokens.items()}


PIECES = st.sampled_from(["---\n", "\n", "#", "## ", "####### ", "~~~", "~~~ py", "```", " ", "\t", "{", "}",
                          "{claim=c1}", "[", "]", "[[", "]]", "|", "`", "[^1]", "[^1]:", ":", "-", '"', "word",
                          "two words", "title: x", "é", "\n {a=b}\n", "\n\t{claim=c1} \n", "\n## h\n", "\n~~~\nx\n~~~\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_plain_text_first_makes_the_same_tokens(text):
    assert list(AnnotatedMarkdownLexer().get_tokens(text)) == list(InOrder().get_tokens(text))


def test_the_rules_still_apply():
    text = "---\ntitle: T\n---\n# Head\n{claim=c1}\nSaid [[Ann|A]] [so]{claim=c2}.[^1]\n\n[^1]: Note.\n"
    tokens = list(AnnotatedMarkdownLexer().get_tokens(text))
    for expected in [(Name.Tag, "title"), (Generic.Heading, "# Head\n"), (Keyword, "{claim=c1}\n"), (Text, "Said "),
                     (Name.Entity, "Ann"), (String, "|A"), (Keyword, "{claim=c2}"), (Name.Label, "[^1]:")]:
        assert expected in tokens
