"""Watch the archive's sources and hand over each burst of changes as one set.

watchdog callbacks only record paths; `wait` debounces (editors save in several steps) before returning.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch
from watchdog.observers.polling import PollingObserver

from ..config import CONFIG_FILE

QUIET = 0.05  # seconds without events that end a burst (an editor's save takes a few milliseconds)
WATCHED = ("content", "templates")
COOKIE = ".archive-sync-"  # files that `sync` makes
SYNC_TIMEOUT = 2.0  # seconds: a polling watcher looks every half second
_cookies = itertools.count()


def _ignored(name: str) -> bool:
    """Editors' temporary and backup files (vim's 4913 probe, swap files, emacs locks and backups)."""
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


class _Recorder(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # a folder's modification is the change of a file in it, which has its own event
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.watcher.record(Path(str(raw)))


class Watcher:
    def __init__(self, root: Path, *, poll: bool = False):
        # Absolute but not resolved: events name paths under each folder as it was scheduled, so a content/
        # that is a symlink to somewhere else must not be resolved away from the root.
        self.root = Path(os.path.abspath(root))
        self.observer = PollingObserver(timeout=0.5) if poll else Observer()
        self.changes: set[Path] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.cookies: dict[str, threading.Event] = {}  # `sync`'s, until seen
        self.recorder = _Recorder(self)
        self.watches: dict[str, ObservedWatch] = {}
        self.observer.schedule(self.recorder, str(self.root), recursive=False)  # archive.toml, new folders
        for name in WATCHED:
            self._watch(name)

    def _watch(self, name: str) -> None:
        """Watch one of the WATCHED folders, anew if it was made (or deleted and made again) while serving:
        the root is watched only one level deep, and a watch on a deleted folder has ended with it."""
        folder = self.root / name
        if not folder.is_dir():
            return
        # (called before start, then only from the observer's event thread: no lock of our own is needed)
        old = self.watches.pop(name, None)
        if old is not None:
            try:
                self.observer.unschedule(old)
            except KeyError:  # already gone
                pass
        self.watches[name] = self.observer.schedule(self.recorder, str(folder), recursive=True)

    def record(self, path: Path) -> None:
        try:
            relative = Path(os.path.abspath(path)).relative_to(self.root)
        except ValueError:
            return
        parts = relative.parts
        if parts and parts[-1].startswith(COOKIE):
            with self.lock:
                seen = self.cookies.get(parts[-1])
            if seen is not None:
                seen.set()
            return
        if not parts or _ignored(parts[-1]):
            return
        if len(parts) == 1 and parts[0] in WATCHED and (self.root / parts[0]).is_dir():
            self._watch(parts[0])  # (files already in it are read by the rebuild this change starts)
        if parts[0] in WATCHED or relative.as_posix() == CONFIG_FILE:
            with self.lock:
                self.changes.add(relative)
            self.wake.set()

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        # inotify's emitter logs a spurious error when its queue is read while the observer stops
        logging.getLogger("watchdog").setLevel(logging.CRITICAL)
        self.observer.stop()
        self.observer.join(timeout=5)

    def wait(self, stop: threading.Event, quiet: float = QUIET) -> None:
        """Until a burst of changes has ended (`take` them), or `stop` is set."""
        while not stop.is_set():
            if not self.wake.wait(0.2):
                continue
            while True:  # a burst ends after `quiet` seconds without events
                self.wake.clear()
                if not self.wake.wait(quiet) or stop.is_set():
                    return

    def take(self) -> set[Path]:
        """The paths (relative to the root) changed since the last `take`."""
        with self.lock:
            changes, self.changes = self.changes, set()
        return changes

    def sync(self, timeout: float = SYNC_TIMEOUT) -> bool:
        """Until every change made before this call is recorded, as Watchman does it: a cookie file made in each
        watched folder, whose event comes after those of the changes before it. False when one could not be
        made or was not seen in time: the changes recorded may then be incomplete."""
        names = {folder: f"{COOKIE}{os.getpid()}-{next(_cookies)}" for folder in ["", *self.watches]}
        seen = {name: threading.Event() for name in names.values()}
        with self.lock:
            self.cookies.update(seen)
        made: list[Path] = []
        try:
            for folder, name in names.items():
                path = self.root / folder / name
                path.touch(exist_ok=False)
                made.append(path)
            deadline = time.monotonic() + timeout
            return all(event.wait(max(0.0, deadline - time.monotonic())) for event in seen.values())
        except OSError:  # a folder we may not write to
            return False
        finally:
            for path in made:
                with contextlib.suppress(OSError):
                    path.unlink()
            with self.lock:
                for name in seen:
                    del self.cookies[name]
