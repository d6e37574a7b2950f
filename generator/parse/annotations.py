"""Core rules that turn parsed spans into our annotations and collect them with file positions.

Plugins fail softly (malformed syntax stays text); these rules report what was left over, so an
editor learns about `[[Blinken` or `{claim=x` instead of seeing it published as text.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Iterable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..diagnostics import Diagnostic, Loc, did_you_mean
from ..model import STANCES, ClaimSpan, Excerpt, MentionRef
from .positions import LineMap

CLAIM_KEYS = ("claim", "by", "source", "stance")
OUR_KEYS = ("entity", *CLAIM_KEYS)
HTML_KEYS = ("id", "class", "lang", "title")
ALLOWED_ATTRS = (*HTML_KEYS, *OUR_KEYS)

_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")
# a `key=` in an attribute list; a quoted value is matched whole, so `source="by=x"` holds no `by=`
_ATTR_KEY = re.compile(r'"(?:[^"\\]|\\.)*"|([A-Za-z0-9_:-]+)\s*=')
_LEFTOVERS = (
    ("[[", "'[[' does not start a complete entity mention: write [[Name]] or [[id|text]]"),
    ("]{", "attributes after [text] could not be read: check the quotes and braces of {...}"),
    ("{claim=", "claim attributes must follow a [bracketed span] or stand alone on the line above a paragraph"),
    ("{entity=", "entity attributes must follow a [bracketed span]"),
)


@dataclass
class Collected:
    """What the rules found in one document; kept in the markdown-it env under "annotations"."""

    path: str
    lines: LineMap
    mentions: list[MentionRef] = field(default_factory=list)
    claims: list[ClaimSpan] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    note_refs: list[tuple[str, Loc]] = field(default_factory=list)
    note_defs: dict[str, Loc] = field(default_factory=dict)
    first_paragraph: str | None = None
    # each sentence once, however many annotations it holds: a parse pickles shared strings once, and a large
    # archive holds hundreds of thousands of excerpts
    sentences: dict[str, str] = field(default_factory=dict)

    def loc(self, line: int, col: int) -> Loc:
        return Loc(self.path, line, col)

    def attr_locs(self, line: int, col: int) -> dict[str, Loc]:
        """Where each `key=` is in the attribute list that starts at 1-based `line:col`."""
        text = self.lines.lines[line - 1] if 0 < line <= len(self.lines.lines) else ""
        return {key: self.loc(line, offset + 1) for key, offset in attr_offsets(text, col - 1, len(text)).items()}


# Inline rules whose tokens get positions, with the character each starts at; the rest make text (verbatim
# source, found by searching), breaks, or emphasis (whose delimiters hold no text).
_POSITIONED_RULES = {"escape": "\\", "backticks": "`", "entity_mention": "[", "link": "[", "span": "[", "image": "!",
                     "footnote_ref": "[", "autolink": "<", "entity": "&"}


def annotations_plugin(md: MarkdownIt) -> None:
    for name, opener in _POSITIONED_RULES.items():
        _wrap(md, name, _positioned, opener)
    _wrap(md, "attr", _extending)
    md.core.ruler.before("attr", "attrs_block_position", _attrs_block_position)
    md.core.ruler.before("footnote_tail", "annotations", _annotations)


def _wrap(md: MarkdownIt, name: str, wrapper, *args: str) -> None:
    index = md.inline.ruler.__find__(name)
    if index >= 0:  # else the plugin with that rule is not loaded
        md.inline.ruler.at(name, wrapper(md.inline.ruler.__rules__[index].fn, *args))


def _positioned(inline_rule, opener: str):
    """Wrap an inline rule so its tokens remember where they are in the inline content (markdown-it keeps
    no offsets): its first token `offset` and `end` (where the whole match starts and ends), its last
    token `after` (where the text that follows it starts). `opener`: the character the rule starts at."""

    def rule(state: StateInline, silent: bool) -> bool:
        if state.src[state.pos] != opener:  # (as the rule itself would, before the bookkeeping: most tries fail)
            return False
        start, count, pending = state.pos, len(state.tokens), bool(state.pending)
        if not inline_rule(state, silent):
            return False
        made = state.tokens[count + pending :]  # the first push flushes pending text, made before `start`
        if not silent and made:
            made[0].meta.update(offset=start, end=state.pos)
            made[-1].meta["after"] = state.pos
        return True

    return rule


def _extending(attr_rule):
    """Wrap the attrs plugin's rule for `{...}` after a link, image or code span: the attributes are part
    of the token before them, so the text that follows starts after them."""

    def rule(state: StateInline, silent: bool) -> bool:
        if not attr_rule(state, silent):
            return False
        if not silent and state.tokens:
            state.tokens[-1].meta["after"] = state.pos
        return True

    return rule


def _attrs_block_position(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens[:-1]):
        if token.type == "attrs_block" and token.map:
            tokens[i + 1].meta.setdefault("attrs_line", token.map[0])


def _annotations(state: StateCore) -> None:
    found: Collected | None = state.env.get("annotations")
    if found is None:  # render_markdown: no file, nothing to report
        found = Collected("<markdown>", LineMap(state.src))
    block_claim: Token | None = None
    in_note = 0
    opened = ""
    for token in state.tokens:
        if token.type == "footnote_reference_open":
            in_note += 1
            line = (token.map or [0])[0] + 1
            found.note_defs.setdefault(token.meta["label"], found.loc(line, found.lines.column_of(line, "[^")))
        elif token.type == "footnote_reference_close":
            in_note -= 1
        elif token.type == "inline" and token.map is not None:
            paragraph = opened == "paragraph_open" and not in_note
            _Inline(found, token, block_claim, paragraph).run()
            block_claim = None
        if token.nesting == 1 and token.type != "footnote_reference_open":
            opened = token.type
            block_claim = _block_attributes(found, token)


def _block_attributes(found: Collected, token: Token) -> Token | None:
    """Check `{...}` attributes on a block; a paragraph or heading with `claim=` becomes a claim."""
    line = token.meta.get("attrs_line")
    at = found.loc(line + 1, found.lines.column_of(line + 1, "{")) if line is not None else found.loc(1, 1)
    insecure = token.meta.pop("insecure_attrs", None)
    locs = found.attr_locs(at.line, at.col) if insecure and line is not None else {}
    for key in insecure or ():
        found.diagnostics.append(locs.get(key, at).warning(f"attribute '{key}' is not allowed here and was dropped" + did_you_mean(key, OUR_KEYS)))
    if not any(k in token.attrs for k in OUR_KEYS):
        return None
    if token.type not in ("paragraph_open", "heading_open") or "entity" in token.attrs:
        found.diagnostics.append(at.error("claim attributes on their own line must stand directly above a paragraph"
                                          if "entity" not in token.attrs else
                                          "entity= belongs on a [bracketed span], not on a block"))
        _strip_ours(token)
        return None
    token.meta["claim_at"] = at
    return token


def _strip_ours(token: Token) -> dict[str, str]:
    return {k: str(token.attrs.pop(k)) for k in OUR_KEYS if k in token.attrs}


class _Inline:
    """One inline token: plain text with offsets, our span conversions, positions, lint."""

    def __init__(self, found: Collected, inline: Token, block_claim: Token | None, paragraph: bool):
        self.found, self.inline, self.block_claim, self.paragraph = found, inline, block_claim, paragraph
        self.plain: list[str] = []
        self.size = 0
        self.cursor = 0  # where the current token starts in inline.content, or a known offset before it
        self.pending_mentions: list[tuple[str, Loc, int, int]] = []
        self.pending_claims: list[tuple[dict[str, str], Loc, str, int, int, dict[str, Loc], Token]] = []
        self.first_line: int | None = None  # the file line of the content's first line, once a position is asked

    def at(self, offset: int) -> Loc:
        if self.first_line is None:
            self.first_line = self.found.lines.first_content_line(self.inline.content, self.inline.map[0])
        line, col = self.found.lines.inline_position(self.inline.content, self.first_line, offset)
        return self.found.loc(line, col)

    def add(self, text: str) -> None:
        self.plain.append(text)
        self.size += len(text)

    def run(self) -> None:
        children = self.inline.children or []
        out: list[Token] = []
        stack: list[tuple[Token, int]] = []
        for token in children:
            out.append(token)
            kind = token.type
            self.cursor = token.meta.get("offset", self.cursor)
            if kind == "text":
                self.lint(token.content)
                self.add(token.content)
            elif kind in ("code_inline", "text_special"):
                self.add(token.content)
            elif kind in ("softbreak", "hardbreak"):
                self.add(" ")
            elif kind == "entity_mention":
                self.pending_mentions.append((token.meta["ref"], self.at(self.cursor), self.size, self.size + len(token.content)))
                self.add(token.content)
            elif kind == "span_open":
                stack.append((token, self.size))
                self.open_span(token)
            elif kind == "span_close" and stack:
                opener, start = stack.pop()
                token.type = opener.type.replace("_open", "_close")
                tag = None
                if opener.type == "claim_open":
                    tag = opener.meta["tag"] = Token("claim_tag", "", 0)
                    out.append(tag)
                self.close_span(opener, start, tag)
            elif kind == "footnote_ref":
                self.found.note_refs.append((token.meta["label"], self.at(self.cursor)))
            if kind in ("link_open", "image", "code_inline"):
                self.report_attrs(token, self.cursor)
            self.cursor = token.meta.get("after", self.cursor)
        self.inline.children = out
        text = "".join(self.plain)
        if self.block_claim is not None:
            out.append(self.paragraph_claim(text))
        self.finish(text)

    def lint(self, text: str) -> None:
        """Report each piece of syntax left over in a text token. Until the core rule text_join runs
        after ours, text tokens are verbatim source, so the token is found from the cursor on."""
        start = self.inline.content.find(text, self.cursor)
        if start < 0:
            start = self.cursor
        else:
            self.cursor = start + len(text)
        if "[" not in text and "{" not in text:  # (every piece of syntax it looks for holds one)
            return
        for needle, message in _LEFTOVERS:
            offset = text.find(needle)
            while offset >= 0:
                if not (needle[0] == "{" and text[offset - 1 : offset] == "]"):  # reported once, as ']{'
                    self.found.diagnostics.append(self.at(start + offset).error(message))
                offset = text.find(needle, offset + len(needle))

    def report_attrs(self, token: Token, offset: int) -> None:
        for key in token.meta.pop("insecure_attrs", {}):
            self.found.diagnostics.append(self.at(offset).warning(f"attribute '{key}' is not allowed here and was dropped"))
        if _strip_ours(token):
            self.found.diagnostics.append(self.at(offset).error("entity= and claim= belong on a [bracketed span]"))

    def attr_locs(self, token: Token, keys: Iterable[str]) -> dict[str, Loc]:
        """Where each of these keys is in the span's attributes (where the span starts, for one not there)."""
        start, end = token.meta.get("offset", 0), token.meta.get("end", 0)
        brace = self.inline.content.rfind("]{", start, end)
        offsets = attr_offsets(self.inline.content, brace if brace >= 0 else start, end)
        return {key: self.at(offsets.get(key, start)) for key in keys}

    def open_span(self, token: Token) -> None:
        start = token.meta.get("offset", self.cursor)
        insecure = token.meta.pop("insecure_attrs", None)
        if insecure:  # (finding where each attribute is costs a regex over the list)
            for key, loc in self.attr_locs(token, insecure).items():
                suggestion = did_you_mean(key, OUR_KEYS) if any(k in token.attrs for k in OUR_KEYS) else ""
                self.found.diagnostics.append(loc.warning(f"attribute '{key}' is not allowed here and was dropped{suggestion}"))
        if "claim" in token.attrs or any(k in token.attrs for k in CLAIM_KEYS[1:]):
            attrs = _strip_ours(token)
            token.type = "claim_open"
            token.meta["claim"] = attrs
            token.meta["locs"] = self.attr_locs(token, attrs)
            token.meta["loc"] = self.at(start)
        elif "entity" in token.attrs:
            token.type = "entity_open"
            token.meta["ref"] = _strip_ours(token)["entity"]
            token.meta["loc"] = self.at(start)

    def close_span(self, opener: Token, start: int, tag: Token | None) -> None:
        if tag is not None:
            text = " ".join("".join(self.plain)[start:].split())
            self.pending_claims.append((opener.meta["claim"], opener.meta["loc"], text, start, self.size, opener.meta["locs"], tag))
        elif opener.type == "entity_open":
            ref = opener.meta["ref"].strip()
            if not ref:
                self.found.diagnostics.append(opener.meta["loc"].error("entity= needs an entity reference"))
            else:
                self.pending_mentions.append((ref, opener.meta["loc"], start, self.size))

    def paragraph_claim(self, text: str) -> Token:
        token = self.block_claim
        attrs = _strip_ours(token)
        at: Loc = token.meta["claim_at"]
        found = self.found.attr_locs(at.line, at.col)
        locs = {k: found.get(k, at) for k in attrs}
        token.attrs["class"] = " ".join(filter(None, [str(token.attrs.get("class", "")), "claim-paragraph"]))
        tag = Token("claim_tag", "", 0)
        # first: it encloses every span in the paragraph, even one that covers all of it (same offsets)
        self.pending_claims.insert(0, (attrs, at, " ".join(text.split()), 0, len(text), locs, tag))
        return tag

    def finish(self, text: str) -> None:
        found = self.found
        if self.pending_mentions or self.pending_claims:
            self.collect(Sentences(text))
        if found.first_paragraph is None and self.paragraph and text.strip():
            found.first_paragraph = " ".join(text.split())

    def collect(self, sentences: Sentences) -> None:
        found = self.found
        for ref, loc, start, end in self.pending_mentions:
            found.mentions.append(MentionRef(ref, loc, sentences.excerpt(start, end, found.sentences)))
        # spans are collected as they close, so an enclosing claim (the paragraph's, an outer span) comes
        # after those inside it; appearances are ordered by where they start, the outer one first
        ordered = sorted(self.pending_claims, key=lambda claim: (claim[3], -claim[4]))
        for attrs, loc, wording, start, end, locs, tag in ordered:
            span = _claim_span(found, attrs, loc, locs, wording, sentences.excerpt(start, end, found.sentences))
            if span:
                tag.meta = {"index": len(found.claims)}
                found.claims.append(span)


