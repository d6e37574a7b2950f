"""parse_file on one article: annotation values, exact file positions, excerpts, notes, lint; and rendering.

Positions are 1-based `line:col` in the original file, front matter counted; columns count characters.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from generator import render_markdown
from generator.diagnostics import Loc
from generator.model import ClaimSpan, Document, Excerpt, MentionRef, SourceFile
from generator.parse import parse_file
from generator.parse.body import unpack
from generator.render.markdown import Links, fill

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
PATH = "content/articles/a.md"
FRONT = "---\ntitle: T\ndate: 2021-07-20\n---\n"  # four lines: the body starts on line 5


def parse(body: str, *, crlf: bool = False, bom: bool = False) -> tuple[Document, list[str]]:
    text = FRONT + body
    if crlf:
        text = text.replace("\n", "\r\n")
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    doc, diagnostics = parse_file(SourceFile(PATH, "article", data))
    assert doc is not None, diagnostics
    return doc, [str(d) for d in diagnostics]


def clean(body: str, **options: bool) -> Document:
    doc, diagnostics = parse(body, **options)
    assert diagnostics == []
    return doc


def at(line: int, col: int) -> Loc:
    return Loc(PATH, line, col)


def mentions(body: str, **options: bool) -> list[tuple[str, int, int]]:
    """(ref, line, col) of every mention."""
    return [(m.ref, m.loc.line, m.loc.col) for m in clean(body, **options).mentions]


def marked(excerpt: Excerpt) -> str:
    return excerpt.sentence[excerpt.start : excerpt.end]


# ---- entity mentions: the three forms --------------------------------------------------------


def test_short_mention_shows_the_reference() -> None:
    doc = clean("We met [[Antony Blinken]] today.\n")
    assert doc.mentions == [MentionRef("Antony Blinken", at(5, 8), Excerpt("We met Antony Blinken today.", 7, 21))]


def test_mention_with_other_text_keeps_reference_and_shows_text() -> None:
    doc = clean("We met [[antony-blinken|Secretary Blinken]] today.\n")
    assert doc.mentions == [MentionRef("antony-blinken", at(5, 8), Excerpt("We met Secretary Blinken today.", 7, 24))]


def test_long_form_mention_is_a_bracketed_span() -> None:
    doc = clean('We met [Secretary Blinken]{entity=antony-blinken} and [him]{entity="Ned Price"}.\n')
    assert doc.mentions == [
        MentionRef("antony-blinken", at(5, 8), Excerpt("We met Secretary Blinken and him.", 7, 24)),
        MentionRef("Ned Price", at(5, 55), Excerpt("We met Secretary Blinken and him.", 29, 32)),
    ]


def test_reference_and_text_are_trimmed() -> None:
    doc = clean("[[ Ned Price | the spokesman ]] and [[Xi|]].\n")
    assert [(m.ref, marked(m.excerpt)) for m in doc.mentions] == [("Ned Price", "the spokesman"), ("Xi", "Xi")]


def test_mentions_in_document_order() -> None:
    assert mentions("[[A]] *[[B]]* **[[C]]** [D]{entity=d}\n\n[[E]]\n") == [
        ("A", 5, 1), ("B", 5, 8), ("C", 5, 17), ("d", 5, 25), ("E", 7, 1)]


# ---- mention positions in every kind of block ------------------------------------------------


@pytest.mark.parametrize(("body", "line", "col"), [
    pytest.param("[[X]] starts the line.\n", 5, 1, id="start of line"),
    pytest.param("Then came [[X]] here.\n", 5, 11, id="mid-line"),
    pytest.param("First line\nsecond [[X]] line\n", 6, 8, id="second line of a paragraph"),
    pytest.param("First line\n   indented [[X]] line\n", 6, 13, id="indented continuation line"),
    pytest.param("- item [[X]]\n", 5, 8, id="list item"),
    pytest.param("12. item [[X]]\n", 5, 10, id="ordered list item"),
    pytest.param("- outer\n  - nested [[X]]\n", 6, 12, id="nested list"),
    pytest.param("1. x\n   - y\n     - z [[X]]\n", 7, 10, id="list three deep"),
    pytest.param("- item\n\n  second paragraph [[X]]\n", 7, 20, id="second paragraph of a list item"),
    pytest.param("> quoted [[X]]\n", 5, 10, id="blockquote"),
    pytest.param(">quoted [[X]]\n", 5, 9, id="blockquote without a space"),
    pytest.param("> first\n> second [[X]]\n", 6, 10, id="blockquote second line"),
    pytest.param("> first\nlazy [[X]]\n", 6, 6, id="lazy blockquote continuation"),
    pytest.param("> > nested [[X]]\n", 5, 12, id="nested blockquote"),
    pytest.param("> - a\n>   > [[X]] here\n", 6, 7, id="blockquote, list, blockquote"),
    pytest.param("# Heading [[X]]\n", 5, 11, id="atx heading"),
    pytest.param("### Heading [[X]] ###\n", 5, 13, id="atx heading with closing hashes"),
    pytest.param("   ## Heading [[X]]\n", 5, 15, id="indented atx heading"),
    pytest.param("Title [[X]]\n=====\n", 5, 7, id="setext heading"),
    pytest.param("Text[^n].\n\n[^n]: note [[X]]\n", 7, 12, id="footnote definition"),
    pytest.param("Text[^n].\n\n[^n]: note\n    more [[X]]\n", 8, 10, id="footnote definition, continuation"),
    pytest.param("Text[^n].\n\n[^n]: note\n\n    Second paragraph [[X]]\n", 9, 22, id="footnote, second paragraph"),
    pytest.param("x\t[[X]]\n", 5, 3, id="after a tab"),
    pytest.param("-\t[[X]]\n", 5, 3, id="after a tab list marker"),
    pytest.param(">\t[[X]]\n", 5, 3, id="after a tab blockquote marker"),
    pytest.param("- a\n\n\t[[X]]\n", 7, 2, id="tab-indented list paragraph"),
    pytest.param("a [[Y]]  \nb [[X]]\n", 6, 3, id="after a hard break"),
    pytest.param("a\\\n[[X]]\n", 6, 1, id="after a backslash hard break"),
    pytest.param("Ürümqi — 中国 [[X]]\n", 5, 13, id="non-ASCII before it"),
    pytest.param("👍🏽 [[X]]\n", 5, 4, id="emoji: columns count code points"),
    pytest.param("&amp; [[X]]\n", 5, 7, id="after an entity reference"),
    pytest.param("\\* [[X]]\n", 5, 4, id="after a backslash escape"),
    pytest.param("\xa0\nText [[X]]\n", 6, 6, id="after a line of no-break spaces"),
    pytest.param("> \xa0\n> Text [[X]]\n", 6, 8, id="blockquote after a line of no-break spaces"),
    pytest.param("\u2028\nTitle [[X]]\n===\n", 6, 7, id="setext heading after a line of unicode space"),
    pytest.param("a\x00b [[X]]\n", 5, 5, id="after a NUL character"),
])
def test_mention_position(body: str, line: int, col: int) -> None:
    found = mentions(body)
    assert found[-1] == ("X", line, col)


def test_mention_positions_with_crlf_and_byte_order_mark() -> None:
    body = "Intro.\n\n> quote\n> Ürümqi — [[X]] and\n- [[Y]]\n"
    expected = [("X", 8, 12), ("Y", 9, 3)]
    assert mentions(body) == expected
    assert mentions(body, crlf=True) == expected
    assert mentions(body, bom=True) == expected
    assert mentions(body, crlf=True, bom=True) == expected


def test_front_matter_lines_are_counted() -> None:
    text = "---\ntitle: T\ndate: 2021-07-20\ntags:\n  - a\n  - b\n---\n\n[[X]]\n"
    doc, diagnostics = parse_file(SourceFile(PATH, "article", text.encode()))
    assert diagnostics == []
    assert doc is not None and doc.mentions[0].loc == at(9, 1)


# ---- claims ------------------------------------------------------------------------------------


def test_claim_span_with_every_attribute() -> None:
    body = 'It [detained more than a million]{claim=xinjiang by="US State" source=tip-2021 stance=disputes}.\n'
    doc = clean(body)
    assert doc.claims == [ClaimSpan(
        claim="xinjiang", text="detained more than a million", by="US State", by_loc=at(5, 50),
        source="tip-2021", source_loc=at(5, 64), stance="disputes", loc=at(5, 4),
        excerpt=Excerpt("It detained more than a million.", 3, 31))]


@pytest.mark.parametrize(("attrs", "by", "stance"), [
    ("claim=c", None, "asserts"),
    ("claim=c by=Blinken", "Blinken", "reports"),
    ('claim=c by="Antony Blinken"', "Antony Blinken", "reports"),
    ("claim=c by=Blinken stance=supports", "Blinken", "supports"),
    ("claim=c stance=disputes", None, "disputes"),
    ("claim=c stance=reports", None, "reports"),
    ("stance=asserts by=Blinken claim=c", "Blinken", "asserts"),
])
def test_stance_defaults_to_reports_with_a_claimant_else_asserts(attrs: str, by: str | None, stance: str) -> None:
    [claim] = clean(f"A [b]{{{attrs}}} c.\n").claims
    assert (claim.claim, claim.by, claim.source, claim.stance) == ("c", by, None, stance)


def test_claim_without_attributes_locates_them_at_the_span() -> None:
    [claim] = clean("Then [it happened]{claim=c}.\n").claims
    assert (claim.loc, claim.by_loc, claim.source_loc) == (at(5, 6), at(5, 6), at(5, 6))


def test_attribute_positions_follow_their_order() -> None:
    body = "Then [it happened]{source=s by=B claim=c}.\n"
    [claim] = clean(body).claims
    assert (claim.loc, claim.source_loc, claim.by_loc) == (at(5, 6), at(5, 20), at(5, 29))


def test_unknown_stance_is_reported_at_the_stance_attribute() -> None:
    doc, diagnostics = parse("Then [it]{claim=c by=B stance=claims}.\n")
    assert doc.claims == []
    assert diagnostics == [f"{PATH}:5:24: error: unknown stance 'claims': use one of asserts, reports, supports, disputes"]


def test_misspelled_stance_suggests_the_right_one() -> None:
    _, diagnostics = parse("Then [it]{claim=c stance=Reports}.\n")
    assert diagnostics == [f"{PATH}:5:19: error: unknown stance 'Reports': use one of asserts, reports, "
                           "supports, disputes (did you mean 'reports'?)"]


@pytest.mark.parametrize("attrs", ['claim=""', "by=B", 'claim=" " by=B'])
def test_claim_without_an_id_is_an_error_at_the_span(attrs: str) -> None:
    doc, diagnostics = parse(f"Some [text]{{{attrs}}} here.\n")
    assert doc.claims == []
    assert diagnostics == [f"{PATH}:5:6: error: claim annotation without a claim id: add claim=ID"]


def test_mention_nested_in_a_claim_span() -> None:
    doc = clean('A [claim about [[Inner]] text]{claim=c1 by="US State"} ends.\n')
    assert doc.mentions == [MentionRef("Inner", at(5, 16), Excerpt("A claim about Inner text ends.", 14, 19))]
    assert [(c.claim, c.text, c.loc, c.by_loc) for c in doc.claims] == [("c1", "claim about Inner text", at(5, 3), at(5, 41))]
    assert doc.claims[0].excerpt == Excerpt("A claim about Inner text ends.", 2, 24)


@pytest.mark.parametrize(("body", "col", "text"), [
    pytest.param("[[[China]] detained people]{claim=c}\n", 2, "China detained people", id="first"),
    pytest.param("[people detained by [[China]]]{claim=c}\n", 21, "people detained by China", id="last"),
    pytest.param("[[[China]]]{claim=c}\n", 2, "China", id="only"),
])
def test_mention_at_the_edge_of_a_claim_span(body: str, col: int, text: str) -> None:
    doc = clean(body)
    assert [(m.ref, m.loc) for m in doc.mentions] == [("China", at(5, col))]
    assert [(c.claim, c.text, c.loc) for c in doc.claims] == [("c", text, at(5, 1))]


@pytest.mark.parametrize("body", ["[[[x]]]\n", "[[x]]]\n", "![[x]]\n"])
def test_extra_brackets_keep_commonmark_meaning_and_are_reported(body: str) -> None:
    doc, diagnostics = parse(body)
    assert doc.mentions == []
    assert diagnostics == [f"{PATH}:5:{body.index('[[') + 1}: error: '[[' does not start a complete entity mention: "
                           "write [[Name]] or [[id|text]]"]


def test_mention_at_the_end_of_link_text_stays_text_in_the_link() -> None:
    doc, diagnostics = parse("See [the [[x]]](http://a.example/).\n")
    assert doc.mentions == []
    assert diagnostics == [f"{PATH}:5:10: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"]
    assert render_markdown("[the [[x]]](http://a.example/)") == '<p><a href="http://a.example/">the [[x]]</a></p>\n'


def test_claim_span_nested_in_a_claim_span() -> None:
    doc = clean("[outer [inner]{claim=i} x]{claim=o}\n")
    # appearances are in the order where they start, the enclosing one first
    assert [(c.claim, c.text, c.loc) for c in doc.claims] == [("o", "outer inner x", at(5, 1)), ("i", "inner", at(5, 8))]


def test_claim_span_over_two_lines() -> None:
    doc = clean("Before [the span\nwraps [[Here]] over]{claim=c\nby=B} after.\n")
    [claim] = doc.claims
    assert (claim.text, claim.loc, claim.by_loc, claim.by) == ("the span wraps Here over", at(5, 8), at(7, 1), "B")
    assert claim.excerpt == Excerpt("Before the span wraps Here over after.", 7, 31)
    assert doc.mentions == [MentionRef("Here", at(6, 7), Excerpt("Before the span wraps Here over after.", 22, 26))]


def test_claim_span_over_two_lines_in_a_blockquote() -> None:
    [claim] = clean("> Before [the span\n> wraps   over]{claim=c by=B}.\n").claims
    assert (claim.text, claim.loc, claim.by_loc) == ("the span wraps over", at(5, 10), at(6, 25))


def test_paragraph_claim_is_the_whole_paragraph() -> None:
    body = "Intro.\n\n{claim=c3 by=Someone source=s2}\nThe whole [[P]] paragraph.\nSecond line.\n"
    doc = clean(body)
    assert doc.claims == [ClaimSpan(
        claim="c3", text="The whole P paragraph. Second line.", by="Someone", by_loc=at(7, 11),
        source="s2", source_loc=at(7, 22), stance="reports", loc=at(7, 1),
        excerpt=Excerpt("The whole P paragraph. Second line.", 0, 35))]
    assert doc.mentions == [MentionRef("P", at(8, 11), Excerpt("The whole P paragraph.", 10, 11))]


def test_paragraph_claim_in_a_blockquote_and_a_list() -> None:
    doc = clean("> {claim=q by=X}\n> quoted para.\n\n- {claim=l stance=supports}\n  item para\n")
    assert [(c.claim, c.text, c.loc, c.by_loc, c.stance) for c in doc.claims] == [
        ("q", "quoted para.", at(5, 3), at(5, 12), "reports"),
        ("l", "item para", at(8, 3), at(8, 3), "supports")]


def test_paragraph_claim_comes_before_the_spans_inside_it() -> None:
    doc = clean("Before [x]{claim=before}.\n\n{claim=whole}\nIt [said]{claim=part} so.\n")
    assert [(c.claim, c.text, c.loc) for c in doc.claims] == [
        ("before", "x", at(5, 8)), ("whole", "It said so.", at(7, 1)), ("part", "said", at(8, 4))]


def test_paragraph_claim_comes_before_a_span_that_covers_the_whole_paragraph() -> None:
    doc = clean("{claim=whole}\n[all of it]{claim=part}\n")
    assert [(c.claim, c.text, c.loc) for c in doc.claims] == [("whole", "all of it", at(5, 1)), ("part", "all of it", at(6, 1))]


def test_paragraph_claim_on_a_heading() -> None:
    [claim] = clean("{claim=h by=X}\n# Head [[x]]\n").claims
    assert (claim.claim, claim.text, claim.loc, claim.by_loc) == ("h", "Head x", at(5, 1), at(5, 10))


def test_paragraph_claim_stance_error_is_at_the_stance_attribute() -> None:
    _, diagnostics = parse("{claim=x stance=bad}\nPara.\n")
    assert diagnostics == [f"{PATH}:5:10: error: unknown stance 'bad': use one of asserts, reports, supports, disputes"]


def test_paragraph_claim_above_a_list_is_an_error() -> None:
    doc, diagnostics = parse("{claim=z}\n- list\n")
    assert doc.claims == []
    assert diagnostics == [f"{PATH}:5:1: error: claim attributes on their own line must stand directly above a paragraph"]


def test_attribute_positions_skip_quoted_values() -> None:
    doc = clean('[a]{claim=x source="by=me" by=Y}\n\n{claim=x source="by=me" by=Y}\nPara.\n')
    assert [(c.source, c.by_loc, c.source_loc) for c in doc.claims] == [
        ("by=me", at(5, 28), at(5, 13)), ("by=me", at(7, 25), at(7, 10))]


def test_disallowed_attribute_is_dropped_with_a_warning_at_it() -> None:
    doc, diagnostics = parse("[a]{claim=c class=x onclick=alert}\n")
    assert [c.claim for c in doc.claims] == ["c"]
    assert diagnostics == [f"{PATH}:5:21: warning: attribute 'onclick' is not allowed here and was dropped"]


def test_our_attributes_on_code_links_and_images_are_errors_at_them() -> None:
    doc, diagnostics = parse("a `x`{claim=c by=B onclick=y} and [l](http://a){claim=c onclick=y} ![i](p.png){entity=e}\n")
    assert (doc.mentions, doc.claims) == ([], [])
    dropped, misplaced = "warning: attribute 'onclick' is not allowed here and was dropped", \
        "error: entity= and claim= belong on a [bracketed span]"
    assert diagnostics == [f"{PATH}:5:3: {dropped}", f"{PATH}:5:3: {misplaced}", f"{PATH}:5:35: {dropped}",
                           f"{PATH}:5:35: {misplaced}", f"{PATH}:5:68: {misplaced}"]


def test_disallowed_attribute_on_a_paragraph_claim_is_a_warning_at_it() -> None:
    doc, diagnostics = parse("{claim=x onclick=y}\nPara.\n")
    assert [c.claim for c in doc.claims] == ["x"]
    assert diagnostics == [f"{PATH}:5:10: warning: attribute 'onclick' is not allowed here and was dropped"]


def test_claim_text_collapses_whitespace_and_shows_mention_text() -> None:
    [claim] = clean("[a  *b*\n   [[ref|c]] `d`]{claim=x}\n").claims
    assert claim.text == "a b c d"


# ---- excerpts ----------------------------------------------------------------------------------


def test_excerpt_is_the_sentence_holding_the_mention() -> None:
    doc = clean("First sentence here. Then [[Blinken]] spoke! Last one? Yes.\n")
    [mention] = doc.mentions
    assert mention.excerpt == Excerpt("Then Blinken spoke!", 5, 12)


def test_excerpt_of_a_mention_at_the_end_of_a_sentence() -> None:
    [first, second] = clean("It was [[Xi]]. And [[Li|Li Qiang]].\n").mentions
    assert (first.excerpt, second.excerpt) == (Excerpt("It was Xi.", 7, 9), Excerpt("And Li Qiang.", 4, 12))


def test_excerpt_stays_within_its_paragraph() -> None:
    [mention] = clean("Before paragraph\n\nA [[B]] c\nd.\n\nAfter.\n").mentions
    assert mention.excerpt == Excerpt("A B c d.", 2, 3)


def test_excerpt_of_a_claim_is_its_sentence() -> None:
    [claim] = clean("First one. Then [x y]{claim=c} z. Third.\n").claims
    assert claim.excerpt == Excerpt("Then x y z.", 5, 8)


def test_excerpt_of_a_claim_over_two_sentences() -> None:
    [claim] = clean("One. Two [a. b]{claim=c} three. Four.\n").claims
    assert claim.excerpt == Excerpt("Two a. b three.", 4, 8)


def test_excerpt_with_closing_quote_after_the_full_stop() -> None:
    [mention] = clean('He said "no." Then [[B]] went.\n').mentions
    assert mention.excerpt == Excerpt("Then B went.", 5, 6)


# ---- what is not a mention ---------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    pytest.param("Use `[[x]]` for mentions.\n", id="code span"),
    pytest.param("Use ``[[x]] and [y]{claim=c}`` here.\n", id="double-backtick code span"),
    pytest.param("```\n[[x]]\n[y]{claim=c}\n```\n", id="fenced code"),
    pytest.param("~~~md\n[[x]]\n~~~\n", id="tilde fence"),
    pytest.param("Para.\n\n    [[x]]\n", id="indented code"),
    pytest.param("> ```\n> [[x]]\n> ```\n", id="fenced code in a blockquote"),
    pytest.param("\\[[x]] text\n", id="escaped first bracket"),
    pytest.param("\\[\\[x]] text\n", id="both brackets escaped"),
    pytest.param("[\\[x]] text\n", id="escaped second bracket"),
])
def test_no_mention_and_no_diagnostic(body: str) -> None:
    doc = clean(body)
    assert (doc.mentions, doc.claims) == ([], [])


def test_code_span_after_a_mention_is_literal() -> None:
    assert mentions("[[A]] and `[[B]]` then [[C]]\n") == [("A", 5, 1), ("C", 5, 24)]


# ---- source notes ------------------------------------------------------------------------------


def test_cited_note_has_no_diagnostic() -> None:
    clean("Text[^tip] and again[^tip].\n\n[^tip]: The report.\n")


def test_undefined_note_is_an_error_at_the_reference() -> None:
    _, diagnostics = parse("Ref[^a] and [^b].\n\n[^a]: A.\n")
    assert diagnostics == [f"{PATH}:5:13: error: source note [^b] has no text: add a line '[^b]: ...'"]


def test_unused_note_is_a_warning_at_the_definition() -> None:
    _, diagnostics = parse("Ref[^a].\n\n[^a]: A.\n\n  [^c]: C.\n")
    assert diagnostics == [f"{PATH}:9:3: warning: source note [^c] is never cited in the text"]


def test_undefined_note_after_a_code_span_with_the_same_text() -> None:
    _, diagnostics = parse("Write `[^b]` to cite[^b].\n")
    assert diagnostics == [f"{PATH}:5:21: error: source note [^b] has no text: add a line '[^b]: ...'"]


# ---- leftover syntax ---------------------------------------------------------------------------


def test_unclosed_mention_is_an_error() -> None:
    doc, diagnostics = parse("We met\n> [[Blinken and\n")
    assert doc.mentions == []
    assert diagnostics == [f"{PATH}:6:3: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"]


def test_two_unclosed_mentions_are_two_errors_at_each() -> None:
    _, diagnostics = parse("[[a *em* [[b\n")
    message = "error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"
    assert diagnostics == [f"{PATH}:5:1: {message}", f"{PATH}:5:10: {message}"]


def test_unclosed_mention_after_a_code_span_with_brackets() -> None:
    _, diagnostics = parse("a `[[` b [[broken\n")
    assert diagnostics == [f"{PATH}:5:10: error: '[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"]


def test_claim_attributes_after_a_mention_are_an_error() -> None:
    doc, diagnostics = parse("[[x]]{claim=c}\n")
    assert [m.ref for m in doc.mentions] == ["x"] and doc.claims == []
    assert diagnostics == [f"{PATH}:5:6: error: claim attributes must follow a [bracketed span] "
                           "or stand alone on the line above a paragraph"]


# ---- file-level problems -----------------------------------------------------------------------


def test_invalid_utf8_is_reported_at_the_bad_byte_counting_characters() -> None:
    data = (FRONT + "Ürümqi ").encode() + b"\xff rest\n"
    doc, diagnostics = parse_file(SourceFile(PATH, "article", data))
    assert doc is None
    assert [str(d) for d in diagnostics] == [f"{PATH}:5:8: error: file is not valid UTF-8 (byte 0xff): save it with UTF-8 encoding"]


def test_invalid_utf8_after_a_byte_order_mark_and_crlf() -> None:
    data = b"\xef\xbb\xbf" + (FRONT + "ok\n").replace("\n", "\r\n").encode() + b"x\x80\r\n"
    _, diagnostics = parse_file(SourceFile(PATH, "article", data))
    assert [(d.line, d.col) for d in diagnostics] == [(6, 2)]


def test_missing_front_matter() -> None:
    doc, diagnostics = parse_file(SourceFile(PATH, "article", b"# Title\n"))
    assert doc is None
    assert [str(d) for d in diagnostics] == [f"{PATH}:1:1: error: missing front matter: the file must start with a line '---'"]


def test_unclosed_front_matter() -> None:
    doc, diagnostics = parse_file(SourceFile(PATH, "article", b"---\ntitle: T\n"))
    assert doc is None
    assert [str(d) for d in diagnostics] == [f"{PATH}:1:1: error: front matter is not closed: add a line '---' after it"]


# ---- rendering ---------------------------------------------------------------------------------


def test_render_short_mention() -> None:
    assert render_markdown("We met [[Antony Blinken]].") == (
        '<p>We met <a class="mention" data-type="unknown" href="entities/antony-blinken/" '
        'title="Antony Blinken (unknown)">Antony Blinken</a>.</p>\n')


def test_a_mention_links_from_each_page_that_shows_it() -> None:
    """Pages share the mentions' links they made (`Links.openings`): by the depth of the page, too."""
    body, openings = unpack(clean("We met [[Antony Blinken]].\n").body), {}
    hrefs = [re.findall(r'href="([^"]*)"', fill(body, Links(None, page, {}, openings)))
             for page in ("entities/x/", "entities/x/page/2/", "claims/y/")]
    assert hrefs == [["../../entities/antony-blinken/"], ["../../../../entities/antony-blinken/"],
                     ["../../entities/antony-blinken/"]]


