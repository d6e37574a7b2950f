"""Entity suggestions for the search box: a compact, prefix-sharded index that we write ourselves.

A reader who types "blin" downloads only the shard for "bl" (or "bli" where "bl" was too big to keep whole),
never the whole list of entities. Each entry lists the folded forms of its name and aliases; the browser
matches the typed words against the starts of their words.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict

from ..model import Archive

SHARD_BYTES = 16_000  # a shard bigger than this is split by one more character
TOP_OF_SPLIT = 40  # a split shard keeps its most-mentioned entries, for what is typed before the next character
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


def _shard_json(entries: list[dict]) -> bytes:
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode()


def suggestion_files(archive: Archive) -> dict[str, bytes]:
    """`search/suggest/<prefix>.json` shards and `search/suggest/index.json` naming the split prefixes.

    Words shorter than two characters are not indexed: suggestions start at the second character typed.
    """
    counts = archive.entity_articles
    by_prefix: dict[str, list[dict]] = defaultdict(list)
    for entity in archive.entities.values():
        forms = list(dict.fromkeys(f for f in (fold(n) for n in (entity.name, *entity.aliases)) if f))
        entry = {"i": entity.id, "n": entity.name, "t": entity.type, "c": len(counts[entity.id]), "k": forms}
        for word in dict.fromkeys(w for form in forms for w in form.split() if len(w) > 1):
            by_prefix[word].append(entry)
    # group the word index by growing prefixes: two characters, and more where a shard would be too big
    files: dict[str, bytes] = {}
    split: list[str] = []
    pending = sorted({w[:2] for w in by_prefix})  # words are 2+ characters, so every prefix here is too
    while pending:
        prefix = pending.pop(0)
        words = [w for w in by_prefix if w.startswith(prefix)]
        entries = _ranked({e["i"]: e for w in words for e in by_prefix[w]}.values())
        data = _shard_json(entries)
        longer = sorted({w[:len(prefix) + 1] for w in words if len(w) > len(prefix)})
        if len(data) > SHARD_BYTES and longer:
            split.append(prefix)
            pending[:0] = longer
            data = _shard_json(entries[:TOP_OF_SPLIT])
        files[f"search/suggest/{shard_name(prefix)}.json"] = data
    files["search/suggest/index.json"] = json.dumps({"version": 1, "split": sorted(split)},
                                                    separators=(",", ":")).encode()
    return files


def _ranked(entries) -> list[dict]:
    return sorted(entries, key=lambda e: (-e["c"], e["n"].casefold(), e["i"]))