def _claim_span(found: Collected, attrs: dict[str, str], loc: Loc, locs: dict[str, Loc],
                wording: str, where: Excerpt) -> ClaimSpan | None:
    claim = attrs.get("claim", "").strip()
    if not claim:
        found.diagnostics.append(loc.error("claim annotation without a claim id: add claim=ID"))
        return None
    by = attrs.get("by", "").strip() or None
    stance = attrs.get("stance", "").strip() or ("reports" if by else "asserts")
    if stance not in STANCES:
        found.diagnostics.append(locs.get("stance", loc).error(
            f"unknown stance '{stance}': use one of {', '.join(STANCES)}" + did_you_mean(stance, STANCES)))
        return None
    source = attrs.get("source", "").strip() or None
    return ClaimSpan(claim=claim, text=wording, by=by, by_loc=locs.get("by", loc), source=source,
                     source_loc=locs.get("source", loc), stance=stance, loc=loc, excerpt=where)


def attr_offsets(text: str, start: int, end: int) -> dict[str, int]:
    """Offset of each `key=` in the attribute list `text[start:end]`; the last one of a repeated key wins, as in the parser."""
    return {m.group(1): m.start(1) for m in _ATTR_KEY.finditer(text, start, end) if m.group(1)}


class Sentences:
    """A paragraph's sentence ends, found once for all the excerpts of its annotations."""

    def __init__(self, text: str):
        self.text = text
        matches = list(_SENTENCE_END.finditer(text))
        self.starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]

    def excerpt(self, start: int, end: int, sentences: dict[str, str]) -> Excerpt:
        """The sentence holding `text[start:end]`, with the range's offsets within it: from the end of the last
        sentence that ends before the range (an end is followed by a space, so one at `start` is not before it)
        to the end of the first one that starts at or after the range's end. The sentence is the one in
        `sentences` when an excerpt before had it."""
        text, ends = self.text, self.ends
        before = bisect_left(ends, start) - 1
        begin = ends[before] if before >= 0 else 0
        after = bisect_left(self.starts, max(end, begin))
        stop = ends[after] if after < len(ends) else len(text)
        while begin < start and text[begin].isspace():
            begin += 1
        sentence = text[begin:stop].rstrip()
        return Excerpt(sentences.setdefault(sentence, sentence), start - begin, end - begin)
