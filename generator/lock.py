"""One build of an archive at a time.

Two builds of one archive would each swap their site into place (or their files into it) and re-index it for
search through the same folders, and `serve` installs a fresh search index between its rebuilds. A lock file in
the cache folder, held while a build runs, makes the second wait for the first, and says so. As Hugo's
`.hugo_build.lock`, but `serve` holds it only while it builds or indexes: `archive build` beside a running
`archive serve` waits for one rebuild at most.
"""
from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .cache import FOLDER, cache_folder

LOCK_FILE = "build.lock"


@contextmanager
def build_lock(root: Path, holder: str, *, make_folder: bool = True) -> Iterator[None]:
    """Held for a build of the archive at `root`; `holder` names this process for a build that waits. Without
    `make_folder` (a build that leaves no cache), an archive without a cache folder gets none: the lock is then
    taken on the archive's folder itself, which tells no waiting build who holds it."""
    try:
        if make_folder or (root / FOLDER).is_dir():
            fd, named = os.open(cache_folder(root) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666), True
        else:
            fd, named = os.open(root, os.O_RDONLY), False
    except OSError:  # an archive we may not write to: no build here could write its cache folder either
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = (os.pread(fd, 200, 0).decode(errors="replace").strip() if named else "") or "another process"
            if not other.endswith(f"pid {os.getpid()}"):  # (not serve's own search indexing)
                print(f"archive: waiting for another build of this archive to finish ({other})", file=sys.stderr,
                      flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        if named:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{holder}, pid {os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # which releases the lock
