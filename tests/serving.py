"""Helpers for the `archive serve` tests: the real command in a subprocess on a free port, a client for its
Server-Sent Events stream, and plain HTTP requests that send the path exactly as written.

The server runs in a session of its own, so a test can send it Ctrl-C the way a terminal does (SIGINT to the
whole process group) and then check that no process of that session is left.
"""
from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "sites" / "basic"
EVENTS = "/__archive/events"
TIMEOUT = 20.0  # the longest any wait may take; each normally ends within a second, and every wait polls
READY = re.compile(r"^serving (?P<site>.+) at (?P<url>http://\S+/) \(Ctrl-C to stop\)$")

# The article the tests edit, served at ARTICLE_URL.
ARTICLE = Path("content/articles/2021/harbour.md")
ARTICLE_URL = "/articles/harbour/"
OLD_TEXT = "reported from"  # in the article's first paragraph
NEW_TEXT = "telephoned from"
# An invalid URL whose text is markup: the message quotes it, so the overlay must show it as text.
BAD_URL = '<b>not</b> a "url" & more'
BAD_URL_ERROR = (f"content/articles/2021/harbour.md:7:15: error: 'original_url' must be an http(s) or mailto URL, "
                 f"not '{BAD_URL}'")


BREAK = {"original_url: https://example.org/stories/harbour": f"original_url: {BAD_URL}"}
FIX = {new: old for old, new in BREAK.items()}


def edit(root: Path, relative: Path | str, replacements: dict[str, str], *, in_place: bool = False) -> None:
    """Replace each key (which must be there) by its value in one of the archive's files, in one save: as
    editors that write a temporary file and rename it over the old one do (so the watcher cannot see a half-
    written file), or `in_place`, as the others do."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"{old!r} is not in {relative}"
        text = text.replace(old, new, 1)
    if in_place:
        path.write_text(text, encoding="utf-8")
    else:
        temporary = path.with_name(f".{path.name}.tmp")  # a name the watcher ignores, as editors' are
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)


# `archive` itself, except that SIGINT raises KeyboardInterrupt even when this test run was started from a
# shell that ignores it (a background job inherits SIG_IGN, and Python then keeps it): the tests send Ctrl-C.
_COMMAND = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from generator.cli import main; sys.exit(main())")


def free_port() -> int:
    """A TCP port that nothing listens on right now (the kernel's choice for port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def copy_fixture(tmp_path: Path, name: str = "archive") -> Path:
    """A private copy of the `basic` fixture archive (without its expected output) to edit freely."""
    return shutil.copytree(FIXTURE, tmp_path / name, ignore=shutil.ignore_patterns("expected"))


def wait_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> object:
    """Poll `condition` until it returns something truthy (which is returned); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def archive_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-c", _COMMAND, *map(str, args)]


def command_env() -> dict[str, str]:
    """This checkout's `generator` first on the path, whatever the installed package is."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1"}


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def type(self) -> str:
        return self.headers.get("Content-Type", "")


class Server:
    """`archive serve -C root --port N [options]` on a free port, from the moment it says it is serving until `stop`
    (Ctrl-C) or `kill`."""

    def __init__(self, root: Path, *options: str):
        self.root = root
        self.port = free_port()
        self.process = subprocess.Popen(archive_command("serve", "-C", root, "--port", str(self.port), *options),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env=command_env(), start_new_session=True)
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))]
        for reader in self._readers:
            reader.start()
        try:
            wait_until(lambda: self.process.poll() is not None or self._ready(), "archive serve to start")
            match = self._ready()
            assert match, f"archive serve exited with {self.process.returncode}:\n{self.stderr}"
        except BaseException:
            self.kill()
            raise
        self.site = Path(match["site"])
        self.url = match["url"]
        assert self.url == f"http://127.0.0.1:{self.port}/"

    def _ready(self) -> re.Match[str] | None:
        return next(filter(None, map(READY.match, self.out)), None)

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    @property
    def stdout(self) -> str:
        return "\n".join(self.out)

    @property
    def stderr(self) -> str:
        return "\n".join(self.err)

    def wait_for_output(self, pattern: str, *, stream: str = "out") -> str:
        """The first line of stdout (or stderr) matching the regular expression, once there is one."""
        lines = self.out if stream == "out" else self.err
        try:
            return str(wait_until(lambda: next((line for line in lines if re.search(pattern, line)), None),
                                  f"a line matching {pattern!r} on std{stream}"))
        except AssertionError as failed:
            raise AssertionError(f"{failed}; it printed:\n" + "\n".join(lines)) from None

    def get(self, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
        return request(self.port, path, method, headers)

    def events(self, path: str = EVENTS, headers: dict[str, str] | None = None) -> EventStream:
        return EventStream(self.port, path, headers)

    def session_processes(self) -> list[int]:
        """Every live process of the server's session (the server and anything it started)."""
        return session_processes(self.process.pid)

    def stop(self, how: signal.Signals = signal.SIGINT) -> int:
        """Ctrl-C: SIGINT to the server's process group, as a terminal sends it (or SIGTERM to the server
        alone, as `kill` sends it); its exit status."""
        if self.process.poll() is None:
            if how == signal.SIGINT:
                os.killpg(self.process.pid, signal.SIGINT)
            else:
                os.kill(self.process.pid, how)
        try:
            self.process.wait(timeout=TIMEOUT)
        finally:
            self.kill()
        for reader in self._readers:
            reader.join(timeout=TIMEOUT)
        return self.process.returncode

    def kill(self) -> None:
        """Make sure nothing of the server is left, whatever state the test left it in."""
        for pid in [self.process.pid, *session_processes(self.process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process.poll() is None:
            self.process.wait(timeout=TIMEOUT)


def session_processes(session: int) -> list[int]:
    """The live (not zombie) processes whose session id is `session`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
        state, sid = fields[0], int(fields[3])
        if sid == session and state != "Z":
            found.append(int(entry.name))
    return found


def request(port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    """One HTTP request with `path` sent byte for byte (no normalising of `..` or `%2e`), no redirects followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class EventStream:
    """A Server-Sent Events client. Once constructed, the server has answered, so it will see every later build.

    Messages are read on a thread into a queue of (event, data); `next` waits for the next one.
    """

    def __init__(self, port: int, path: str = EVENTS, headers: dict[str, str] | None = None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                          f"{extra}\r\n".encode())
        self.file = self.sock.makefile("rb")
        self.status = self.file.readline().decode("latin-1").strip()
        self.headers: dict[str, str] = {}
        while (line := self.file.readline().decode("latin-1").strip()):
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.messages: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        event, data = "message", []
        try:
            for raw in self.file:
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if data:
                        self.messages.put((event, "\n".join(data)))
                    event, data = "message", []
                elif line.startswith(":"):
                    continue  # a comment (the server's keep-alive)
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "event":
                        event = value
                    elif name == "data":
                        data.append(value)
        except (OSError, ValueError):
            pass
        self.messages.put(None)  # the stream ended

    def next(self, timeout: float = TIMEOUT) -> tuple[str, str]:
        """The next message as (event, data); fails if the stream ends or nothing comes within `timeout`."""
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event on the stream within {timeout:.0f} s") from None
        assert message is not None, "the event stream ended"
        return message

    def ended(self, timeout: float = TIMEOUT) -> bool:
        """Whether the server closes the stream within `timeout` (messages before the end are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.messages.get(timeout=max(0.0, deadline - time.monotonic())) is None:
                    return True
            except queue.Empty:
                break
        return False

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=TIMEOUT)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
