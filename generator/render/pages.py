"""plan: every page of the site as (site path, template, record key, context), in a fixed order.

Contexts are computed only for the pages that are rendered, and an incremental build plans again only the
records and indexes whose pages may have changed (render/site.py keeps the paths of the others).
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable, Iterator, NamedTuple, Sequence
from urllib.parse import urlparse

from ..config import Config
from ..model import Archive
from .highlight import highlight_source
from .paginate import Pager, page_of, pager
from .urls import page_path
from .views import Graph, Mapped

HOME_LIST = 10


class Page(NamedTuple):  # a tuple: a large archive plans tens of thousands of these per build
    path: str
    template: str
    key: str  # the record whose pages these are ("a:<slug>", "e:<id>", ...) or the index ("index:entities")
    context: Callable[[], dict[str, Any]]


def _paged(key: str, template: str, base: str, count: int, per: int, items: Callable[[], Sequence],
           context: Callable[[Pager], dict[str, Any]]) -> Iterator[Page]:
    """The pages of a long list; the list itself is made only when one of them is rendered."""
    made: list[Sequence] = []

    def page(n: int) -> dict[str, Any]:
        if not made:
            made.append(items())
        here = pager(made[0], per, base, n)
        return {**context(here), "pager": here}

    for n in range(1, max(1, -(-count // per)) + 1):
        yield Page(page_of(base, n), template, key, lambda n=n: page(n))


RecordIds = tuple[list[str], list[str], list[str], list[str]]


def record_ids(archive: Archive) -> RecordIds:
    """The ids of the articles, entities, claims and sources, in the order of the plan: the plan of two archives
    with the same has the same keys. (In C: an edit in a large archive compares tens of thousands.)"""
    return (list(map(attrgetter("slug"), archive.articles)), list(archive.entities), list(archive.claims),
            list(archive.sources))


def keys(ids: RecordIds) -> list[str]:
    """The records and indexes whose pages make the site, in the order of the plan."""
    slugs, entities, claims, sources = ids
    return ["home", "index:articles", *map("a:".__add__, slugs), "index:entities", *map("e:".__add__, entities),
            "index:claims", *map("c:".__add__, claims), "index:sources", *map("s:".__add__, sources), "search", "404"]


class Planner:
    """The pages of one record or index at a time: an incremental build plans again only the records whose
    pages may have changed, and takes the others' paths from the last build."""

    def __init__(self, archive: Archive, graph: Graph, config: Config):
        self.archive, self.graph, self.config = archive, graph, config
        self._pages = {"home": self._home, "index": self._index, "a": self._article, "e": self._entity,
                       "c": self._claim, "s": self._source, "search": self._search, "404": self._not_found}

    def pages(self, key: str) -> Iterator[Page]:
        kind, _, rid = key.partition(":")
        return self._pages[kind](key, rid)

    def _home(self, key: str, _: str) -> Iterator[Page]:
        archive, graph = self.archive, self.graph
        yield Page("", "home.html", key, lambda: {
            "articles": archive.articles[:-HOME_LIST - 1:-1], "entities": graph.top_entities(HOME_LIST),
            "claims": graph.claims_ranked[:HOME_LIST], "article_count": len(archive.articles)})

    def _index(self, key: str, name: str) -> Iterator[Page]:
        archive, graph, per = self.archive, self.graph, self.config.per_page
        if name == "articles":
            yield from _paged(key, "articles.html", page_path("articles"), len(archive.articles), per,
                              lambda: archive.articles[::-1], lambda pager: {})
        elif name == "entities":
            yield from _paged(key, "entities.html", page_path("entities"), len(archive.entities), per,
                              lambda: graph.entities_by_type, lambda pager: {"type_counts": graph.entity_type_counts})
        elif name == "claims":
            yield from _paged(key, "claims.html", page_path("claims"), len(archive.claims), per,
                              lambda: graph.claims_ranked, lambda pager: {})
        else:
            sources = archive.sources
            yield from _paged(key, "sources.html", page_path("sources"), len(sources), per,
                              lambda: list(sources.values()), lambda pager: {"citers": archive.source_citers})

    def _article(self, key: str, slug: str) -> Iterator[Page]:
        article, graph = self.archive.by_slug[slug], self.graph
        path = page_path("article", slug)
        yield Page(path, "article.html", key, lambda: graph.article(article, path))
        yield Page(page_path("source_view", slug), "article_source.html", key,
                   lambda: {"article": article, "source": highlight_source(graph.read(article.doc))})

    def _entity(self, key: str, eid: str) -> Iterator[Page]:
        entity, graph = self.archive.entities[eid], self.graph
        yield from _paged(key, "entity.html", page_path("entity", eid), len(self.archive.entity_articles[eid]),
                          self.config.per_page, lambda: graph.mentions(entity),
                          lambda pager: graph.entity_page(entity, pager.here, pager.number == 1))

    def _claim(self, key: str, cid: str) -> Iterator[Page]:
        claim, graph = self.archive.claims[cid], self.graph
        yield from _paged(key, "claim.html", page_path("claim", cid), len(claim.appearances), self.config.per_page,
                          lambda: Mapped(claim.appearances, graph.appearance),
                          lambda pager: graph.claim_page(claim, pager.here))

    def _source(self, key: str, sid: str) -> Iterator[Page]:
        archive, graph = self.archive, self.graph
        source = archive.sources[sid]
        yield from _paged(key, "source.html", page_path("source", sid), len(archive.source_citers[sid]),
                          self.config.per_page,
                          lambda: Mapped(archive.source_citers[sid][::-1], archive.by_slug.__getitem__),
                          lambda pager: graph.source_page(source, pager.here))

    def _search(self, key: str, _: str) -> Iterator[Page]:
        yield Page(page_path("search"), "search.html", key, dict)

    def _not_found(self, key: str, _: str) -> Iterator[Page]:
        # a host serves 404.html at any depth, so its links start from the base URL's path when there is one
        yield Page("404.html", "404.html", key, lambda: {"absolute_root": urlparse(self.config.base_url).path or None})
