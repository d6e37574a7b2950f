"""plan: every page of the site as (site path, template, record key, page number), in a fixed order.

Contexts are computed only for the pages that are rendered (`Planner.context`), and an incremental build plans
again only the records and indexes whose pages may have changed (render/site.py keeps the paths of the others).
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable, NamedTuple, Sequence
from urllib.parse import urlparse

from ..config import Config
from ..model import Archive
from .highlight import highlight_source
from .paginate import Pager, page_of, pager
from .urls import page_path
from .views import Graph, Mapped

HOME_LIST = 10


class Page(NamedTuple):
    """A tuple of strings and an int, not a closure: a large archive plans hundreds of thousands, in a process
    whose memory the render workers copy."""
    path: str
    template: str
    key: str  # the record whose pages these are ("a:<slug>", "e:<id>", ...) or the index ("index:entities")
    number: int = 0  # of a page of a long list (`Listing`), from 1; 0 for a page of its own


class Listing(NamedTuple):
    """A long list, shown a page of `per_page` items at a time."""
    template: str
    base: str  # the site path of its first page
    count: int
    items: Callable[[], Sequence]  # the list itself, made only when one of its pages is rendered
    context: Callable[[Pager], dict[str, Any]]


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
    """The pages of one record or index at a time (an incremental build plans again only the records whose
    pages may have changed, and takes the others' paths from the last build), and the context of each."""

    def __init__(self, archive: Archive, graph: Graph, config: Config):
        self.archive, self.graph, self.per = archive, graph, config.per_page
        self.base_url = config.base_url
        self._listings: dict[str, Callable[[str], Listing]] = {
            "index": self._index, "e": self._entity, "c": self._claim, "s": self._source}
        self._singles: dict[str, Callable[[str], list[tuple[str, str]]]] = {
            "home": lambda _: [("", "home.html")],
            "a": lambda slug: [(page_path("article", slug), "article.html"),
                               (page_path("source_view", slug), "article_source.html")],
            "search": lambda _: [(page_path("search"), "search.html")],
            "404": lambda _: [("404.html", "404.html")]}
        self._contexts: dict[str, Callable[[str, str], dict[str, Any]]] = {
            "home.html": self._home, "article.html": self._article, "article_source.html": self._article_source,
            "search.html": lambda _, __: {}, "404.html": self._not_found}
        self._made: tuple[str, Listing, Sequence] | None = None  # the last list made: its pages come one after another

    def pages(self, key: str) -> list[Page]:
        kind, _, rid = key.partition(":")
        if kind in self._listings:
            listing = self._listings[kind](rid)
            return [Page(page_of(listing.base, n), listing.template, key, n)
                    for n in range(1, max(1, -(-listing.count // self.per)) + 1)]
        return [Page(path, template, key) for path, template in self._singles[kind](rid)]

    def context(self, page: Page) -> dict[str, Any]:
        kind, _, rid = page.key.partition(":")
        if not page.number:
            return self._contexts[page.template](rid, page.path)
        if self._made is None or self._made[0] != page.key:
            listing = self._listings[kind](rid)
            self._made = (page.key, listing, listing.items())
        _, listing, items = self._made
        here = pager(items, self.per, listing.base, page.number)
        return {**listing.context(here), "pager": here}

    def _home(self, _: str, __: str) -> dict[str, Any]:
        archive, graph = self.archive, self.graph
        return {"articles": archive.articles[:-HOME_LIST - 1:-1], "entities": graph.top_entities(HOME_LIST),
                "claims": graph.claims_ranked[:HOME_LIST], "article_count": len(archive.articles)}

    def _article(self, slug: str, path: str) -> dict[str, Any]:
        return self.graph.article(self.archive.by_slug[slug], path)

    def _article_source(self, slug: str, _: str) -> dict[str, Any]:
        article = self.archive.by_slug[slug]
        return {"article": article, "source": highlight_source(self.graph.read(article.doc))}

    def _not_found(self, _: str, __: str) -> dict[str, Any]:
        # a host serves 404.html at any depth, so its links start from the base URL's path when there is one
        return {"absolute_root": urlparse(self.base_url).path or None}

    def _index(self, name: str) -> Listing:
        archive, graph = self.archive, self.graph
        if name == "articles":
            return Listing("articles.html", page_path("articles"), len(archive.articles),
                           lambda: archive.articles[::-1], lambda pager: {})
        if name == "entities":
            return Listing("entities.html", page_path("entities"), len(archive.entities),
                           lambda: graph.entities_by_type, lambda pager: {"type_counts": graph.entity_type_counts})
        if name == "claims":
            return Listing("claims.html", page_path("claims"), len(archive.claims),
                           lambda: graph.claims_ranked, lambda pager: {})
        sources = archive.sources
        return Listing("sources.html", page_path("sources"), len(sources), lambda: list(sources.values()),
                       lambda pager: {"citers": archive.source_citers})

    def _entity(self, eid: str) -> Listing:
        entity, graph = self.archive.entities[eid], self.graph
        return Listing("entity.html", page_path("entity", eid), len(self.archive.entity_articles[eid]),
                       lambda: graph.mentions(entity),
                       lambda pager: graph.entity_page(entity, pager.here, pager.number == 1))

    def _claim(self, cid: str) -> Listing:
        claim, graph = self.archive.claims[cid], self.graph
        return Listing("claim.html", page_path("claim", cid), len(claim.appearances),
                       lambda: Mapped(claim.appearances, graph.appearance),
                       lambda pager: graph.claim_page(claim, pager.here))

    def _source(self, sid: str) -> Listing:
        archive, graph = self.archive, self.graph
        source = archive.sources[sid]
        return Listing("source.html", page_path("source", sid), len(archive.source_citers[sid]),
                       lambda: Mapped(archive.source_citers[sid][::-1], archive.by_slug.__getitem__),
                       lambda pager: graph.source_page(source, pager.here))
