"""`archive serve` as a user runs it: the real command in a subprocess on a free port, serving a private copy of
the `basic` fixture archive, with plain HTTP requests and a client for its event stream (`/__archive/events`).

Each server starts with a full build including the search index (Pagefind: about half of the ~0.6 s a start
takes), so the read-only checks share one server and only the tests that edit the archive start their own.
Every wait polls with a generous limit; none sleeps for a fixed time.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from generator.build import Builder
from generator.search import SearchCancelled, index_site
from generator.serve import QUIET_BEFORE_INDEXING
from tests.serving import (ARTICLE, ARTICLE_URL, BAD_URL_ERROR, BREAK, EVENTS, FIX, NEW_TEXT, OLD_TEXT, REPO, TIMEOUT,
                           Server, archive_command, command_env, copy_fixture, edit, free_port, wait_until)

SCRIPT_TAG = b'<script src="/__archive/live.js"'


def without_script(html: bytes) -> bytes:
    """A served page with the injected live-reload script taken out again."""
    return re.sub(rb'<script src="/__archive/live\.js"[^>]*></script>', b"", html)


# ---- read-only: one server for the module ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One server for the tests that only read; its site gets symlinks pointing out of it (never rebuilt)."""
    root = copy_fixture(tmp_path_factory.mktemp("shared"))
    running = Server(root)
    (running.site / "leak.toml").symlink_to(root / "archive.toml")
    (running.site / "outside").symlink_to(root)
    yield running
    running.kill()


@pytest.mark.parametrize("path, kind", [
    ("/", "text/html; charset=utf-8"),
    (ARTICLE_URL, "text/html; charset=utf-8"),
    ("/assets/style.css", "text/css"),
    ("/assets/site.js", "text/javascript"),
    ("/data/archive.json", "application/json"),
    ("/feed.xml", "application/xml"),
    ("/sitemap.xml", "application/xml"),
    ("/assets/favicon.svg", "image/svg+xml"),
    ("/pagefind/pagefind.js", "text/javascript"),
])
def test_files_are_served_with_their_type_and_never_cached(shared, path, kind):
    response = shared.get(path)
    assert response.status == 200
    assert response.type == kind
    assert response.headers["Cache-Control"] == "no-store"
    on_disk = (shared.site / path.lstrip("/") / ("index.html" if path.endswith("/") else "")).read_bytes()
    if kind.startswith("text/html"):
        assert without_script(response.body) == on_disk, "the live-reload script is the only change to a page"
    else:
        assert response.body == on_disk
    assert int(response.headers["Content-Length"]) == len(response.body)
    head = shared.get(path, method="HEAD")
    assert (head.status, head.type, head.body) == (200, kind, b"")
    assert head.headers["Content-Length"] == response.headers["Content-Length"]


def test_pages_get_the_live_reload_script_but_the_built_files_never_do(shared):
    page = shared.get(ARTICLE_URL).body
    assert page.count(SCRIPT_TAG) == 1
    assert page.index(SCRIPT_TAG) < page.rindex(b"</body>"), "the script goes inside the body"
    script = shared.get("/__archive/live.js")
    assert (script.status, script.type, script.headers["Cache-Control"]) == (200, "text/javascript", "no-store")
    assert b"EventSource" in script.body
    built = [path for path in shared.site.rglob("*") if path.is_file() and not path.is_symlink()]
    assert len(built) > 20
    touched = [path for path in built if b"__archive" in path.read_bytes()]
    assert touched == [], "`archive serve` must never write the live-reload script into the site"


def test_a_folder_without_its_slash_is_redirected_to_it(shared):
    response = shared.get("/articles?page=2")
    assert response.status == 301
    assert response.headers["Location"] == "/articles/?page=2"


