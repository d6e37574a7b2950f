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


def _entry(entity: Entity, forms: list[str], articles: int) -> dict:
    entry = {"i": entity.id, "n": entity.name, "t": entity.type, "c": articles, "k": forms}
    if in_full_text(entity):
        entry["f"] = 1
    return entry


def suggestion_files(archive: Archive) -> dict[str, bytes]:
    """`search/suggest/<prefix>.json` shards and `search/suggest/index.json`, which says which shards there are.

    Words shorter than two characters are not indexed: suggestions start at the second character typed.
    """
    counts = archive.entity_articles
    by_prefix: dict[str, list[dict]] = defaultdict(list)
    for entity in archive.entities.values():
        forms = list(dict.fromkeys(f for f in (fold(n) for n in (entity.name, *entity.aliases)) if f))
        entry = _entry(entity, forms, len(counts[entity.id]))
        for word in dict.fromkeys(w for form in forms for w in form.split() if len(w) > 1):
            by_prefix[word].append(entry)
    # group the word index by growing prefixes: two characters, and more where a shard would be too big
    files: dict[str, bytes] = {}
    prefixes: list[str] = []  # of every shard
    capped: list[str] = []
    pending = sorted({w[:2] for w in by_prefix})  # words are 2+ characters, so every prefix here is too
    while pending:
        prefix = pending.pop(0)
        words = [w for w in by_prefix if w.startswith(prefix)]
        entries = _ranked({e["i"]: e for w in words for e in by_prefix[w]}.values())
        data = _shard_json(entries)
        if len(data) > SHARD_BYTES:
            longer = sorted({w[:len(prefix) + 1] for w in words if len(w) > len(prefix)})
            if not longer:
                capped.append(prefix)
            pending[:0] = longer
            data = _shard_json(entries[:TOP_OF_SPLIT])
        prefixes.append(prefix)
        files[f"search/suggest/{shard_name(prefix)}.json"] = data
    following: dict[str, set[str]] = defaultdict(set)
    for prefix in prefixes:
        following[prefix[:-1]].add(prefix[-1])
    manifest = {"version": 2, "split": sorted(k for k in following if len(k) > 1), "capped": sorted(capped),
                "next": {k: "".join(sorted(v)) for k, v in sorted(following.items())}}
    files["search/suggest/index.json"] = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    return files


def _ranked(entries) -> list[dict]:
    return sorted(entries, key=lambda e: (-e["c"], e["n"].casefold(), e["i"]))
