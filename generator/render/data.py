"""The machine-readable outputs: data/archive.json, Atom feeds and the sitemap."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from itertools import chain, filterfalse, repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO, Callable, Collection, Iterable, Iterator

from feedgen.feed import FeedGenerator

from ..config import Config
from ..digest import content_hash, hex_digest
from ..model import Archive, Article, Claim, Entity, Source
from .urls import page_path

ARCHIVE_JSON = "data/archive.json"
FEED_LENGTH = 50
# XML 1.0 has no place for most C0 controls (nor U+FFFE, U+FFFF), which text copied from feeds can carry;
# lxml refuses them and the build would crash, so they become U+FFFD in the XML outputs only
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Lines:
    """archive.json's lines by record key ("a:<slug>", "e:<id>", ...), and the ids and keys of each list's records
    in the file's order."""

    by_key: dict[str, bytes] = field(default_factory=dict)
    ids: list[list[str]] = field(default_factory=list)
    keys: list[list[str]] = field(default_factory=list)


def archive_json(archive: Archive, known: Lines | None = None, dirty: Collection[str] = (), keep: bool = True,
                 last: tuple[Path, str] | None = None) -> tuple[Iterable[bytes] | None, Lines]:
    """The cross-reference graph, with exactly the keys and orderings of the output contract, as the parts of
    the file (its lines, which are never joined: at 100,000 articles the file is 260 MB) and its lines; None
    instead of the parts when they would make the `known` file.

    One record a line: a diff between two exports shows the records that changed, and Python's C encoder
    (which pretty-printing would bypass) writes it in a fraction of the time. `known`: the last export's
    lines; of those, only the `dirty` records' are made again. (The passes over every record are in C: an edit
    in a large archive makes a few lines again out of tens of thousands.) Without `keep` (no later build will
    ask), the lines are made as the file is written and none is kept; then `last` (the file and the digest of
    its bytes, as the last build wrote it) gives the lines of the records that are not `dirty`, if it holds the
    same records in the same order.
    """
    dump = json.JSONEncoder(ensure_ascii=False).encode
    if not keep:
        lists = [(name, list(map(kind.__add__, ids(archive))), kind, record, row)
                 for name, kind, ids, record, row in _LISTS]
        kept = _last_lines(*last, [(kind, keys) for _, keys, kind, _, _ in lists], dump) if last else None

        def line_of(kind: str, record: Callable, row: Callable) -> Callable[[str], bytes]:
            def line(key: str) -> bytes:
                was = next(kept, None) if kept is not None else None  # (the file's next record: one for each key)
                if was is not None and key not in dirty:
                    return was
                return dump(row(archive, record(archive, key[len(kind):]))).encode()
            return line

        return _parts([(name, keys, line_of(kind, record, row)) for name, keys, kind, record, row in lists]), Lines()
    known = known or Lines()
    lines = Lines(dict(known.by_key))
    same = bool(known.ids)
    keyed = []
    for n, (name, kind, ids, record, row) in enumerate(_LISTS):
        lines.ids.append(list(ids(archive)))
        again = [key for key in dirty if key.startswith(kind)]
        if known.ids and known.ids[n] == lines.ids[n]:  # the same records: compared without making their keys
            keys = known.keys[n]
        else:
            keys = list(map(kind.__add__, lines.ids[n]))
            again += filterfalse(lines.by_key.__contains__, keys)  # new records
        lines.keys.append(keys)
        for key in again:
            found = record(archive, key[len(kind):])
            if found is None:  # removed
                lines.by_key.pop(key, None)
                continue
            line = dump(row(archive, found)).encode()
            same = same and line == known.by_key.get(key)
            lines.by_key[key] = line
        keyed.append((name, keys, lines.by_key.__getitem__))
    if len(lines.by_key) != sum(map(len, lines.keys)):  # records went away
        lines.by_key = {key: lines.by_key[key] for key in chain.from_iterable(lines.keys)}
    if same and lines.ids == known.ids:
        return None, lines
    return list(_parts(keyed)), lines


# the start of a record's line: its slug or id, as JSON
_RECORD_KEY = re.compile(rb'\{"(?:slug|id)": ("(?:[^"\\]|\\.)*")')


def _last_lines(path: Path, digest: str, keys: list[tuple[str, list[str]]],
                dump: Callable[[object], str]) -> Iterator[bytes] | None:
    """The records' lines of archive.json as the last build wrote it (`digest`: of its bytes), in order, if it
    is that file and holds the records of `keys` (each list's kind and keys) in that order. The file is read
    twice through one descriptor (the bytes checked are the bytes read), a line at a time, and never held whole:
    at 100,000 articles it is 260 MB."""
    wanted = iter([dump(key[len(kind):]).encode() for kind, some in keys for key in some])
    h = content_hash()
    try:
        file = open(path, "rb")  # (closed below, or by the generator that reads it again)
    except OSError:
        return None
    try:
        for line in file:
            h.update(line)
            found = _RECORD_KEY.match(line)
            if found and found[1] != next(wanted, None):
                break
        else:
            if next(wanted, None) is None and hex_digest(h) == digest:
                file.seek(0)
                return _record_lines(file)
    except OSError:
        pass
    file.close()
    return None


def _record_lines(file: BinaryIO) -> Iterator[bytes]:
    with file:
        for line in file:
            if _RECORD_KEY.match(line):
                yield line[:-2] if line.endswith(b",\n") else line[:-1]


