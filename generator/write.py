"""write: pages into a staging folder beside the site, then swap it in; a failed build leaves `site/` as it was."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

MARKER = ".archive-site"  # marks a folder as ours, so that replacing it can lose nothing an editor wrote


class UnsafeOutput(Exception):
    """The output folder cannot be written, or holds something that is not a site we built."""


def check_output(out: Path, root: Path) -> None:
    """Refuse to replace a folder that could hold someone's work."""
    out, root = out.resolve(), root.resolve()
    if out == root or out in root.parents or (root / "content") == out or (root / "content") in out.parents:
        raise UnsafeOutput(f"refusing to write the site to {out}: it would replace the archive's own files")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UnsafeOutput(f"refusing to replace {out}: it exists and was not built by archive (no {MARKER} file)")


class Staging:
    """A temporary folder next to the output; `commit` swaps it in with renames on one filesystem."""

    def __init__(self, out: Path):
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        self.written: set[str] = set()

    def write(self, relative: str, data: bytes | str) -> None:
        if relative in self.written:
            raise ValueError(f"two pages would be written to {relative}")
        self.written.add(relative)
        target = self.dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    def adopt(self, relative: str) -> None:
        """Move a folder of the current site into the new one (the preview keeps its stale search index
        until a fresh one is ready); the current site is replaced right after, so nothing is lost."""
        source = self.out / relative
        if source.is_dir() and not (self.dir / relative).exists():
            source.rename(self.dir / relative)

    def commit(self) -> None:
        (self.dir / MARKER).write_text("Built by archive. This folder is replaced on every build.\n")
        os.chmod(self.dir, 0o755)
        old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
        if self.out.exists():
            self.out.rename(old)
        self.dir.rename(self.out)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