def test_render_mention_with_other_text() -> None:
    assert render_markdown("[[antony-blinken|Secretary Blinken]]") == (
        '<p><a class="mention" data-type="unknown" href="entities/antony-blinken/" '
        'title="antony-blinken (unknown)">Secretary Blinken</a></p>\n')


def test_render_long_form_mention() -> None:
    assert render_markdown('[the *man*]{entity="Ned Price"}') == (
        '<p><a class="mention" data-type="unknown" href="entities/ned-price/" '
        'title="Ned Price (unknown)">the <em>man</em></a></p>\n')


def test_render_claim_span_and_tag_with_claimant_and_stance() -> None:
    assert render_markdown('It [detained people]{claim=x-y by="US State" source=tip stance=disputes}.') == (
        '<p>It <span class="claim" data-stance="disputes">detained people</span>'
        '<a class="claim-tag" id="appearance-1" data-stance="disputes" href="claims/x-y/" title="Claim: x-y">'
        '<span class="claim-by">US State</span> · <span class="claim-stance">disputes</span></a>.</p>\n')


def test_render_claim_without_claimant() -> None:
    assert render_markdown("[a]{claim=z}") == (
        '<p><span class="claim" data-stance="asserts">a</span>'
        '<a class="claim-tag" id="appearance-1" data-stance="asserts" href="claims/z/" title="Claim: z">'
        '<span class="claim-stance">asserts</span></a></p>\n')


