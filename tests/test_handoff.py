"""`archive build` beside a running `archive serve` of the same archive hands the build to it (generator.handoff),
and serve's watcher is brought up to date first (`Watcher.sync`)."""
from __future__ import annotations

import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from generator.cache import FOLDER
from generator.handoff import SOCKET
from generator.serve.watcher import COOKIE, Watcher
from tests.serving import (ARTICLE, ARTICLE_URL, BAD_URL_ERROR, BREAK, NEW_TEXT, OLD_TEXT, TIMEOUT, Server,
                           archive_command, command_env, edit)


def build_beside(archive: Path, *options: str) -> tuple[subprocess.CompletedProcess, int]:
    """`archive build -C archive [options]`: how it ended, and its pid (which serve names when it builds for it)."""
    process = subprocess.Popen(archive_command("build", "-C", archive, *options), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=command_env())
    out, err = process.communicate(timeout=TIMEOUT * 3)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), process.pid


def test_archive_build_beside_serve_has_serve_build_the_edit(server, archive):
    edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT})
    done, pid = build_beside(archive, "--no-search")
    assert (done.returncode, done.stderr) == (0, "")
    assert NEW_TEXT in (server.site / ARTICLE_URL.strip("/") / "index.html").read_text(), "built when it returns"
    assert re.match(rf"(built \d+ pages .* into|up to date: \d+ pages .* in) {re.escape(str(server.site))}\b",
                    done.stdout), done.stdout
    assert server.wait_for_output(rf"^built for archive build \(pid {pid}\): \d+ pages in ")
    # serve's search index stays, and is refreshed after the build as after serve's own rebuilds
    assert (server.site / "pagefind" / "pagefind.js").is_file()
    assert NEW_TEXT in server.get(ARTICLE_URL).body.decode()
    assert server.stderr == ""


def test_a_build_with_search_handed_to_serve_returns_with_the_site_indexed_anew(server, archive):
    bundle = (server.site / "pagefind").stat().st_ino
    edit(archive, ARTICLE, {OLD_TEXT: NEW_TEXT})
    done, pid = build_beside(archive, "-v")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0].endswith(", and the search index"), done.stdout  # (told in the reply)
    assert server.wait_for_output(rf"^built for archive build \(pid {pid}\)")
    assert (server.site / "pagefind").stat().st_ino != bundle, "a new search index, in place when it returned"
    assert NEW_TEXT in (server.site / ARTICLE_URL.strip("/") / "index.html").read_text()


def test_a_build_handed_to_serve_reports_the_problems_and_fails(server, archive):
    edit(archive, ARTICLE, BREAK | {OLD_TEXT: NEW_TEXT})
    done, pid = build_beside(archive)
    assert done.returncode == 1
    failed = "archive: build failed, the site was left as it was: 1 error, 0 warnings"
    assert done.stderr.splitlines() == [BAD_URL_ERROR, failed]
    assert server.wait_for_output(rf"^{re.escape(BAD_URL_ERROR)}$", stream="err")
    assert OLD_TEXT in server.get(ARTICLE_URL).body.decode(), "the last good site stays"
    assert f"(pid {pid})" not in server.stdout  # (serve announces only builds that succeed)


@pytest.mark.parametrize("options", [["--out", "elsewhere"], ["--strict"], ["--no-cache"]],
                         ids=["another output folder", "strict", "without the cache"])
def test_a_build_that_serve_would_make_otherwise_is_made_by_archive_build_itself(server, archive, options):
    done, pid = build_beside(archive, "--no-search", *options)
    assert done.returncode == 0, done.stderr
    assert "built " in done.stdout
    if options[0] == "--out":
        assert (archive / "elsewhere" / "index.html").is_file()
    assert f"(pid {pid})" not in server.stdout


@pytest.mark.parametrize("asked", [b"not json\n", b'{"out": "/"}\n', b"\n"])
def test_anything_but_a_request_is_declined_without_a_traceback(server, archive, asked):
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(str(archive / FOLDER / SOCKET))
        connection.sendall(asked)
        assert connection.makefile("rb").readline() == b'{"declined": true}\n'
    assert server.stderr == ""


def test_a_socket_left_by_a_killed_serve_is_passed_over_and_taken_by_the_next(archive):
    path = archive / FOLDER / SOCKET
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX) as dead:  # bound, never listening: as a killed serve leaves it
        dead.bind(str(path))
    done, _ = build_beside(archive, "--no-search")
    assert (done.returncode, done.stderr) == (0, "")
    server = Server(archive)
    try:
        done, pid = build_beside(archive, "--no-search")
        assert done.returncode == 0
        assert server.wait_for_output(rf"^built for archive build \(pid {pid}\)")
        assert server.stop() == 0
    finally:
        server.kill()
    assert not path.exists(), "serve removes its socket when it stops"


def test_sync_returns_once_every_change_made_before_it_is_recorded(tmp_path):
    (tmp_path / "archive.toml").write_text("")
    folder = tmp_path / "content" / "articles"
    folder.mkdir(parents=True)
    watcher = Watcher(tmp_path)
    watcher.start()
    try:
        names = [f"a{i}.md" for i in range(300)]
        for name in names:
            (folder / name).write_text("x")
        assert watcher.sync()
        assert {path.name for path in watcher.take()} >= set(names)
        assert not [p for p in tmp_path.rglob(f"{COOKIE}*")], "the cookie files are removed"
        assert watcher.cookies == {}
        threads = [threading.Thread(target=watcher.sync) for _ in range(3)]  # at once, from several threads
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        assert not any(p.name.startswith(COOKIE) for p in watcher.take()), "cookies are not changes"
    finally:
        watcher.stop()
