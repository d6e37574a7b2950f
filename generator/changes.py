"""changes: which pages an edit makes stale, from two snapshots of the cross-reference graph.

A snapshot holds, for every record (`a:slug`, `e:id`, `c:id`, `s:id`), a digest of everything its own pages
show of it (`full`), a digest of what other pages show of it (`summary`: name, type, title, date), and the
records its pages show (`shows`). Between two builds:

- a record whose `full` digest changed is stale, and so are the records whose pages list it with its details
  when those details (`listed`) changed too: an article's entities (the sentence of the mention), claims (its
  title and date: the wording there is the claim's own) and sources (the citers), and a claim's entities and
  sources (the counts of its appearances) and related claims (which list it back); where the list did not
  move (an edit that changed neither the article's date nor what it links), only the page listing the article
  is, and the first page (with the counts) when what it counts of the article changed;
- a record whose `summary` changed makes stale every page that names it: the records it shows and that show
  it, in both builds (removing a mention must update the old entity's page), the entities mentioned beside an
  entity, and an article's neighbours (previous/next links).

The rules are the templates' dependencies written down; tests/test_incremental.py checks them against clean
builds after random edits.
"""
from __future__ import annotations

import hashlib
import marshal
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from sys import intern
from typing import Collection

from .ids import ref_key
from .model import Archive, Document, FirstMentions

Key = str  # kind letter and id: "a:<slug>", "e:<id>", "c:<id>", "s:<id>"
_FULL_SPREAD = {"a": "ecs", "c": "ecs", "e": "", "s": ""}


def _digest(value: object) -> bytes:
    """Of plain values (strings, numbers, tuples, lists and dicts of them): marshal's version 2 writes them in a
    third of the time of repr, and as equal values (references to shared objects came with version 3)."""
    try:
        data = marshal.dumps(value, 2)
    except ValueError:  # a value of another kind (a source's own keys hold whatever its YAML gave)
        data = repr(value).encode()
    return hashlib.blake2b(data, digest_size=8).digest()


_plain = attrgetter("sentence", "start", "end")  # an Excerpt, as a tuple


def _firsts(firsts: FirstMentions) -> tuple[tuple[str, ...], list[tuple[str, int, int]]]:
    """What the listing pages show of an article's first mentions."""
    return firsts.ids, [_plain(x) for x in firsts.excerpts]


@dataclass
class Snapshot:
    full: dict[Key, bytes] = field(default_factory=dict)
    summary: dict[Key, bytes] = field(default_factory=dict)
    # of articles and claims: what the pages listing them show, as a digest of all of it, one of what the
    # first pages of those lists count, and one of what a claim's pages show of an article beside the claim's
    # own wording (an edit of an article's text that changes none makes only the article's own pages stale;
    # one that changes only its row, the page listing it)
    listed: dict[Key, tuple[bytes, bytes, bytes]] = field(default_factory=dict)
    shows: dict[Key, tuple[Key, ...]] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # article slugs, by date


@dataclass
class Stale:
    records: set[Key]  # every page of these is stale
    # an entity's or source's pages where these articles are listed (their list did not move)
    rows: dict[Key, set[str]]
    counts: set[Key]  # entities and sources whose first page (with counts of what they are linked with) is stale
    indexes: set[str]  # of "articles", "entities", "claims", "sources": every page of these is stale
    retitled: set[str]  # articles whose line in the article index changed (where they are listed is stale)


