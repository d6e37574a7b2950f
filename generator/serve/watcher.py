"""Watch the archive's sources and hand over each burst of changes as one set.

watchdog callbacks only record paths; `wait` debounces (editors save in several steps) before returning.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ..config import CONFIG_FILE

QUIET = 0.1  # seconds without events that end a burst
WATCHED = ("content", "templates")


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
        self.root = root.resolve()
        self.observer = PollingObserver(timeout=0.5) if poll else Observer()
        self.changes: set[Path] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        recorder = _Recorder(self)
        self.observer.schedule(recorder, str(self.root), recursive=False)  # archive.toml, new folders
        for name in WATCHED:
            if (self.root / name).is_dir():
                self.observer.schedule(recorder, str(self.root / name), recursive=True)

    def record(self, path: Path) -> None:
        try:
            relative = path.resolve().relative_to(self.root)
        except ValueError:
            return
        parts = relative.parts
        if not parts or _ignored(parts[-1]):
            return
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

    def wait(self, stop: threading.Event, quiet: float = QUIET) -> set[Path]:
        """The paths (relative to the root) changed in the next burst; empty once `stop` is set."""
        while not stop.is_set():
            if not self.wake.wait(0.2):
                continue
            while True:  # a burst ends after `quiet` seconds without events
                self.wake.clear()
                if not self.wake.wait(quiet) or stop.is_set():
                    break
            with self.lock:
                changes, self.changes = self.changes, set()
            if changes:
                return changes
        return set()
