"""Shared fixtures and helpers for the browser tests: Debian's Chromium driven by Playwright for Python, and a
small HTTP server serving a built site from a background thread.

A test module imports what it uses explicitly (`from tests.browser import browser, serve_folder`); nothing
here is a conftest, so the rest of the suite never touches Playwright. Without /usr/bin/chromium the browser
tests skip with a message saying what to install; `.ci/run` installs it when CI=true.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 5_000  # every wait of a browser test; a local static site answers in milliseconds


def find_chromium() -> Path | None:
    """Debian's Chromium, or None. (Never Playwright's own download: `playwright install` is not used.)"""
    return CHROMIUM if CHROMIUM.is_file() else None


_running: dict[str, Any] = {}  # the one Playwright and Chromium of this test run, and how many fixtures use them


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session; skips the test when there is none.

    Playwright's sync API keeps an event loop marked as running on this thread while it is started, so code
    under test that calls asyncio.run() must cope with that (generator/search.py does). For the same reason a
    second Playwright cannot start while one runs, and every module that imports this fixture has a session
    fixture of its own: so they all share the one in `_running`, stopped when the last of them ends.
    """
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not _running:
        playwright = sync_api.sync_playwright().start()
        try:
            instance = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        except BaseException:
            playwright.stop()
            raise
        _running.update(playwright=playwright, browser=instance, users=0)
    _running["users"] += 1
    try:
        yield _running["browser"]
    finally:
        _running["users"] -= 1
        if not _running["users"]:
            _running["browser"].close()
            _running["playwright"].stop()
            _running.clear()


@pytest.fixture
def context(browser):
    """A fresh browser context (no shared history, storage or cache) per test, closed after it."""
    ctx = browser.new_context()
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A page in a fresh context; any uncaught JavaScript error fails the test."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    assert not errors, f"JavaScript errors on the page: {errors}"


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
                      ".json": "application/json", ".svg": "image/svg+xml"}

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on a free 127.0.0.1 port from a background thread; yields the root URL
    (`http://127.0.0.1:<port>/`) and stops the server when the block ends."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"http-{folder.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