def test_render_claim_with_a_nested_mention() -> None:
    html = render_markdown("[about [[Xi]] here]{claim=c by=B}")
    assert html.startswith('<p><span class="claim" data-stance="reports">about <a class="mention" data-type="unknown" '
                           'href="entities/xi/" title="Xi (unknown)">Xi</a> here</span><a class="claim-tag" id="appearance-1"')


def test_render_paragraph_claim() -> None:
    assert render_markdown("{claim=p by=X}\nWhole para.") == (
        '<p class="claim-paragraph">Whole para.<a class="claim-tag" id="appearance-1" data-stance="reports" '
        'href="claims/p/" title="Claim: p"><span class="claim-by">X</span> · '
        '<span class="claim-stance">reports</span></a></p>\n')


def test_render_appearances_are_numbered_in_order() -> None:
    html = render_markdown("[a]{claim=one} [b]{claim=two}\n\n[c]{claim=one}")
    assert [html.count(f'id="appearance-{n}"') for n in (1, 2, 3, 4)] == [1, 1, 1, 0]
    assert html.index('href="claims/one/"') < html.index('href="claims/two/"') < html.rindex('href="claims/one/"')


def test_render_source_notes_link_both_ways() -> None:
    assert render_markdown("Text[^n] more[^n].\n\n[^n]: The note.") == (
        '<p>Text<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup> '
        'more<sup class="footnote-ref"><a href="#fn1" id="fnref1:1">[1:1]</a></sup>.</p>\n'
        '<hr class="footnotes-sep" />\n<section class="footnotes">\n<ol class="footnotes-list">\n'
        '<li id="fn1" class="footnote-item"><p>The note. <a href="#fnref1" class="footnote-backref">↩︎</a> '
        '<a href="#fnref1:1" class="footnote-backref">↩︎</a></p>\n</li>\n</ol>\n</section>\n')


