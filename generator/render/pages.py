"""plan: every page of the site as (site path, template, record key, context), in a fixed order.

Contexts are computed only for the pages that are rendered: an incremental build walks the whole plan to
know every page of the site, but builds the view models of the stale ones alone.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, NamedTuple, Sequence
from urllib.parse import urlparse

from ..config import Config
from ..model import Archive
from .highlight import highlight_source
from .paginate import Pager, page_of, paginate
from .urls import page_path
from .views import Graph

HOME_LIST = 10


class Page(NamedTuple):  # a tuple: a large archive plans tens of thousands of these per build
    path: str
    template: str
    key: str  # the record whose pages these are ("a:<slug>", "e:<id>", ...) or the index ("index:entities")
    context: Callable[[], dict[str, Any]]


def _paged(key: str, template: str, base: str, count: int, per: int, items: Callable[[], Sequence],
           context: Callable[[Pager], dict[str, Any]]) -> Iterator[Page]:
    """The pages of a long list; the list itself is made only when one of them is rendered."""
    made: list[list[Pager]] = []

    def pagers() -> list[Pager]:
        if not made:
            made.append(paginate(items(), per, base))
        return made[0]

    for n in range(max(1, -(-count // per))):
        path = page_of(base, n + 1)
        yield Page(path, template, key, lambda n=n: {**context(pagers()[n]), "pager": pagers()[n]})


def plan(archive: Archive, graph: Graph, config: Config) -> Iterator[Page]:
    per = config.per_page
    articles, entities, claims, sources = archive.articles, archive.entities, archive.claims, archive.sources
    yield Page("", "home.html", "home", lambda: {
        "articles": articles[::-1][:HOME_LIST], "entities": graph.entities_ranked[:HOME_LIST],
        "claims": graph.claims_ranked[:HOME_LIST], "article_count": len(articles)})
    yield from _paged("index:articles", "articles.html", page_path("articles"), len(articles), per,
                      lambda: articles[::-1], lambda pager: {})
    for article in articles:
        path, key = page_path("article", article.slug), "a:" + article.slug
        yield Page(path, "article.html", key, lambda a=article, p=path: graph.article(a, p))
        yield Page(page_path("source_view", article.slug), "article_source.html", key,
                   lambda a=article: {"article": a, "source": highlight_source(graph.text(a.doc))})

    yield from _paged("index:entities", "entities.html", page_path("entities"), len(entities), per,
                      lambda: graph.entities_by_type, lambda pager: {"type_counts": graph.entity_type_counts})
    for entity in entities.values():
        yield from _paged("e:" + entity.id, "entity.html", page_path("entity", entity.id),
                          len(archive.entity_articles[entity.id]), per, lambda e=entity: graph.mentions(e),
                          lambda pager, e=entity: graph.entity_page(e, pager.here))

    yield from _paged("index:claims", "claims.html", page_path("claims"), len(claims), per,
                      lambda: graph.claims_ranked, lambda pager: {})
    for claim in claims.values():
        yield from _paged("c:" + claim.id, "claim.html", page_path("claim", claim.id), len(claim.appearances), per,
                          lambda c=claim: [graph.appearance(x) for x in c.appearances],
                          lambda pager, c=claim: graph.claim_page(c, pager.here))

    yield from _paged("index:sources", "sources.html", page_path("sources"), len(sources), per,
                      lambda: list(sources.values()), lambda pager: {"citers": archive.source_citers})
    for source in sources.values():
        yield from _paged("s:" + source.id, "source.html", page_path("source", source.id),
                          len(archive.source_citers[source.id]), per,
                          lambda s=source: [archive.by_slug[x] for x in reversed(archive.source_citers[s.id])],
                          lambda pager, s=source: graph.source_page(s, pager.here))
    yield Page(page_path("search"), "search.html", "search", dict)
    # a host serves 404.html at any depth, so its links start from the base URL's path when there is one
    yield Page("404.html", "404.html", "404", lambda: {"absolute_root": urlparse(config.base_url).path or None})
