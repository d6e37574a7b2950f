"""serve: build, serve the site, watch the sources, rebuild on change and reload every open page.

A thin shell around build(): a failed rebuild is reported (terminal and browser overlay) and the last good
site stays up. The search index is refreshed in the background after each rebuild, so that a rebuild
does not wait for Pagefind; until then the previous index answers.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
import traceback
import webbrowser
from pathlib import Path
from urllib.parse import urlparse

from ..build import Builder, BuildResult, cores
from ..config import CONFIG_FILE, load_config
from ..diagnostics import Loc, UsageError
from ..digest import generator_digest
from ..handoff import Listener, Request
from ..lock import build_lock
from ..search import SearchCancelled, SearchFailed, index_site, install_bundle, next_bundle
from ..write import site_id
from .server import PreviewServer
from .watcher import Watcher


QUIET_BEFORE_INDEXING = 1.0  # seconds without a rebuild before the search index is refreshed


class ServeFailed(UsageError):
    """Usage error: the address cannot be served on (the port is taken, or the host is not this machine)."""


class _Indexer:
    """Re-indexes the site in a background thread; a rebuild interrupts it (the index would be out of date, and
    the editor waits for the rebuild, not for the index), and it starts again after the next quiet moment."""

    def __init__(self, root: Path, site: Path, language: str, part_pages: int, lock: threading.Lock,
                 builds: list[int]):
        self.root, self.site, self.language, self.part_pages = root, site, language, part_pages
        self.lock, self.builds = lock, builds
        self.wanted = threading.Event()
        self.interrupt = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="search-indexer", daemon=True)

    def run(self) -> None:
        # the editor's next rebuild comes first: Pagefind, started from this thread, inherits its lower priority
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
        while not self.stopping.is_set():
            if not self.wanted.wait(0.2):
                continue
            while self.wanted.is_set() and not self.stopping.is_set():  # wait for a quiet moment between saves
                self.wanted.clear()
                time.sleep(QUIET_BEFORE_INDEXING)
            build_number = self.builds[0]
            self.interrupt.clear()
            try:
                # (an `archive build` of the archive would index into the same folder)
                with build_lock(self.root, "archive serve"):
                    indexed = site_id(self.site)
                    fresh = next_bundle(self.site)
                    index_site(self.site, self.language, self.part_pages, fresh, self.interrupt)
            except SearchCancelled:
                self.wanted.set()  # again, once the rebuilds are over (a failed one does not ask)
                continue
            except SearchFailed as failed:
                if not self.stopping.is_set():
                    print(f"archive: warning: {failed}", file=sys.stderr)
                continue
            # in the order the rebuilds take them; and only into the site indexed: not one that another
            # process's build has put in its place meanwhile
            with self.lock, build_lock(self.root, "archive serve"):
                if build_number == self.builds[0] and site_id(self.site) == indexed and fresh.is_dir():
                    install_bundle(self.site, fresh)
            shutil.rmtree(fresh, ignore_errors=True)

    def stop(self) -> None:
        """Stop without waiting for a Pagefind run: its half-written bundle goes."""
        self.stopping.set()
        self.interrupt.set()
        if self.thread.ident is not None:  # (not started without search)
            self.thread.join(timeout=2)
        shutil.rmtree(next_bundle(self.site), ignore_errors=True)


def _report(result: BuildResult) -> list[str]:
    lines = [str(d) for d in result.diagnostics]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def serve(root: Path, out: Path | None, host: str, port: int, *, strict: bool = False, poll: bool = False,
          open_browser: bool = False, search: bool = True) -> int:
    site = (out or root / "site").absolute()
    config = load_config(root)[0]
    try:  # before building: a taken port should not cost a build to find out
        # pages that must work at any depth (404.html) link from the base URL's path: serve the site there too
        server = PreviewServer(site, host, port, urlparse(config.base_url).path or "/")
    except OSError as exc:
        raise ServeFailed(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    builder = Builder(root, site, strict=strict)
    builder.autosave = False  # the cache is saved once, on the way out: a rebuild should not wait for it
    builder.lives_on = True
    result = _first_build(builder, search)
    lines = _report(result)
    if not result.ok:
        server.show_errors(lines)
    lock, builds = threading.Lock(), [0]
    indexer = _Indexer(root, site, config.language, config.search_part_pages, lock, builds)
    watcher = Watcher(root, poll=poll)
    stop = threading.Event()

    def rebuild(*, asked: bool = False, walk: bool = False, searched: bool = False
                ) -> tuple[set[Path], BuildResult] | None:
        """One rebuild at a time, of the changes the watcher saw (with `walk`: of whatever changed, looked for);
        None once stopping, or when nothing changed and no process `asked` for a build."""
        indexer.interrupt.set()
        with lock:
            changes = watcher.take()  # (in the lock: changes taken are built before another build starts)
            if stop.is_set() or not (changes or asked):
                return None
            builds[0] += 1
            return changes, _rebuild(builder, None if walk else {path.as_posix() for path in changes}, searched)

    def publish(result: BuildResult, done: str, *, css_only: bool = False, index: bool = True) -> None:
        lines = _report(result)
        if not result.ok:
            server.show_errors(lines)
            return
        server.reload(css_only=css_only)
        if index:
            indexer.wanted.set()
        print(f"{done}: {_summary(result)}", flush=True)

    def handed(wanted: Request) -> BuildResult | None:
        """The build an `archive build` of this archive asks for (`handoff`), if it is the one serve makes."""
        if (wanted["out"] != str(site.resolve()) or wanted["strict"] != strict or (wanted["search"] and not search)
                or wanted["generator"] != generator_digest()):
            return None
        # the watcher has seen every change the asking process may have made just before (else: look for them)
        done = rebuild(asked=True, walk=not watcher.sync(), searched=wanted["search"])
        if done is None:
            return None
        publish(done[1], f"built for archive build (pid {wanted['pid']})", index=not wanted["search"])
        return done[1]

    listener = Listener(root, handed)
    listener.start()
    server.start()
    watcher.start()
    if search:
        indexer.thread.start()
    print(f"serving {site} at {server.url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    if threading.current_thread() is threading.main_thread():  # `kill` stops it as cleanly as Ctrl-C
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        while not stop.is_set():
            watcher.wait(stop)
            done = rebuild()
            if done is not None:  # (else a build asked for took the changes)
                changes, result = done
                publish(result, f"rebuilt after {len(changes)} change{'s' * (len(changes) != 1)}",
                        css_only=all(path.suffix == ".css" for path in changes))
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        if threading.current_thread() is threading.main_thread():  # a second Ctrl-C must not cut shutdown short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.set()
        listener.stop()
        watcher.stop()
        server.stop()
        indexer.stop()
        with lock:  # after the build one asked for (`handed`), if one runs
            builder.save()
        builder.cache.close()
    return 0


def _first_build(builder: Builder, search: bool = True) -> BuildResult:
    """The build before the server's and the watcher's threads start: on every core, as `archive build` does;
    the rebuilds then run in this process alone (forking a process with threads can copy a lock one holds)."""
    builder.workers = cores()
    try:
        result = builder.build(search=search)
        builder.warm()
    finally:
        builder.workers = 1
    return result


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _rebuild(builder: Builder, changes: set[str] | None, search: bool) -> BuildResult:
    """A rebuild that cannot take the preview down: what the user can cause is reported as usual, and a bug
    of ours is reported with its traceback (to send us) while the last good site stays up. Without `search`,
    the last search index stays (the indexer refreshes it once the editor pauses)."""
    try:
        return builder.build(search=search, keep_search=not search, changed=changes)
    except UsageError as exc:
        return BuildResult([Loc(CONFIG_FILE).error(str(exc))])
    except Exception as exc:  # noqa: BLE001 - see above
        traceback.print_exc()
        return BuildResult([Loc(CONFIG_FILE).error(f"internal error, please report it: {exc!r}")])


def _summary(result: BuildResult) -> str:
    seconds = sum(result.timings.values())
    return f"{result.pages} pages in {seconds:.2f} s"