def test_render_escapes_markup_in_annotations() -> None:
    html = render_markdown('[<b>"&\'x]{claim=c by="<i>"} [[<script>|"x" onclick]]')
    assert "<b>" not in html and "<i>" not in html and "<script" not in html
    assert '<span class="claim-by">&lt;i&gt;</span>' in html
    assert 'title="&lt;script&gt; (unknown)">&#34;x&#34; onclick</a>' in html


def test_render_code_keeps_mention_syntax_literal() -> None:
    assert render_markdown("`[[x]]`") == "<p><code>[[x]]</code></p>\n"


def test_render_drops_our_attributes_from_code() -> None:
    assert render_markdown("`x`{claim=c by=B onclick=y}") == "<p><code>x</code></p>\n"


def test_render_escaped_mention_is_text() -> None:
    assert render_markdown("\\[[x]]") == "<p>[[x]]</p>\n"


@pytest.mark.xfail(strict=True, reason=(
    "markdown-it's link label scan treats any token that starts with '[' (our mentions and spans) as a nested "
    "link and gives up the link; whether a mention inside link text should stay a mention (nested <a>) or "
    "become text is a design question"))
def test_link_whose_text_holds_a_mention_stays_a_link() -> None:
    assert 'href="http://a.example/"' in render_markdown("[see [[x]] now](http://a.example/)")


