"""`archive build` beside a running `archive serve` of the same archive hands the build to it.

Serve holds the archive parsed and resolved, and rebuilds what an edit changed in a tenth of a second. A new
process would wait for serve's rebuild (`build_lock`), then read and resolve the whole archive again (seconds at
10,000 articles), and serve would rebuild once more after it. So serve listens on a Unix socket in the cache
folder, and `archive build` asks there first, as `dmypy` asks mypy's daemon. Serve declines a build it would make
otherwise than the asking process (into another folder, with other strictness, with search when it has none, or
with another version of the generator's code); the asking process then builds itself, as when nobody answers.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import FOLDER
from .digest import generator_digest
from .result import BuildResult

SOCKET = "serve.sock"

Request = dict[str, Any]  # what `archive build` asks for: REQUEST_KEYS
REQUEST_KEYS = {"out", "strict", "search", "generator", "pid"}


def socket_path(root: Path) -> Path:
    return root.absolute() / FOLDER / SOCKET


def request(out: Path, *, strict: bool, search: bool) -> Request:
    return {"out": str(out.resolve()), "strict": strict, "search": search, "generator": generator_digest(),
            "pid": os.getpid()}


def ask_serve(root: Path, out: Path | None, *, strict: bool, search: bool) -> BuildResult | None:
    """The result of the build that a running `archive serve` of `root` made for this process; None when none
    runs or it declined."""
    path = socket_path(root)
    if not hasattr(socket, "AF_UNIX") or not path.is_socket():
        return None
    asked = json.dumps(request(out or root / "site", strict=strict, search=search)).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(path))
            connection.sendall(asked)
            answer = connection.makefile("rb").readline()
    except OSError:  # a serve that was killed (its socket is left), or a path too long for a socket
        return None
    if not answer:  # serve stopped before it answered
        return None
    reply = json.loads(answer)
    return BuildResult.from_json(reply["result"]) if "result" in reply else None


class Listener:
    """Serve's end: each request answered in a thread of its own by `build`, which returns None to decline."""

    def __init__(self, root: Path, build: Callable[[Request], BuildResult | None]):
        self.path = socket_path(root)
        self.build = build
        self.server: socketserver.ThreadingUnixStreamServer | None = None

    def start(self) -> bool:
        """Listen, unless another serve of the archive does, or no socket can be made there."""
        if not hasattr(socketserver, "ThreadingUnixStreamServer"):
            return False
        build = self.build

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    wanted = json.loads(self.rfile.readline())
                    result = build(wanted) if set(wanted) == REQUEST_KEYS else None
                except ValueError:  # not a request of ours
                    result = None
                reply = {"declined": True} if result is None else {"result": result.to_json()}
                with contextlib.suppress(OSError):  # the asking process was stopped meanwhile
                    self.wfile.write(json.dumps(reply).encode() + b"\n")

        try:
            if self.path.is_socket():
                if _answers(self.path):
                    return False  # another serve of this archive: builds go to the first
                self.path.unlink()
            self.server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
            os.chmod(self.path, 0o600)  # only this user's builds may ask (as the umask mostly had it already)
        except OSError:
            return False
        self.server.daemon_threads = True  # a build it runs is stopped by serve's own way out (`stopping`)
        threading.Thread(target=self.server.serve_forever, args=(0.1,), name="handoff", daemon=True).start()
        return True

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True