def _parts(keyed: list[tuple[str, list[str], Callable[[str], bytes]]]) -> Iterator[bytes]:
    """The file's parts, from each list's name, keys and the line of a key."""
    yield b'{"version": 1,\n'
    for i, (name, keys, line) in enumerate(keyed):
        if keys:
            yield f'"{name}": [\n'.encode()
            yield from chain.from_iterable(zip(map(line, keys[:-1]), repeat(b",\n")))
            yield line(keys[-1]) + b"\n]"
        else:
            yield f'"{name}": []'.encode()
        yield b",\n" if i < len(keyed) - 1 else b"}\n"


def _article_row(archive: Archive, a: Article) -> dict:
    return {"slug": a.slug, "title": a.title, "date": a.iso_date, "url": page_path("article", a.slug),
            "publisher": a.publisher, "wire": a.wire, "authors": a.authors, "tags": a.tags,
            "entities": a.entities, "claims": a.claims, "sources": a.sources}


def _entity_row(archive: Archive, e: Entity) -> dict:
    return {"id": e.id, "name": e.name, "type": e.type, "aliases": e.aliases, "implicit": e.implicit,
            "url": page_path("entity", e.id), "articles": archive.entity_articles[e.id]}


def _claim_row(archive: Archive, c: Claim) -> dict:
    return {"id": c.id, "statement": c.statement, "implicit": c.implicit, "url": page_path("claim", c.id),
            "appearances": [{"article": x.article, "text": x.text, "by": x.by, "source": x.source,
                             "stance": x.stance} for x in c.appearances]}


def _source_row(archive: Archive, s: Source) -> dict:
    return {"id": s.id, "title": s.title, "kind": s.kind, "url": s.url, "cited_by": archive.source_citers[s.id]}


_LISTS: list[tuple[str, str, Callable[[Archive], Iterable[str]], Callable[[Archive, str], Any],
                  Callable[[Archive, Any], dict]]] = [
    ("articles", "a:", lambda archive: map(attrgetter("slug"), archive.articles),
     lambda archive, slug: archive.by_slug.get(slug), _article_row),
    ("entities", "e:", lambda archive: archive.entities, lambda archive, eid: archive.entities.get(eid), _entity_row),
    ("claims", "c:", lambda archive: archive.claims, lambda archive, cid: archive.claims.get(cid), _claim_row),
    ("sources", "s:", lambda archive: archive.sources, lambda archive, sid: archive.sources.get(sid), _source_row),
]


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def newest_first(articles: list[Article]) -> list[Article]:
    """The articles a feed shows."""
    return sorted(articles, key=attrgetter("moment"), reverse=True)[:FEED_LENGTH]


ENTRIES_KEPT = 10_000  # entries a process keeps for the feeds it makes next: about 9 MB


class AtomFeeds:
    """Atom feeds of articles (`newest_first` chose them), each feed and each article's entry written by
    feedgen; its dates come from the articles, so rebuilds are identical. An article is in a dozen feeds (the
    site's and those of the entities it names), and feedgen's building of elements is most of a feed's time:
    each entry is written once, in a feed of its own, and its text put into every feed that shows it. The
    latest ENTRIES_KEPT are kept."""

    _END = b"</feed>\n"

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.base = xml_text(config.base_url)
        self.language = xml_text(config.language)
        self.entries: dict[str, bytes] = {}  # article slug -> its entry, indented as in a feed

    def feed(self, newest: list[Article], path: str, title: str) -> bytes:
        base = self.base
        feed = FeedGenerator()
        feed.id(base + path if base else f"urn:archive:{path}")
        feed.title(xml_text(title))
        feed.link(href=base + path, rel="self")
        feed.link(href=base or "./", rel="alternate")
        feed.language(self.language)
        feed.updated(newest[0].moment if newest else datetime(1970, 1, 1, tzinfo=timezone.utc))
        head = feed.atom_str(pretty=True)
        assert head.endswith(self._END)
        return b"".join((head[:-len(self._END)], *map(self._entry, newest), self._END))

    def _entry(self, article: Article) -> bytes:
        kept = self.entries.get(article.slug)
        if kept is not None:
            return kept
        alone = FeedGenerator()  # a feed of one entry, for feedgen to write the entry as any feed holds it
        alone.id("urn:archive:entry")
        alone.title("entry")
        entry = alone.add_entry()
        url = self.base + page_path("article", article.slug)
        entry.id(url if self.base else f"urn:archive:article:{article.slug}")
        entry.title(xml_text(article.title))
        entry.link(href=url)
        entry.updated(article.moment)
        entry.published(article.moment)
        if article.summary:
            entry.summary(xml_text(article.summary))
        for author in article.authors:
            entry.author(name=xml_text(self.archive.entities[author].name))
        text = alone.atom_str(pretty=True)
        made = text[text.index(b"  <entry>"):-len(self._END)]
        if len(self.entries) >= ENTRIES_KEPT:
            del self.entries[next(iter(self.entries))]  # the oldest
        self.entries[article.slug] = made
        return made


def sitemap(paths: list[str], config: Config) -> bytes:
    # (html's escape, as xml.sax's would: that module imports urllib's client, 17 ms, for what a build never does)
    rows = "".join(f"  <url><loc>{escape(xml_text(config.base_url + p), quote=False)}</loc></url>\n" for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}</urlset>\n").encode()