def snapshot(archive: Archive, previous: Snapshot | None = None, touched: set[Key] | None = None) -> Snapshot:
    """The snapshot of the archive; with `previous` (of the same archive before an update) and the records the
    update `touched`, only theirs is taken again."""
    snap = Snapshot(order=tuple(map(attrgetter("slug"), archive.articles)))
    if previous is None or touched is None:
        keys = chain(("a:" + a for a in archive.by_slug), ("e:" + e for e in archive.entities),
                     ("c:" + c for c in archive.claims), ("s:" + s for s in archive.sources))
    else:
        snap.full, snap.summary, snap.shows = dict(previous.full), dict(previous.summary), dict(previous.shows)
        snap.listed = dict(previous.listed)
        keys = iter(touched)
    for key in keys:
        record = _RECORDS[key[0]](archive, key[2:])
        snap.listed.pop(key, None)
        if record is None:
            del snap.full[key], snap.summary[key], snap.shows[key]
            continue
        snap.summary[key], snap.full[key], shows, listed = record
        # one string for each key however many records show it: 15 MiB fewer at 10,000 articles
        snap.shows[key] = tuple(map(intern, shows))
        if listed is not None:
            snap.listed[key] = listed
    return snap


# summary digest, full digest, what its pages show, digests of what the pages listing it show and count and
# what a claim's pages show of it
Record = tuple[bytes, bytes, tuple[Key, ...], tuple[bytes, bytes, bytes] | None]


def _article(archive: Archive, slug: str) -> Record | None:
    a = archive.by_slug.get(slug)
    if a is None:
        return None
    when = a.date.isoformat()
    summary = (a.slug, a.title, when, a.summary, a.authors)
    full = (summary, a.doc.path, a.doc.digest, a.publisher, a.wire, a.entities, a.claims, a.sources, a.mentions,
            [(x.by, x.source) for x in a.appearances])
    counted = (when, a.entities)  # (the counts of claims come with the claims' own changes)
    listed = (summary, counted, a.claims, a.sources, _firsts(a.first_mentions),
              [(x.text, x.stance, _plain(x.excerpt)) for x in a.appearances])
    return _digest(summary), _digest(full), (*("e:" + e for e in a.entities), *("c:" + c for c in a.claims),
                                             *("s:" + s for s in a.sources)), (_digest(listed), _digest(counted),
                                                                               _digest((a.title, when)))


def _entity(archive: Archive, eid: str) -> Record | None:
    e = archive.entities.get(eid)
    if e is None:
        return None
    summary = (e.id, e.name, e.type)
    full = (summary, e.aliases, e.description, e.links, e.implicit, e.defined_in, _doc(e.doc))
    return _digest(summary), _digest(full), _mentioned(archive, e.doc), None


def _claim(archive: Archive, cid: str) -> Record | None:
    c = archive.claims.get(cid)
    if c is None:
        return None
    summary = (c.id, c.statement)
    full = (summary, c.about, c.related, c.implicit, _doc(c.doc),
            [(x.article, x.position, x.text, x.by, x.source, x.stance, _plain(x.excerpt)) for x in c.appearances])
    shown = chain(("e:" + e for e in c.about), ("c:" + r for r in c.related), _mentioned(archive, c.doc),
                  *(("a:" + x.article, "e:" + (x.by or ""), "s:" + (x.source or "")) for x in c.appearances))
    listed = _digest((summary, c.about, c.related, [(x.by, x.source) for x in c.appearances]))  # as others show it
    return _digest(summary), _digest(full), tuple(k for k in dict.fromkeys(shown) if len(k) > 2), (listed,) * 3


def _source(archive: Archive, sid: str) -> Record | None:
    s = archive.sources.get(sid)
    if s is None:
        return None
    summary = (s.id, s.title, s.kind, s.date)
    full = (summary, s.publisher, s.url, s.extra, s.defined_in, _doc(s.doc))
    return _digest(summary), _digest(full), (*(["e:" + s.publisher] if s.publisher else []),
                                             *_mentioned(archive, s.doc)), None


_RECORDS = {"a": _article, "e": _entity, "c": _claim, "s": _source}


def _doc(doc: Document | None) -> str | None:
    return doc.digest if doc else None


def _mentioned(archive: Archive, doc: Document | None) -> tuple[Key, ...]:
    """The entities a record's own text mentions (its page links them)."""
    if doc is None:
        return ()
    found = (archive.refs.get(ref_key(m.ref)) for m in doc.mentions)
    return tuple(dict.fromkeys("e:" + e for e in found if e))


