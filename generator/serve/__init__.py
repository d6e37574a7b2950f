"""serve: build, serve the site, watch the sources, rebuild on change and reload every open page.

A thin shell around build(): a failed rebuild is reported (terminal and browser overlay) and the last good
site stays up. The search index is refreshed in the background after each rebuild, so that a rebuild
does not wait for Pagefind; until then the previous index answers.
"""
from __future__ import annotations

import shutil
import sys
import threading
import webbrowser
from pathlib import Path

from ..build import Builder, BuildResult
from ..config import load_config
from ..search import SearchFailed, index_site, install_bundle, next_bundle
from .server import PreviewServer
from .watcher import Watcher


class ServeFailed(Exception):
    """Usage error: the address cannot be served on (the port is taken, or the host is not this machine)."""


class _Indexer:
    """Re-indexes the site in a background thread; a result made stale by a newer build is dropped."""

    def __init__(self, site: Path, language: str, lock: threading.Lock, builds: list[int]):
        self.site, self.language, self.lock, self.builds = site, language, lock, builds
        self.wanted = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="search-indexer", daemon=True)

    def run(self) -> None:
        while not self.stopping.is_set():
            if not self.wanted.wait(0.2):
                continue
            self.wanted.clear()
            build_number = self.builds[0]
            fresh = next_bundle(self.site)
            try:
                index_site(self.site, self.language, fresh)
            except SearchFailed as failed:
                print(f"archive: warning: {failed}", file=sys.stderr)
                continue
            with self.lock:
                if build_number == self.builds[0] and self.site.is_dir():
                    install_bundle(self.site, fresh)
            shutil.rmtree(fresh, ignore_errors=True)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=60)


def _report(result: BuildResult) -> list[str]:
    lines = [str(d) for d in result.diagnostics]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


def serve(root: Path, out: Path | None, host: str, port: int, *, strict: bool = False, poll: bool = False,
          open_browser: bool = False) -> int:
    site = (out or root / "site").absolute()
    try:  # before building: a taken port should not cost a build to find out
        server = PreviewServer(site, host, port)
    except OSError as exc:
        raise ServeFailed(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    builder = Builder(root, site, strict=strict)
    result = builder.build()
    lines = _report(result)
    if not result.ok:
        server.show_errors(lines)
    builder.warm()
    lock, builds = threading.Lock(), [0]
    indexer = _Indexer(site, load_config(root)[0].language, lock, builds)
    watcher = Watcher(root, poll=poll)
    stop = threading.Event()
    server.start()
    watcher.start()
    indexer.thread.start()
    print(f"serving {site} at {server.url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(server.url)
    try:
        while not stop.is_set():
            changes = watcher.wait(stop)
            with lock:
                builds[0] += 1
                result = builder.build(search=False, keep_search=True)
            lines = _report(result)
            if not result.ok:
                server.show_errors(lines)
                continue
            server.reload(css_only=all(path.suffix == ".css" for path in changes))
            indexer.wanted.set()
            print(f"rebuilt after {len(changes)} change{'s' * (len(changes) != 1)}: {_summary(result)}", flush=True)
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
    finally:
        stop.set()
        watcher.stop()
        server.stop()
        indexer.stop()
    return 0


def _summary(result: BuildResult) -> str:
    seconds = sum(result.timings.values())
    return f"{result.pages} pages in {seconds:.2f} s"
