"""View models: what each kind of page shows, computed from the resolved archive.

Templates get these plain values and never walk the cross-reference graph themselves.
"""
from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, groupby
from typing import Callable, Mapping, NamedTuple, Sequence, TypeVar, overload

from markupsafe import Markup

from ..model import ENTITY_TYPES, STANCES, Appearance, Archive, Article, Claim, Document, Entity, Excerpt, Source
from ..parse.body import unpack
from ..resolve import article_order
from .markdown import ClaimTag, Links, fill
from .urls import page_path

T, U = TypeVar("T"), TypeVar("U")
TOP = 10  # entries in "mentioned together" lists
LIST_CAP = 50  # lists on a record page that are not paginated stop here, so no page grows with the archive
_WIKIDATA = re.compile(r"^Q[0-9]+$")


def external_url(label: str, value: str) -> str | None:
    """The web address of an entity's link, if it has a safe one (a Wikidata id gets its page)."""
    if value.startswith(("https://", "http://")):
        return value
    if label.lower() == "wikidata" and _WIKIDATA.match(value):
        return f"https://www.wikidata.org/wiki/{value}"
    return None


def ranked(counts: Counter[str], limit: int) -> tuple[list[tuple[str, int]], int]:
    """The `limit` highest counts (ties by id), and how many were left out."""
    return heapq.nsmallest(limit, counts.items(), key=lambda kv: (-kv[1], kv[0])), max(0, len(counts) - limit)


class Mention(NamedTuple):  # a tuple: made for every row of every entity page, and unpacked by the template
    article: Article
    excerpt: Excerpt | None


@dataclass(frozen=True, slots=True)
class AppearanceView:
    appearance: Appearance
    article: Article
    claim: Claim
    by: Entity | None
    source: Source | None

    @property
    def anchor(self) -> str:
        return page_path("article", self.article.slug) + f"#appearance-{self.appearance.position + 1}"


class Mapped(Sequence[U]):
    """`make` of each of `items`, made when read: a page of a long list reads only its own slice."""

    def __init__(self, items: Sequence[T], make: Callable[[T], U]):
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> U: ...

    @overload
    def __getitem__(self, index: slice) -> list[U]: ...

    def __getitem__(self, index: int | slice) -> U | list[U]:
        if isinstance(index, slice):
            return [self.make(item) for item in self.items[index]]
        return self.make(self.items[index])


class ClaimLinks(NamedTuple):
    """The claims by what they link to."""

    by: dict[str, dict[str, None]]  # entity -> the claims it makes, in order
    about: dict[str, list[str]]  # entity -> the claims about it
    resting_on: dict[str, list[Appearance]]  # source -> the appearances of claims that rest on it
    related_back: dict[str, set[str]]  # claim -> the claims that name it as related


