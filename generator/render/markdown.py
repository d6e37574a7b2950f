"""Render rules for our tokens: mentions link to entity pages, claims are marked and linked.

Bodies are rendered after resolution, so a mention links to the entity its reference resolved to.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import escape

from ..ids import make_id, ref_key
from ..model import Archive, Entity
from ..parse.markdown import make_parser
from .highlight import highlight_code
from .urls import page_path, relative


@dataclass(frozen=True, slots=True)
class Links:
    """What a body's links resolve against: the archive (None for a lone snippet) and the page's path."""

    archive: Archive | None
    page: str
    doc_claims: tuple = ()

    def entity(self, ref: str) -> tuple[str, str, str]:
        """(url, name, type) of the entity a reference names."""
        key = ref_key(ref)
        found: Entity | None = None
        if self.archive is not None:
            found = self.archive.entities.get(self.archive.refs.get(key, ""))
        if found is None:
            return relative(self.page, page_path("entity", make_id(ref) or "entity")), " ".join(ref.split()), "unknown"
        return relative(self.page, page_path("entity", found.id)), found.name, found.type


def _mention_open(links: Links, ref: str) -> str:
    url, name, kind = links.entity(ref)
    return (f'<a class="mention" data-type="{escape(kind)}" href="{escape(url)}" '
            f'title="{escape(name)} ({escape(kind)})">')


def render_entity_mention(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    return f"{_mention_open(env['links'], token.meta['ref'])}{escape(token.content)}</a>"


def render_entity_open(self, tokens: list[Token], idx: int, options, env) -> str:
    return _mention_open(env["links"], tokens[idx].meta["ref"])


def render_entity_close(self, tokens: list[Token], idx: int, options, env) -> str:
    return "</a>"


def _span(links: Links, tag: Token):
    index = tag.meta.get("index")
    return links.doc_claims[index] if index is not None and index < len(links.doc_claims) else None


def render_claim_open(self, tokens: list[Token], idx: int, options, env) -> str:
    span = _span(env["links"], tokens[idx].meta["tag"])
    return f'<span class="claim" data-stance="{escape(span.stance if span else "")}">'


def render_claim_close(self, tokens: list[Token], idx: int, options, env) -> str:
    return "</span>"


def render_claim_tag(self, tokens: list[Token], idx: int, options, env) -> str:
    """The visible marker after a claim: claimant and stance, linking to the claim's page."""
    links: Links = env["links"]
    span = _span(links, tokens[idx])
    if span is None:
        return ""
    index = tokens[idx].meta["index"]
    statement = span.claim
    if links.archive is not None and span.claim in links.archive.claims:
        statement = links.archive.claims[span.claim].statement
    by = f'<span class="claim-by">{escape(links.entity(span.by)[1])}</span> · ' if span.by else ""
    url = relative(links.page, page_path("claim", span.claim))
    return (f'<a class="claim-tag" id="appearance-{index + 1}" data-stance="{escape(span.stance)}" '
            f'href="{escape(url)}" title="Claim: {escape(statement)}">{by}'
            f'<span class="claim-stance">{escape(span.stance)}</span></a>')


@lru_cache(maxsize=None)
def body_renderer() -> MarkdownIt:
    """The body parser without front matter (bodies are rendered from stored tokens or snippets)."""
    md = make_parser(front_matter=False)
    md.options["highlight"] = highlight_code
    for name, rule in globals().items():
        if name.startswith("render_"):
            md.add_render_rule(name.removeprefix("render_"), rule)
    return md


def render_tokens(tokens: list[Token], links: Links) -> str:
    md = body_renderer()
    return md.renderer.render(tokens, md.options, {"links": links})


def render_markdown(text: str) -> str:
    """One piece of Markdown, with annotations, rendered as article bodies are, against an empty archive."""
    from ..parse.annotations import Collected
    from ..parse.positions import LineMap

    md = body_renderer()
    found = Collected("<markdown>", LineMap(text))
    env = {"annotations": found}
    tokens = md.parse(text, env)
    env["links"] = Links(None, "", tuple(found.claims))
    return md.renderer.render(tokens, md.options, env)