@pytest.mark.parametrize("path", [
    "/../archive.toml",
    "/../../../../../../etc/passwd",
    "/%2e%2e/archive.toml",
    "/%2E%2E/%2E%2E/archive.toml",
    "/..%2farchive.toml",
    "/%2e%2e%2farchive.toml",
    "/assets/..%2F..%2Farchive.toml",
    "/assets/%2e%2e/%2e%2e/archive.toml",
    "/%252e%252e/archive.toml",
    "/%2fetc%2fpasswd",
    "/leak.toml",              # a symlink inside site/ to a file outside it
    "/outside/archive.toml",   # a symlink inside site/ to a folder outside it
    "/outside/",
    "/%00",
    "/no/such/page/",
    "/missing.css",
])
def test_anything_outside_the_site_or_missing_is_the_sites_404_page(shared, path):
    response = shared.get(path)
    assert response.status == 404
    assert response.type == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert without_script(response.body) == (shared.site / "404.html").read_bytes()
    assert SCRIPT_TAG in response.body, "a 404 page still reloads when the page is built"
    assert b"base_url" not in response.body and b"root:" not in response.body


# ---- edits: a server per test ---------------------------------------------------------------------------


def served_epoch(page: bytes) -> int:
    """The build count a page was served at, which its live-reload script starts its event stream from."""
    match = re.search(rb'<script src="/__archive/live\.js" data-epoch="(\d+)"></script>', page)
    assert match, "no live-reload script with its epoch in the page"
    return int(match[1])


def test_editing_an_article_reloads_open_pages_with_the_new_text(server, archive):
    before = server.get(ARTICLE_URL).body
    assert OLD_TEXT in before.decode() and NEW_TEXT not in before.decode()
    with server.events() as stream:
        assert stream.status == "HTTP/1.1 200 OK"
        assert stream.headers["content-type"] == "text/event-stream"
        assert stream.headers["cache-control"] == "no-store"
        edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT}, in_place=True)
        event, _ = stream.next()
        assert event == "reload"
    after = server.get(ARTICLE_URL).body
    assert NEW_TEXT in after.decode() and OLD_TEXT not in after.decode()
    assert served_epoch(after) > served_epoch(before)
    assert server.wait_for_output(r"^rebuilt after 1 change\b")
    # A page served before that build whose stream connects only now (the page was still loading) is told
    # to reload at once; so is one reconnecting with the id of an older message.
    with server.events(f"{EVENTS}?since={served_epoch(before)}") as late:
        assert late.next()[0] == "reload"
    with server.events(headers={"Last-Event-ID": str(served_epoch(before))}) as reconnected:
        assert reconnected.next()[0] == "reload"
    assert server.stderr == ""


def test_without_search_serve_never_runs_pagefind(archive):
    """For a faster preview, or a machine without the memory Pagefind needs: the first build and the rebuilds
    make no index."""
    server = Server(archive, "--no-search")
    try:
        assert not (server.site / "pagefind").exists()
        edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT}, in_place=True)
        assert server.wait_for_output(r"^rebuilt after 1 change\b")
        time.sleep(QUIET_BEFORE_INDEXING + 1.5)  # when an index would be refreshed, and then made
        assert not (server.site / "pagefind").exists() and pagefind_children() == []
        assert NEW_TEXT in server.get(ARTICLE_URL).body.decode() and server.stderr == ""
    finally:
        server.kill()


def test_editing_only_a_stylesheet_refreshes_styles_without_a_reload(tmp_path):
    root = copy_fixture(tmp_path)
    (root / "templates" / "assets").mkdir(parents=True)
    shutil.copy(REPO / "templates" / "assets" / "style.css", root / "templates" / "assets" / "style.css")
    server = Server(root)
    try:
        with server.events() as stream:
            with (root / "templates" / "assets" / "style.css").open("a") as css:
                css.write("\n.serve-test { color: rebeccapurple; }\n")
            assert stream.next()[0] == "css"
            assert b".serve-test" in server.get("/assets/style.css").body
            # a template is not a stylesheet: changing one reloads the page
            (root / "templates" / "404.html").write_text((REPO / "templates" / "404.html").read_text())
            assert stream.next()[0] == "reload"
    finally:
        server.kill()


def test_a_templates_folder_made_while_serving_is_watched_too(server, archive):
    """The fixture has no templates/ folder: overriding the theme's CSS while serving must still work."""
    assert not (archive / "templates").exists()
    with server.events() as stream:
        (archive / "templates" / "assets").mkdir(parents=True)
        assert stream.next()[0] == "reload"  # the new folder (a template could be in it)
        (archive / "templates" / "assets" / "style.css").write_text(".override { color: teal; }\n")
        while (event := stream.next()[0]) != "css":  # (the folder's creation may have come in two bursts)
            assert event == "reload"
    assert server.get("/assets/style.css").body == b".override { color: teal; }\n"


