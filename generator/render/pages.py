"""plan: every page of the site as (site path, template, context), produced lazily in a fixed order."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any, Iterator
from urllib.parse import urlparse

from ..config import Config
from ..model import ENTITY_TYPES, Archive
from .highlight import highlight_source
from .paginate import paginate
from .urls import page_path
from .views import Graph

HOME_LIST = 10


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    template: str
    context: dict[str, Any]


def plan(archive: Archive, graph: Graph, config: Config) -> Iterator[Page]:
    per = config.per_page
    newest = archive.articles[::-1]
    yield Page("", "home.html", {"articles": newest[:HOME_LIST], "entities": graph.entities_ranked[:HOME_LIST],
                                 "claims": graph.claims_ranked[:HOME_LIST], "article_count": len(newest)})
    for pager in paginate(newest, per, page_path("articles")):
        yield Page(pager.here, "articles.html", {"pager": pager})
    for article in archive.articles:
        path = page_path("article", article.slug)
        yield Page(path, "article.html", graph.article(article, path))
        yield Page(page_path("source_view", article.slug), "article_source.html",
                   {"article": article, "source": highlight_source(article.doc.text)})

    type_order = {t: i for i, t in enumerate((*ENTITY_TYPES, "unknown"))}
    by_type = sorted(archive.entities.values(), key=lambda e: (type_order.get(e.type, 99), e.name.casefold(), e.id))
    type_counts = [(t, len(list(group))) for t, group in groupby(by_type, key=lambda e: e.type)]
    counts = archive.entity_articles
    for pager in paginate([(e, len(counts[e.id])) for e in by_type], per, page_path("entities")):
        yield Page(pager.here, "entities.html", {"pager": pager, "type_counts": type_counts})
    for entity in archive.entities.values():
        base = page_path("entity", entity.id)
        mentions = graph.mentions(entity)
        for pager in paginate(mentions, per, base):
            yield Page(pager.here, "entity.html", {**graph.entity_page(entity, pager.here), "pager": pager})

    for pager in paginate(graph.claims_ranked, per, page_path("claims")):
        yield Page(pager.here, "claims.html", {"pager": pager})
    for claim in archive.claims.values():
        views = [graph.appearance(x) for x in claim.appearances]
        for pager in paginate(views, per, page_path("claim", claim.id)):
            yield Page(pager.here, "claim.html", {**graph.claim_page(claim, pager.here), "pager": pager})

    for pager in paginate(list(archive.sources.values()), per, page_path("sources")):
        yield Page(pager.here, "sources.html", {"pager": pager, "citers": archive.source_citers})
    for source in archive.sources.values():
        citing = [archive.by_slug[s] for s in reversed(archive.source_citers[source.id])]
        for pager in paginate(citing, per, page_path("source", source.id)):
            yield Page(pager.here, "source.html", {**graph.source_page(source, pager.here), "pager": pager})
    # a host serves 404.html at any depth, so its links start from the base URL's path when there is one
    yield Page(page_path("search"), "search.html", {})
    yield Page("404.html", "404.html", {"absolute_root": urlparse(config.base_url).path or None})