def _reverse(shows: dict[Key, tuple[Key, ...]]) -> dict[Key, list[Key]]:
    shown_by: dict[Key, list[Key]] = defaultdict(list)
    for key, targets in shows.items():
        for target in targets:
            shown_by[target].append(key)
    return shown_by


def _neighbours(order: tuple[str, ...]) -> dict[str, tuple[str | None, str | None]]:
    padded = (None, *order, None)
    return {slug: (padded[i], padded[i + 2]) for i, slug in enumerate(order)}


def stale(old: Snapshot, new: Snapshot, candidates: Collection[Key] | None = None) -> Stale:
    """What changed from `old` to `new`; `candidates`: the only records that may have (None: any)."""
    keys = old.full.keys() | new.full.keys() if candidates is None else candidates
    changed = {k for k in keys if old.full.get(k) != new.full.get(k)}
    renamed = {k for k in changed if old.summary.get(k) != new.summary.get(k)}
    moved = old.order != new.order
    records = set(changed)
    rows: dict[Key, set[str]] = defaultdict(set)
    counts: set[Key] = set()
    for key in changed:
        if key in old.listed and old.listed[key] == new.listed.get(key):
            continue  # no page lists it differently
        counted = key not in old.listed or old.listed[key][1] != new.listed.get(key, (b"",) * 3)[1]
        cited = key not in old.listed or old.listed[key][2] != new.listed.get(key, (b"",) * 3)[2]
        spread = _FULL_SPREAD[key[0]]
        was, now = set(old.shows.get(key, ())), set(new.shows.get(key, ()))
        for target in was | now:
            if target[0] not in spread:
                continue
            if key[0] == "c" and target[0] == "c":  # a related claim lists it back
                records.add(target)
            elif key[0] == "c":  # an entity's or a source's first page lists the claim, with counts
                counts.add(target)
            elif target[0] == "c" and target in was and target in now and not cited:
                continue  # the claim's pages show only the article's title and date and the claim's own wording
            elif target[0] != "c" and target in was and target in now and not moved:
                rows[target].add(key[2:])  # the article keeps its place in the target's list: only its row changed
                if counted:
                    counts.add(target)
            else:
                records.add(target)
    if any(k[0] != "a" for k in renamed):  # who names an entity, claim or source: the reverse of `shows`
        for snap in (old, new):
            shown_by = _reverse(snap.shows)
            for key in renamed:
                records.update(snap.shows.get(key, ()), shown_by.get(key, ()))
                if key[0] == "e":  # the entities mentioned beside it list it among theirs
                    for article in shown_by.get(key, ()):
                        records.update(k for k in snap.shows.get(article, ()) if k[0] == "e")
    if moved:
        before, after = _neighbours(old.order), _neighbours(new.order)
        for slug in set(before) | set(after):
            was, now = before.get(slug, (None, None)), after.get(slug, (None, None))
            if was != now or any(n and "a:" + n in renamed for n in (*was, *now)):
                records.add("a:" + slug)
    else:  # the same order: only the neighbours of a renamed article name it
        for key in renamed:
            if key[0] == "a":
                i = new.order.index(key[2:])
                records.update("a:" + new.order[j] for j in (i - 1, i + 1) if 0 <= j < len(new.order))
    indexes: set[str] = set()
    if moved:
        indexes.add("articles")
    if any(k[0] == "c" for k in changed):
        indexes.add("claims")
    for kind, index in (("e", "entities"), ("s", "sources")):  # their index pages show article counts
        counted = any(_linked(old, k, kind) != _linked(new, k, kind) for k in changed if k[0] == "a")
        if counted or any(k[0] == kind for k in renamed | (old.full.keys() ^ new.full.keys())):
            indexes.add(index)
    rows = {key: slugs for key, slugs in rows.items() if key not in records}
    return Stale(records, rows, counts - records, indexes, {k[2:] for k in renamed if k[0] == "a"})


def _linked(snap: Snapshot, key: Key, kind: str) -> set[Key]:
    return {k for k in snap.shows.get(key, ()) if k[0] == kind}
