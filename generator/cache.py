"""The build cache in `.archive-cache/`: parsed documents by file digest, and what the last build made.

One SQLite file, so that a build interrupted at any moment leaves it consistent. The cache only ever saves
work: when it is missing, unreadable or written by other code of the generator (another version, or the same
one edited: a parse, even a file's digest, may come out otherwise), the build starts from nothing, and nothing
it holds is ever the only copy of anything.
"""
from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .diagnostics import Diagnostic
from .digest import generator_digest

if TYPE_CHECKING:  # (a command that only asks `archive serve` to build imports this module, and little else)
    from .model import Document

FOLDER = ".archive-cache"

Parsed = tuple["Document | None", list[Diagnostic]]
CacheUse = Literal["on", "read", "off"]


def cache_folder(root: Path) -> Path:
    """The archive's folder for the generator's own files, made if missing (raises OSError if it cannot be)."""
    folder = root / FOLDER
    if not (folder / ".gitignore").is_file():
        folder.mkdir(exist_ok=True)
        (folder / ".gitignore").write_text("*\n")  # none of it belongs in the archive's repository
    return folder


class Cache:
    def __init__(self, root: Path, use: CacheUse = "on"):
        self.db: sqlite3.Connection | None = None
        folder = root / FOLDER
        if use == "off":
            return
        try:
            if use == "on":
                cache_folder(root)
            elif not folder.is_dir():
                return
            self.db = sqlite3.connect(folder / "cache.sqlite", isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            # no fsync at every commit: a power cut may lose the last parses, never the file's consistency
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS parsed (path TEXT, digest TEXT, data BLOB,"
                            " PRIMARY KEY (path, digest))")
            self.db.execute("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, data BLOB)")
            if self.get("generator") != generator_digest():
                self.db.executescript("DELETE FROM parsed; DELETE FROM state;")
                self.put("generator", generator_digest())
        except (OSError, sqlite3.Error, pickle.UnpicklingError):
            self.db = None  # a read-only or broken cache only costs time

    def get(self, name: str) -> Any:
        row = self._one("SELECT data FROM state WHERE name = ?", (name,))
        return _loads(row)

    def put(self, name: str, value: Any) -> None:
        self._write("INSERT OR REPLACE INTO state VALUES (?, ?)", [(name, pickle.dumps(value, 5))])

    def parsed(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Parsed]:
        """The cached parse of each (path, digest) that has one."""
        if self.db is None or not keys:
            return {}
        found: dict[tuple[str, str], Parsed] = {}
        try:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (path TEXT, digest TEXT)")
            self.db.execute("DELETE FROM wanted")
            self.db.executemany("INSERT INTO wanted VALUES (?, ?)", keys)
            rows = self.db.execute("SELECT p.path, p.digest, p.data FROM parsed p"
                                   " JOIN wanted w ON p.path = w.path AND p.digest = w.digest")
            for path, digest, data in rows:
                value = _loads(data)
                if value is not None:
                    found[(path, digest)] = value
        except sqlite3.Error:
            return {}
        return found

    def holds_parses(self) -> bool:
        return self._one("SELECT 1 FROM parsed LIMIT 1", ()) is not None

    def add_parsed(self, entries: dict[tuple[str, str], bytes]) -> None:
        """Add parses, pickled, by (path, digest)."""
        self._write("INSERT OR REPLACE INTO parsed VALUES (?, ?, ?)",
                    [(path, digest, data) for (path, digest), data in entries.items()])

    def keep_parsed(self, keep: set[tuple[str, str]]) -> None:
        """Forget every parse not in `keep`."""
        if self.db is not None and len(keep) < self._count():
            self._write("DELETE FROM parsed WHERE path || ':' || digest NOT IN (SELECT value FROM json_each(?))",
                        [(json.dumps([f"{p}:{d}" for p, d in keep]),)])

    def _count(self) -> int:
        row = self._one("SELECT count(*) FROM parsed", ())
        return int(row or 0)

    def _one(self, sql: str, args: tuple) -> Any:
        if self.db is None:
            return None
        try:
            row = self.db.execute(sql, args).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def _write(self, sql: str, rows: list[tuple]) -> None:
        if self.db is None or not rows:
            return
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany(sql, rows)
        except sqlite3.Error:
            self.db = None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _loads(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # a cache written by other code: ignored, the build recomputes it
        return None
