"""`[[reference]]` and `[[reference|shown text]]`: entity mentions as a markdown-it inline rule."""
from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_inline import StateInline


def wikilink_plugin(md: MarkdownIt) -> None:
    # Before "link", which would otherwise read `[[x]]` as a bracketed label.
    md.inline.ruler.before("link", "entity_mention", _wikilink_rule)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if not state.src.startswith("[[", start) or (start > 0 and state.src[start - 1] in "[!" and not _opens_span(state)):
        return False  # `[[[x]]]` and `![[x]]` stay what CommonMark makes of them
    end = state.src.find("]]", start + 2, state.posMax)
    if end < 0 or (state.src.startswith("]", end + 2) and end + 2 < state.posMax):
        return False  # `[[x]]]` is bracketed text; but in a span posMax is its `]`: `[said [[x]]]{claim=c}`
    if start == 0 and state.src.startswith(":", end + 2):
        return False  # a line starting `[[x]]:` is a broken link definition
    if state.linkLevel > 0:
        return False  # a mention is a link itself, and links do not nest
    inner = state.src[start + 2 : end]
    if "[" in inner or "]" in inner or "\n" in inner:
        return False
    references = state.env.get("references")
    if references and normalizeReference(inner) in references:
        return False  # a link reference definition takes precedence, as it does over spans
    ref, _, text = inner.partition("|")
    ref, text = ref.strip(), text.strip()
    if not ref:
        return False  # left as text: the lint rule reports it
    if not silent:
        token = state.push("entity_mention", "", 0)
        token.content = text or ref
        token.meta = {"ref": ref, "offset": start}
    state.pos = end + 2
    return True


def _opens_span(state: StateInline) -> bool:
    """Whether the `[` before the current position opens the span whose content is being read:
    `[[[x]] said]{claim=c}` starts with a mention."""
    return not state.pending and bool(state.tokens) and state.tokens[-1].type == "span_open"