def test_a_symlinked_content_folder_is_watched(tmp_path):
    """content/ may live elsewhere (another repository) and be linked into the archive."""
    root = copy_fixture(tmp_path)
    (root / "content").rename(tmp_path / "shared-content")
    (root / "content").symlink_to(tmp_path / "shared-content", target_is_directory=True)
    server = Server(root)
    try:
        with server.events() as stream:
            edit(root, ARTICLE, {OLD_TEXT: NEW_TEXT})
            assert stream.next()[0] == "reload"
        assert NEW_TEXT in server.get(ARTICLE_URL).body.decode()
    finally:
        server.kill()


def test_a_broken_file_keeps_the_last_good_site_and_reports_where_then_recovers(server, archive):
    with server.events() as stream:
        edit(archive, ARTICLE, BREAK | {OLD_TEXT: NEW_TEXT})
        event, data = stream.next()
        assert event == "errors"
        assert BAD_URL_ERROR in json.loads(data)
        assert server.wait_for_output(re.escape(BAD_URL_ERROR), stream="err")
        page = server.get(ARTICLE_URL)
        assert page.status == 200 and OLD_TEXT in page.body.decode(), "the last good page is still served"
        assert NEW_TEXT not in page.body.decode()

        with server.events() as late:  # a page opened while the build is broken shows the errors at once
            event, data = late.next()
            assert event == "errors" and BAD_URL_ERROR in json.loads(data)

        edit(archive, ARTICLE, FIX)
        assert stream.next()[0] == "reload"
    page = server.get(ARTICLE_URL).body
    assert NEW_TEXT in page.decode() and OLD_TEXT not in page.decode()
    # The errors are gone: a page opened now is told nothing until the next build.
    with server.events(f"{EVENTS}?since={served_epoch(page)}") as fresh:
        edit(archive, ARTICLE, {NEW_TEXT: "wrote from"})
        event, data = fresh.next()
        assert event == "reload" and int(data) > served_epoch(page)
    assert "Traceback" not in server.stderr


def test_a_broken_first_build_serves_a_live_404_until_fixed(tmp_path):
    """With no site built yet, every path answers 404 with the live-reload script, so an open page shows the
    errors and then reloads into the site once it builds."""
    root = copy_fixture(tmp_path)
    edit(root, ARTICLE, BREAK)
    server = Server(root)
    try:
        assert server.wait_for_output(re.escape(BAD_URL_ERROR), stream="err")
        assert not server.site.exists()
        page = server.get(ARTICLE_URL)
        assert page.status == 404 and page.type == "text/html; charset=utf-8"
        assert SCRIPT_TAG in page.body
        with server.events() as stream:
            event, data = stream.next()
            assert event == "errors" and BAD_URL_ERROR in json.loads(data)
            edit(root, ARTICLE, FIX)
            assert stream.next()[0] == "reload"
        page = server.get(ARTICLE_URL)
        assert page.status == 200 and OLD_TEXT in page.body.decode()
    finally:
        server.kill()


# ---- starting and stopping ------------------------------------------------------------------------------


def search_index_id(site: Path) -> int | None:
    """Which search bundle the site has (its folder's inode; the indexer swaps in a new folder), if any."""
    try:
        return (site / "pagefind").stat().st_ino
    except FileNotFoundError:  # between the two renames of a swap
        return None


def test_ctrl_c_stops_the_server_cleanly_and_frees_the_port(server, archive):
    first_index = search_index_id(server.site)
    with server.events() as stream:
        edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT})  # a rebuild, so that the search indexer has run too
        assert stream.next()[0] == "reload"
        wait_until(lambda: search_index_id(server.site) not in (first_index, None), "the search index refresh")
        wait_until(lambda: server.session_processes() == [server.process.pid], "Pagefind to exit")
        with server.events() as idle:  # an open event stream must not keep the server alive
            assert server.stop() == 0
            assert idle.ended() and stream.ended()
    assert server.out[-1] == "stopping"
    assert server.stderr == "", "nothing to report, no traceback"
    assert server.session_processes() == [], "a process of `archive serve` outlived it"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT).close()
    with socket.socket() as again:  # the port can be served on at once, as `archive serve` binds it
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", server.port))
    leftovers = [path.name for path in archive.iterdir() if path.name.startswith(".site.")]
    assert leftovers == [], "no staging or search-index folder is left beside the site"