def _fixtures() -> list:
    """markdown-it style cases: a title line, then `.`, the input, `.`, the expected HTML, `.`."""
    cases = []
    for file in sorted(FIXTURES.glob("*.md")):
        lines = file.read_text(encoding="utf-8").split("\n")
        i = 0
        while i < len(lines):
            if not lines[i].strip():
                i += 1
                continue
            title, parts, i = lines[i], [], i + 2  # skip the title and its `.`
            for _ in range(2):
                end = lines.index(".", i)
                parts.append("\n".join(lines[i:end]) + "\n")
                i = end + 1
            cases.append(pytest.param(parts[0], parts[1], id=f"{file.stem}: {title}"))
    return cases


@pytest.mark.parametrize(("markdown", "html"), _fixtures())
def test_render_fixture(markdown: str, html: str) -> None:
    assert render_markdown(markdown) == html


@pytest.mark.parametrize("text, html", [
    ("a\x00b [[X]]", '<p>a\ufffdb <a class="mention" data-type="unknown" href="entities/x/" title="X (unknown)">X</a></p>\n'),
    ("a\r\nb\rc", "<p>a\nb\nc</p>\n"),
], ids=["NUL is U+FFFD and leaves the holes alone", "CR and CRLF end lines"])
def test_input_is_normalised_as_commonmark_says(text: str, html: str) -> None:
    assert render_markdown(text) == html


def test_markdown_it_block_rules_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """Their debug lines (one each time a block rule is tried) cost a tenth of an article's parse."""
    caplog.set_level(logging.DEBUG)
    doc, _ = parse("# Heading\n\n> quote\n\n- item\n\n```\ncode\n```\n\nText [[X]].\n")
    assert doc.mentions
    assert [r for r in caplog.records if r.name.startswith("markdown_it")] == []