@dataclass
class Graph:
    """Indexes derived from the archive, shared by every page of a build; each made when a page first needs it
    (an edit in `serve` renders a few pages, which may need none)."""

    archive: Archive
    read: Callable[[Document], str]  # a document's text, read again from its file (documents do not keep it)
    openings: dict[tuple[str, int], str] = field(default_factory=dict)  # the bodies' mentions (`Links.openings`)

    def index(self) -> ClaimLinks:
        """The claims' links, made now: forked workers then share this process's copy instead of each making its
        own."""
        return self.claim_links

    @cached_property
    def claim_links(self) -> ClaimLinks:
        """Made in one pass when a page first needs them (an edit in `serve` may render none that does)."""
        links = ClaimLinks({}, {}, {}, {})
        for claim in self.archive.claims.values():
            for eid in claim.about:
                links.about.setdefault(eid, []).append(claim.id)
            for other in claim.related:
                links.related_back.setdefault(other, set()).add(claim.id)
            for appearance in claim.appearances:
                if appearance.by:
                    links.by.setdefault(appearance.by, {})[claim.id] = None
                if appearance.source:
                    links.resting_on.setdefault(appearance.source, []).append(appearance)
        return links

    def body(self, doc: Document | None, page: str, tags: Mapping[int, ClaimTag] | None = None) -> Markup:
        """`tags`: of an article's body, its claims' (`claim_tags`)."""
        if doc is None:
            return Markup("")
        return Markup(fill(unpack(doc.body), Links(self.archive, page, tags or {}, self.openings)))

    def claim_tags(self, article: Article) -> dict[int, ClaimTag]:
        """What the claim tags of an article's body show, by the index of the claim in the body (the position
        of its appearance: the document's own claims are not kept for rendering)."""
        entities = self.archive.entities
        return {x.position: (x.claim, entities[x.by].name if x.by else None, x.stance) for x in article.appearances}

    def entity(self, eid: str | None) -> Entity | None:
        return self.archive.entities.get(eid) if eid else None

    def appearance(self, appearance: Appearance) -> AppearanceView:
        a = self.archive
        return AppearanceView(appearance, a.by_slug[appearance.article], a.claims[appearance.claim],
                              self.entity(appearance.by), a.sources.get(appearance.source or ""))

    # ---- per page ------------------------------------------------------------------------

    def article(self, article: Article, page: str) -> dict:
        a = self.archive
        i = bisect_left(a.articles, article_order(article), key=article_order)
        return {
            "article": article,
            "body": self.body(article.doc, page, self.claim_tags(article)),
            "publisher": self.entity(article.publisher),
            "wire": self.entity(article.wire),
            "authors": [a.entities[e] for e in article.authors],
            "entities": sorted((a.entities[e] for e in article.entities), key=lambda e: (e.type, e.name.casefold())),
            "appearances": [self.appearance(x) for x in article.appearances],
            "sources": [a.sources[s] for s in article.sources],
            "previous": a.articles[i - 1] if i > 0 else None,
            "next": a.articles[i + 1] if i + 1 < len(a.articles) else None,
        }

    def mentions(self, entity: Entity) -> Mapped[Mention]:
        """Articles mentioning the entity, newest first, each with the sentence of its first mention."""
        by_slug = self.archive.by_slug
        return Mapped(self.archive.entity_articles[entity.id][::-1],
                      lambda s: Mention(by_slug[s], by_slug[s].first_mentions.get(entity.id)))

    def entity_page(self, entity: Entity, page: str, first: bool) -> dict:
        """What an entity's pages show: the first, everything; the others, the list (and the count)."""
        a = self.archive
        slugs = a.entity_articles[entity.id]
        if not first:
            return {"entity": entity, "article_count": len(slugs)}
        articles = [a.by_slug[slug] for slug in slugs]
        together = Counter(chain.from_iterable(article.entities for article in articles))  # counted in C
        years = Counter(article.year for article in articles)
        del together[entity.id]
        made, made_more = ranked(Counter(x.claim for cid in self.claim_links.by.get(entity.id, [])
                                         for x in a.claims[cid].appearances if x.by == entity.id), LIST_CAP)
        about, about_more = ranked(Counter({c: len(a.claims[c].appearances)
                                            for c in self.claim_links.about.get(entity.id, [])}), LIST_CAP)
        together_top, _ = ranked(together, TOP)
        return {
            "entity": entity,
            "body": self.body(entity.doc, page),
            "claims_made": [(a.claims[c], n) for c, n in made],
            "claims_made_more": made_more,
            "claims_about": [a.claims[c] for c, _ in about],
            "claims_about_more": about_more,
            "together": [(a.entities[e], n) for e, n in together_top],
            "years": sorted(years.items()),
            "article_count": len(slugs),
            "links": [(label, value, external_url(label, value)) for label, value in sorted(entity.links.items())],
        }

    def claim_page(self, claim: Claim, page: str) -> dict:
        a = self.archive
        stances = Counter(x.stance for x in claim.appearances)
        related = sorted(set(claim.related) | self.claim_links.related_back.get(claim.id, set()))
        return {
            "claim": claim,
            "body": self.body(claim.doc, page),
            "about": [a.entities[e] for e in claim.about],
            "stances": [(s, stances[s]) for s in STANCES if stances[s]],
            "first": self.appearance(claim.appearances[0]) if claim.appearances else None,
            "related": [a.claims[c] for c in related],
        }

    def source_page(self, source: Source, page: str) -> dict:
        a = self.archive
        resting, more = ranked(Counter(x.claim for x in self.claim_links.resting_on.get(source.id, [])), LIST_CAP)
        return {
            "source": source,
            "body": self.body(source.doc, page),
            "publisher": self.entity(source.publisher),
            "claims": [(a.claims[c], n) for c, n in resting],
            "claims_more": more,
        }

    def top_entities(self, limit: int) -> list[tuple[Entity, int]]:
        """The most mentioned entities (ties by id), with their counts."""
        counts = self.archive.entity_articles
        return heapq.nsmallest(limit, ((e, len(counts[e.id])) for e in self.archive.entities.values()),
                               key=lambda en: (-en[1], en[0].id))

    @cached_property
    def entities_by_type(self) -> list[tuple[Entity, int]]:
        order = {t: i for i, t in enumerate((*ENTITY_TYPES, "unknown"))}
        counts = self.archive.entity_articles
        return [(e, len(counts[e.id])) for e in sorted(self.archive.entities.values(),
                                                       key=lambda e: (order.get(e.type, 99), e.name.casefold(), e.id))]

    @cached_property
    def entity_type_counts(self) -> list[tuple[str, int]]:
        return [(t, len(list(group))) for t, group in groupby(self.entities_by_type, key=lambda en: en[0].type)]

    @cached_property
    def claims_ranked(self) -> list[Claim]:
        return sorted(self.archive.claims.values(), key=lambda c: (-len(c.appearances), c.id))