def test_ctrl_c_while_the_search_index_is_refreshed_stops_at_once(server, archive):
    with server.events() as stream:
        edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT})
        assert stream.next()[0] == "reload"
    started = time.monotonic()
    assert server.stop() == 0  # Pagefind gets the SIGINT too; the server does not wait for it
    assert time.monotonic() - started < 4
    assert [path.name for path in archive.iterdir() if path.name.startswith(".site.")] == []


def test_sigterm_stops_the_server_cleanly(server):
    assert server.stop(signal.SIGTERM) == 0
    assert server.out[-1] == "stopping" and server.stderr == ""


def test_the_site_is_served_under_its_base_url_path_too(shared):
    """The 404 page works at any depth by linking from the base URL's path (`/basic/` in the fixture)."""
    assert shared.get("/basic" + ARTICLE_URL).body == shared.get(ARTICLE_URL).body
    missing = shared.get("/basic/no/such/page/")
    assert missing.status == 404
    stylesheet = re.search(rb'href="([^"]*style\.css)"', missing.body)[1].decode()
    assert stylesheet.startswith("/basic/") and shared.get(stylesheet).status == 200


@pytest.mark.parametrize("host, reason", [("127.0.0.1", "Address already in use"),
                                          ("192.0.2.1", "Cannot assign requested address")])
def test_an_address_that_cannot_be_served_on_is_a_usage_error(archive, host, reason):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = subprocess.run(archive_command("serve", "-C", archive, "--host", host, "--port", str(port)),
                              capture_output=True, text=True, env=command_env(), timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stderr == f"archive: error: cannot serve on {host}:{port}: {reason}\n"
    assert done.stdout == ""
    assert not (archive / "site").exists(), "nothing is built for an address that cannot be served on"


# ---- the background index refresh ------------------------------------------------------------------------


def pagefind_children() -> list[int]:
    """This process's Pagefind processes."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            name, ppid = fields[0].split("(", 1)[1], int(fields[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and "pagefind" in name:
            found.append(int(stat.parent.name))
    return found


def test_an_index_refresh_stops_with_its_pagefind_process_when_interrupted(tmp_path, monkeypatch):
    """A rebuild in `serve` interrupts the background refresh of the search index: it must stop at once."""
    archive = copy_fixture(tmp_path)
    assert Builder(archive, cache="off").build(search=False).ok
    slow = tmp_path / "pagefind"  # the real one indexes this fixture before the test could interrupt it
    slow.write_text("#!/bin/sh\nwhile :; do sleep 0.05; done\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(slow))
    cancel = threading.Event()
    outcome: list[BaseException | int] = []

    def refresh() -> None:
        try:
            outcome.append(index_site(archive / "site", "en", 1500, tmp_path / "bundle", cancel))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=refresh)
    thread.start()
    wait_until(lambda: pagefind_children() or outcome, "Pagefind to start")
    cancel.set()
    thread.join(timeout=TIMEOUT)
    assert len(outcome) == 1 and isinstance(outcome[0], SearchCancelled), outcome
    assert pagefind_children() == []


def test_the_first_build_runs_on_every_core_and_the_rebuilds_in_one_process(archive, monkeypatch):
    """Before its threads start, serve builds as `archive build` does; forking after they have would risk
    copying a lock one of them holds."""
    from generator import serve as serve_module
    monkeypatch.setattr(serve_module, "cores", lambda: 3)
    seen = []
    build = Builder.build
    monkeypatch.setattr(Builder, "build", lambda self, **kw: seen.append(self.workers) or build(self, **kw))
    builder = Builder(archive, archive / "site")
    builder.lives_on = True
    assert serve_module._first_build(builder).ok
    assert seen and set(seen) == {3} and builder.workers == 1
