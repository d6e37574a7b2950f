"""Entity suggestions for the search box: a compact, prefix-sharded index that we write ourselves.

A reader who types "blin" downloads only the shard for "bl" (or "bli" where "bl" was too big to keep whole),
never the whole list of entities. The browser matches the typed words against the starts of the words of each
entry's folded name and aliases. The search page also shows, among its results, the entities that match a query
and are not in the full-text index (a name with no description or body: see `in_full_text`).

An entry is `{"i": id, "n": name, "t": type, "c": articles mentioning it, "k": [folded name and aliases]}`, with
`"f": 1` when the entity has a page in the full-text index.

`index.json` lists the prefixes that were `split` (their own shard keeps only their most-mentioned entries; the
others live in the shards one character longer) and the whole words whose shard was `capped` the same way (a word
too common to split); `next` maps each first letter to the second letters of the two-letter shards, and each split
prefix to the characters that extend it, so that the browser never asks for a shard that does not exist. For a
query of several words the browser uses a word whose shard is complete.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Collection

from ..model import Archive, Entity

SHARD_BYTES = 16_000  # a shard bigger than this is split by one more character (or capped, for a whole word)
TOP_OF_SPLIT = 24  # a split or capped shard keeps its most-mentioned entries, for what is typed before the next character
_WORD = re.compile(r"[^\W_]+")
_SAFE_NAME = re.compile(r"^[a-z0-9]+$")


def fold(text: str) -> str:
    """Words without accents, lowercased, single-spaced (`Ürümqi` -> `urumqi`).

    search.js folds what the reader types the same way (NFKD, marks dropped, toLowerCase, letters and digits).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_WORD.findall(bare))


def shard_name(prefix: str) -> str:
    """A file name for a prefix: itself when plain ASCII, else its code points (as search.js computes it)."""
    return prefix if _SAFE_NAME.match(prefix) else "u" + "-".join(f"{ord(c):x}" for c in prefix)


def in_full_text(entity: Entity) -> bool:
    """Whether the entity's page is in the full-text (Pagefind) index: it has a description or a body with text.

    templates/entity.html marks the page for indexing on the same condition. (The body's first paragraph tells:
    a document from the build cache keeps it, but not its tokens.)
    """
    return bool(entity.description or (entity.doc is not None and entity.doc.first_paragraph))


def _shard_json(entries: list[dict]) -> bytes:
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Suggestions:
    """The index as the last build made it, by root (a word's first two characters): an edit in `serve`
    changes the entries of a few entities, and only the shards of their roots are made again."""

    entries: dict[str, tuple[dict, tuple[str, ...]]] = field(default_factory=dict)  # entity id -> entry, words
    roots: dict[str, set[str]] = field(default_factory=dict)  # root -> entities with a word starting with it
    shards: dict[str, _Root] = field(default_factory=dict)


@dataclass
class _Root:
    files: dict[str, bytes]  # shard file -> its bytes
    prefixes: list[str]  # of its shards
    capped: list[str]


def suggestion_files(archive: Archive) -> dict[str, bytes]:
    """`search/suggest/<prefix>.json` shards and `search/suggest/index.json`, which says which shards there are.

    Words shorter than two characters are not indexed: suggestions start at the second character typed.
    """
    _, files, _ = suggestions(archive)
    return files


def suggestions(archive: Archive, last: Suggestions | None = None, dirty: Collection[str] | None = None
                ) -> tuple[Suggestions, dict[str, bytes], list[str]]:
    """The index, the files to write, and the files that are as the `last` build made them: with `last`, only
    the entities whose keys ("e:<id>") are `dirty` are looked at again."""
    index = Suggestions() if last is None else Suggestions(dict(last.entries), dict(last.roots), dict(last.shards))
    ids = archive.entities.keys() if last is None or dirty is None else (
        {key[2:] for key in dirty if key[0] == "e"} | (last.entries.keys() - archive.entities.keys()))
    touched: set[str] = set()  # roots
    for eid in ids:
        entity = archive.entities.get(eid)
        before = index.entries.get(eid)
        now = None if entity is None else _entry(entity, len(archive.entity_articles[eid]))
        if now == before:
            continue
        for made, change in ((before, set.discard), (now, set.add)):
            for root in {w[:2] for w in made[1]} if made else ():
                if root not in touched:
                    index.roots[root] = set(index.roots.get(root, ()))  # the last build's sets stay as they were
                    touched.add(root)
                change(index.roots[root], eid)
        if now is None:
            del index.entries[eid]
        else:
            index.entries[eid] = now
    for root in touched:
        members = index.roots.get(root)
        if members:
            index.shards[root] = _shards(root, [index.entries[eid] for eid in members])
        else:
            index.shards.pop(root, None)
            index.roots.pop(root, None)
    files = {path: data for root in touched if root in index.shards for path, data in index.shards[root].files.items()}
    kept = [path for root, made in index.shards.items() if root not in touched for path in made.files]
    prefixes = [prefix for made in index.shards.values() for prefix in made.prefixes]
    following: dict[str, set[str]] = defaultdict(set)
    for prefix in prefixes:
        following[prefix[:-1]].add(prefix[-1])
    manifest = {"version": 2, "split": sorted(k for k in following if len(k) > 1),
                "capped": sorted(c for made in index.shards.values() for c in made.capped),
                "next": {k: "".join(sorted(v)) for k, v in sorted(following.items())}}
    files["search/suggest/index.json"] = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    return index, files, kept


def _entry(entity: Entity, articles: int) -> tuple[dict, tuple[str, ...]]:
    """An entity's entry and the words it is found by (of two characters or more)."""
    forms = list(dict.fromkeys(f for f in (fold(n) for n in (entity.name, *entity.aliases)) if f))
    entry = {"i": entity.id, "n": entity.name, "t": entity.type, "c": articles, "k": forms}
    if in_full_text(entity):
        entry["f"] = 1
    return entry, tuple(dict.fromkeys(w for form in forms for w in form.split() if len(w) > 1))


def _shards(root: str, members: list[tuple[dict, tuple[str, ...]]]) -> _Root:
    """The shards of the words that start with `root`: by growing prefixes, longer where a shard would be too big."""
    by_word: dict[str, list[dict]] = defaultdict(list)
    for entry, words in members:
        for word in words:
            if word.startswith(root):
                by_word[word].append(entry)
    made = _Root({}, [], [])
    pending = [root]
    while pending:
        prefix = pending.pop(0)
        words = [w for w in by_word if w.startswith(prefix)]
        entries = _ranked({e["i"]: e for w in words for e in by_word[w]}.values())
        data = _shard_json(entries)
        if len(data) > SHARD_BYTES:
            longer = sorted({w[:len(prefix) + 1] for w in words if len(w) > len(prefix)})
            if not longer:
                made.capped.append(prefix)
            pending[:0] = longer
            data = _shard_json(entries[:TOP_OF_SPLIT])
        made.prefixes.append(prefix)
        made.files[f"search/suggest/{shard_name(prefix)}.json"] = data
    return made


def _ranked(entries) -> list[dict]:
    return sorted(entries, key=lambda e: (-e["c"], e["n"].casefold(), e["i"]))
