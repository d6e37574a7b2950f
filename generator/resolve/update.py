"""Apply an edit of articles alone, or of records alone, to the last resolution, instead of resolving every
document again.

An edit of articles qualifies when it changes, adds or removes articles only, leaves the registries as they
were (no entity or source defined in an article's front matter changed), involves no implicit entity, creates or
drops no implicit claim, and makes no two articles share a slug. Annotating an article is then a function of the
article and the registries alone, and what other records list of it (articles mentioning an entity, citing a
source, appearances of a claim) is patched in place, in the contract's orders. An edit of records (entities,
sources, claims) qualifies when each keeps what refers to it (an entity's name, type and aliases), what it refers
to (a source's publisher, a claim's `about`) and whom its text mentions: its record is patched in place.
Anything else is resolved whole; tests/test_incremental.py and tests/test_resolve_update.py hold both ways to the
same result.
"""
from __future__ import annotations

from bisect import bisect_left, insort

from ..config import Config
from ..diagnostics import Loc
from ..model import Article, Document
from . import Resolution, article_order, listed, make_entity, make_source, slug_of, stem_id


def update(res: Resolution, changes: dict[str, Document | None], config: Config) -> Resolution | None:
    """`res` brought up to date with the documents that `changes` (path -> the new document, None when there
    is none any more) changed in place, or None when the change needs a whole resolution."""
    changed = [path for path, doc in changes.items() if doc is not res.docs.get(path)]
    if config != res.config:
        return None
    if changed and all(doc is not None and doc.kind != "article" for doc in map(changes.get, changed)):
        return _records(res, changed, changes)
    if res.refused:
        return None  # an article that lost its slug to another may get it now, the other's changed
    for path in changed:
        before, after = res.docs.get(path), changes[path]
        if any(doc is not None and doc.kind != "article" for doc in (before, after)):
            return None
        if _registers(before) != _registers(after):
            return None  # a registry changes
    archive, resolver = res.archive, res.resolver
    gone = [res.live[path] for path in changed if path in res.live]
    if any(archive.entities[e].implicit for article in gone for e in article.entities):
        return None  # an implicit entity is named by its first reference: it may be renamed or dropped
    taken = archive.by_slug.keys() - {article.slug for article in gone}
    fresh: list[Article] = []
    own = {}
    entities = len(resolver.entities)
    for path in changed:
        doc = changes[path]
        if not listed(doc):
            continue
        slug = slug_of(doc)
        if not slug or slug in taken:
            return None
        taken.add(slug)
        article = resolver.article(doc, slug)
        own[path] = resolver.annotate_alone(article)
        if len(resolver.entities) != entities or any(archive.entities[e].implicit for e in article.entities):
            return None
        if any(claim not in archive.claims for claim in article.claims):
            return None  # a new implicit claim
        fresh.append(article)
    claims = {claim for article in (*gone, *fresh) for claim in article.claims}
    going = {article.slug for article in gone}
    appearances = {claim: [x for x in archive.claims[claim].appearances if x.article not in going]
                   + [x for article in fresh for x in article.appearances if x.claim == claim] for claim in claims}
    if any(archive.claims[claim].implicit and not kept for claim, kept in appearances.items()):
        return None  # an implicit claim would go

    # the change qualifies: patch the archive
    by_slug = archive.by_slug
    for article in gone:
        del archive.articles[bisect_left(archive.articles, article_order(article), key=article_order)]
        del by_slug[article.slug]
        for eid in article.entities:
            archive.entity_articles[eid].remove(article.slug)
        for sid in article.sources:
            archive.source_citers[sid].remove(article.slug)
    by_slug.update((article.slug, article) for article in fresh)

    def order(slug: str) -> tuple:
        return article_order(by_slug[slug])
    for article in fresh:
        insort(archive.articles, article, key=article_order)
        for eid in article.entities:
            insort(archive.entity_articles[eid], article.slug, key=order)
        for sid in article.sources:
            insort(archive.source_citers[sid], article.slug, key=order)
    for cid, listing in appearances.items():
        claim = archive.claims[cid]
        claim.appearances = sorted(listing, key=lambda x: (*order(x.article), x.position))
        if claim.implicit:
            claim.statement = claim.appearances[0].text
    for path in changed:
        res.live.pop(path, None)
        resolver.own.pop(path, None)
        doc = changes[path]
        if doc is None:
            res.docs.pop(path, None)
        else:
            res.docs[path] = doc
    res.live.update((article.doc.path, article) for article in fresh)
    resolver.own.update(own)
    if res.touched is not None:
        res.touched |= {"a:" + article.slug for article in (*gone, *fresh)} | {"c:" + claim for claim in claims}
    return res


def _records(res: Resolution, changed: list[str], changes: dict[str, Document | None]) -> Resolution | None:
    """An edit of entity, source or claim records that keeps what other files refer to them by and what their
    own references name (`_names`; a source's publisher and a claim's `about` and `related` are resolved again
    the same way) and whom their text mentions. Their records are patched in place; what other pages show of
    them changes as their snapshot says."""
    resolver = res.resolver
    registries = {"entity": resolver.entities, "source": resolver.sources, "claim": resolver.claims}
    for path in changed:
        before, after = res.docs.get(path), changes[path]
        record = registries[after.kind].get(stem_id(after)) if after is not None else None
        if (before is None or after is None or record is None or record.doc is not before
                or _names(before) != _names(after) or _mention_refs(before) != _mention_refs(after)):
            return None
    for path in changed:
        doc = changes[path]
        assert doc is not None
        rid, publisher, claim = stem_id(doc), None, None
        if doc.kind == "entity":
            resolver.entities[rid] = res.archive.entities[rid] = make_entity(rid, doc.fields, Loc(path), doc)
        elif doc.kind == "source":
            source = make_source(rid, doc.fields, Loc(path), doc)
            source.publisher = resolver.sources[rid].publisher  # the same name, resolved the same way
            resolver.sources[rid] = res.archive.sources[rid] = source
            publisher = doc.fields.get("publisher")
        else:
            claim = resolver.claims[rid]
            claim.statement, claim.doc = doc.get("statement", rid), doc
        res.docs[path] = doc
        # (the problems of a record are all at its own path: the same references resolve the same way)
        resolver.problems = [p for p in resolver.problems if p.path != path] + resolver.record_problems(
            doc, publisher, claim)
        if res.touched is not None:
            res.touched.add(doc.kind[0] + ":" + rid)
    return res


def _mention_refs(doc: Document) -> list[str]:
    return [m.ref for m in doc.mentions]


def _names(doc: Document) -> tuple:
    """What a record's references must keep for an edit to be patched in: what other files name an entity by,
    and its type; a source's publisher; the entities a claim is about."""
    if doc.kind == "source":
        return doc.get("publisher"),
    if doc.kind == "claim":
        return tuple(f.value for f in doc.get("about", [])),
    return doc.get("name"), doc.get("type"), [f.value for f in doc.get("aliases", [])]


def _registers(doc: Document | None) -> tuple:
    """The entities and sources an article's front matter defines (with where: duplicates are reported there)."""
    if not listed(doc):
        return None, None
    return doc.fields.get("entities"), doc.fields.get("sources")
