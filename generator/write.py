"""write: a build's files go to a folder beside the site, then move in; a failed build leaves `site/` as it was.

With the manifest of the site as the last build left it, only the files whose bytes changed are written and
moved in, and the files no longer produced are deleted: an unchanged page keeps its file and its modification
time, so that a deploy (rsync, object stores) uploads only what changed. Without one (a first build, or a
site changed by another build), the whole site is written to the new folder and swapped in with two renames;
that is also what removes a file put into `site/` by hand (`archive build --no-cache`).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from .diagnostics import UsageError
from .digest import content_digest, content_hash, hex_digest

BUNDLE = "pagefind"  # the search index: search.py has Pagefind write it, nothing else touches it
MARKER = ".archive-site"  # marks a folder as ours, so that replacing it can lose nothing an editor wrote
WRITE_BYTES = 1 << 18  # a file's parts are held until there are this many bytes of them, then written at once


class UnsafeOutput(UsageError):
    """The output folder cannot be written, or holds something that is not a site we built."""


def check_output(out: Path, root: Path) -> None:
    """Refuse to replace a folder that could hold someone's work."""
    out, root = out.resolve(), root.resolve()
    if out == root or out in root.parents or (root / "content") == out or (root / "content") in out.parents:
        raise UnsafeOutput(f"refusing to write the site to {out}: it would replace the archive's own files")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UnsafeOutput(f"refusing to replace {out}: it exists and was not built by archive (no {MARKER} file)")


def site_id(out: Path) -> str | None:
    """The id of the build that left `out` as it is (written into the marker at every commit)."""
    try:
        return (out / MARKER).read_text().rsplit("build ", 1)[1].strip()
    except (OSError, IndexError):
        return None


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    while written < len(data):  # a write may take part of the bytes (a signal, a full disk's last blocks)
        written += os.write(fd, data[written:])


class SiteWriter:
    def __init__(self, out: Path, previous: dict[str, str] | None):
        """`previous`: site file -> digest of its bytes, as the last build left `out`; None to write everything."""
        self.out = out
        self.previous = previous if previous is not None and out.is_dir() else None
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        except OSError as exc:  # a read-only or impossible --out is the user's to fix, not a crash
            raise UnsafeOutput(f"cannot write the site to {out}: {exc.strerror or exc}: {exc.filename}") from exc
        self.outputs: dict[str, str] = {}
        self.changed: list[str] = []
        self.added = 0  # files the last build did not make

    @property
    def fresh(self) -> bool:
        return self.previous is None

    def write(self, relative: str, data: bytes | str | list[bytes] | Iterator[bytes]) -> None:
        self.record(relative, *self.store(relative, data))

    def store(self, relative: str, data: bytes | str | list[bytes] | Iterator[bytes]) -> tuple[str, bool]:
        """Write a file unless the site has it with these bytes (or these parts of bytes, which a large file is
        written from without joining them); returns its digest and whether it was written. (A worker of the
        render stage stores; the build's own process records what it stored.) Parts that come as an iterator
        are written as they come, never all held at once, and the file is dropped again if it changed nothing."""
        if isinstance(data, Iterator):
            return self._stream(relative, data)
        parts = data if isinstance(data, list) else [data.encode() if isinstance(data, str) else data]
        digest = content_digest(*parts)
        changed = not self._kept(relative, digest)
        if changed:
            self._write_file(relative, parts)
        return digest, changed

    def _stream(self, relative: str, parts: Iterator[bytes]) -> tuple[str, bool]:
        h = content_hash()
        target = self._write_file(relative, parts, h)
        digest = hex_digest(h)
        if self._kept(relative, digest):
            os.unlink(target)
            return digest, False
        return digest, True

    def _kept(self, relative: str, digest: str) -> bool:
        """Whether the site has this file with these bytes."""
        return (self.previous is not None and self.previous.get(relative) == digest
                and (self.out / relative).is_file())

    def _write_file(self, relative: str, parts: Iterable[bytes], h: hashlib._Hash | None = None) -> str:
        """Write the parts as they come (into `h` too, if given) to a new file of the staging folder; returns its
        path. Plain strings, one mkdir call for a folder whose parent is there (most pages have a folder of their
        own) and a descriptor rather than a file object: per file of a cold build of tens of thousands,
        pathlib's objects and io's buffers cost more than writing it."""
        target = f"{self.dir}/{relative}"
        folder = target.rpartition("/")[0]
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            # parts not written yet, and their size: a file of many small parts (archive.json's lines, 34,000 at
            # 10,000 articles) is written in a few large writes, not one call each
            held: list[bytes] = []
            size = 0
            for part in parts:
                if h is not None:
                    h.update(part)
                held.append(part)
                size += len(part)
                if size >= WRITE_BYTES:
                    _write_all(fd, b"".join(held))
                    held, size = [], 0
            if held:
                _write_all(fd, b"".join(held))  # (of one part: that part, not a copy)
        finally:
            os.close(fd)
        return target

    def record(self, relative: str, digest: str, changed: bool) -> None:
        """Account for a file written (by this process or by a worker of the render stage)."""
        if relative in self.outputs:
            raise ValueError(f"two pages would be written to {relative}")
        self.outputs[relative] = digest
        if self.previous is None or relative not in self.previous:
            self.added += 1
        if changed:
            self.changed.append(relative)

    def keep(self, *files: str) -> None:
        """Files of the last build that this one did not need to make again."""
        assert self.previous is not None or not files
        previous = self.previous or {}
        self.outputs.update(zip(files, map(previous.__getitem__, files)))  # in C: a rebuild keeps most of the site

    def carry(self, files: dict[str, str]) -> None:
        """`keep` for files whose digests the caller kept from the last build."""
        self.outputs.update(files)

    def adopt(self, relative: str) -> None:
        """Carry a folder of the current site over into a fresh one (the preview keeps its stale search index
        until a fresh one is ready); the current site is replaced right after, so nothing is lost."""
        source = self.out / relative
        if self.fresh and source.is_dir() and not (self.dir / relative).exists():
            source.rename(self.dir / relative)

    def commit(self, build_id: str) -> int:
        """Move the new files in; returns how many files were written or deleted."""
        marker = f"Built by archive. Files here are replaced by every build.\nbuild {build_id}\n"
        if self.fresh:
            (self.dir / MARKER).write_text(marker)
            os.chmod(self.dir, 0o755)
            old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            if self.out.exists():
                self.out.rename(old)
            self.dir.rename(self.out)
            shutil.rmtree(old, ignore_errors=True)
            return len(self.outputs)
        for relative in self.changed:
            target = self.out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.dir / relative, target)
        # none is gone when as many outputs as there were files are previous ones (known in O(1): an edit keeps
        # tens of thousands)
        gone = self.previous.keys() - self.outputs.keys() if len(self.outputs) - self.added < len(self.previous) else ()
        for relative in gone:
            (self.out / relative).unlink(missing_ok=True)
            for folder in (self.out / relative).parents:  # the folders it leaves empty go too
                if folder == self.out or not folder.is_dir() or any(folder.iterdir()):
                    break
                folder.rmdir()
        (self.out / MARKER).write_text(marker)
        shutil.rmtree(self.dir, ignore_errors=True)
        return len(self.changed) + len(gone)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
