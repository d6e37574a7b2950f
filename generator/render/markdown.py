"""Bodies on pages: a body was rendered when its file was parsed (`parse.body`), with holes for what
resolution decides; `fill` makes them, for the page that shows it, a mention's link to the entity its reference
resolved to and a claim's tag with its claimant, stance and statement.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..escaping import fast_escape
from ..ids import make_id, ref_key
from ..model import Archive, Entity
from ..parse.annotations import Collected
from ..parse.body import HOLE, body_renderer, prerender
from ..parse.positions import LineMap
from .urls import page_path, relative


ClaimTag = tuple[str, str | None, str]  # a claim tag's claim id, claimant's name (if any) and stance


@dataclass(frozen=True, slots=True)
class Links:
    """What a body's links resolve against: the archive (None for a lone snippet) and the page's path."""

    archive: Archive | None
    page: str
    # the body's claims by the index its claim tags hold (a claim that resolution refused has none)
    tags: Mapping[int, ClaimTag] = field(default_factory=dict)
    # (reference, depth of the page) -> the mention's opening tag, for all the bodies of one resolution: a
    # reference is in many bodies, and all of a kind's pages are at one depth
    openings: dict[tuple[str, int], str] = field(default_factory=dict)

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
    key = (ref, links.page.count("/"))  # (`relative` links from a page by its depth alone)
    made = links.openings.get(key)
    if made is None:
        url, name, kind = links.entity(ref)
        made = links.openings[key] = (f'<a class="mention" data-type="{fast_escape(kind)}" href="{fast_escape(url)}" '
                                      f'title="{fast_escape(name)} ({fast_escape(kind)})">')
    return made


def _claim_tag(links: Links, index: int) -> str:
    """The visible marker after a claim: claimant and stance, linking to the claim's page."""
    tag = links.tags.get(index)
    if tag is None:
        return ""
    claim, claimant, stance = tag
    statement = claim
    if links.archive is not None and claim in links.archive.claims:
        statement = links.archive.claims[claim].statement
    by = f'<span class="claim-by">{fast_escape(claimant)}</span> · ' if claimant else ""
    url = relative(links.page, page_path("claim", claim))
    return (f'<a class="claim-tag" id="appearance-{index + 1}" data-stance="{fast_escape(stance)}" '
            f'href="{fast_escape(url)}" title="Claim: {fast_escape(statement)}">{by}'
            f'<span class="claim-stance">{fast_escape(stance)}</span></a>')


def fill(body: str, links: Links) -> str:
    """A body's HTML with its holes filled for the page it is shown on."""
    if "\x00" not in body:
        return body
    return HOLE.sub(lambda m: _mention_open(links, m[2]) if m[1] == "m" else _claim_tag(links, int(m[2])), body)


def render_markdown(text: str) -> str:
    """One piece of Markdown, with annotations, rendered as article bodies are, against an empty archive."""
    found = Collected("<markdown>", LineMap(text))
    tokens = body_renderer().parse(text, {"annotations": found})
    alone = Links(None, "")
    tags = {i: (span.claim, alone.entity(span.by)[1] if span.by else None, span.stance)
            for i, span in enumerate(found.claims)}
    return fill(prerender(tokens, found.claims), Links(None, "", tags))
