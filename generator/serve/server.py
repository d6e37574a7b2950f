"""The preview server: the built site over HTTP, plus a Server-Sent Events stream on the same port that
tells open pages to reload, to refresh their CSS, or to show the build's errors.

Standard library only. Only files inside the site folder are served (no `..`, no symlink leading out),
never cached (`Cache-Control: no-store`); HTML pages get the live-reload script, which `archive build`
output never contains.
"""
from __future__ import annotations

import json
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

EVENTS = "/__archive/events"
SCRIPT = "/__archive/live.js"
KEEPALIVE = 15.0  # seconds between comments on an idle event stream, so proxies keep it open
NOT_BUILT = (b'<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>Not built yet</title>\n'
             b"<body><h1>Not built yet</h1><p>The site has not been built: see the errors. This page reloads "
             b"when it builds.</p></body></html>\n")
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json",
          ".svg": "image/svg+xml", ".xml": "application/xml", ".wasm": "application/wasm", ".html": "text/html"}


class Broadcast:
    """The last build's outcome, and a way to wait for the next one.

    Every message is numbered (its epoch). A page is served with the epoch it was read at and its event stream
    starts from there, so a build that finished while the page was loading (before its stream connected) or
    while the stream was reconnecting is not missed.
    """

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.epoch = 0
        self.event = "reload"
        self.data = ""
        self.closed = False
        self.last = {"reload": 0, "css": 0}  # the epoch of the latest message of each kind

    def publish(self, event: str, data: str = "") -> None:
        with self.changed:
            self.epoch += 1
            self.event, self.data = event, data
            if event in self.last:
                self.last[event] = self.epoch
            self.changed.notify_all()

    def missed(self, since: int | None) -> list[tuple[str, str]]:
        """What a page that has seen everything up to epoch `since` needs to be told now (call with the
        lock held): a reload or a style refresh it missed, then the errors while the build is broken."""
        messages = []
        if since is not None and self.last["reload"] > since:
            messages.append(("reload", ""))
        elif since is not None and self.last["css"] > since:
            messages.append(("css", ""))
        if self.event == "errors":
            messages.append(("errors", self.data))
        return messages

    def close(self) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()


def resolve_target(site: Path, url_path: str) -> tuple[Path | None, bool]:
    """The file a URL path names inside `site` and whether it is a folder named without its slash;
    None for anything outside the site (`..`, symlinks leading out) or missing."""
    path = unquote(url_path)
    if "\x00" in path:
        return None, False
    root = site.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        return None, False
    if candidate.is_dir():
        index = candidate / "index.html"
        return (index if index.is_file() else None), not path.endswith("/")
    return (candidate if candidate.is_file() else None), False


def _handler(site: Path, broadcast: Broadcast, base_path: str) -> type[BaseHTTPRequestHandler]:
    script = files(__package__).joinpath("live.js").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the standard library's name
            pass

        def do_HEAD(self) -> None:
            self.respond(head=True)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == EVENTS:
                return self.stream()
            if path == SCRIPT:
                return self.send(HTTPStatus.OK, "text/javascript", script)
            self.respond()

        def respond(self, head: bool = False) -> None:
            url = urlsplit(self.path)
            path = url.path
            if base_path != "/" and path.startswith(base_path):  # the site as it will be published, too
                path = path[len(base_path) - 1:]
            target, needs_slash = resolve_target(site, path)
            if needs_slash:  # relative links inside the page only work from the folder's own URL
                location = url.path + "/" + (f"?{url.query}" if url.query else "")
                return self.send(HTTPStatus.MOVED_PERMANENTLY, "text/plain", b"", {"Location": location}, head)
            # Read before the file: a build that lands between the two then makes the page reload once more,
            # while the other order could label a page from the previous build as current.
            epoch = broadcast.epoch
            status = HTTPStatus.OK
            if target is None:
                status, target = HTTPStatus.NOT_FOUND, site / "404.html"
                if not target.is_file():  # no site yet (the first build failed): a page that can still reload
                    return self.send(status, "text/html; charset=utf-8", _inject(NOT_BUILT, epoch), head=head)
            kind = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            body = target.read_bytes()
            if kind == "text/html":
                body = _inject(body, epoch)
                kind = "text/html; charset=utf-8"
            self.send(status, kind, body, head=head)

        def send(self, status: HTTPStatus, kind: str, body: bytes, headers: dict[str, str] | None = None,
                 head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def stream(self) -> None:
            """Server-Sent Events: what the page missed since the epoch it was served at (or, reconnecting,
            since the last message it got), the errors while the build is broken, then one message per build."""
            with broadcast.changed:  # subscribed before answering: once a client has the headers, it misses nothing
                seen = broadcast.epoch
                missed = broadcast.missed(_since(self.headers.get("Last-Event-ID"), urlsplit(self.path).query))
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.close_connection = True
            try:
                for event, data in missed:
                    self.message(event, data, seen)
                while True:
                    with broadcast.changed:
                        broadcast.changed.wait_for(lambda: broadcast.epoch != seen or broadcast.closed, KEEPALIVE)
                        if broadcast.closed:
                            return
                        fresh = broadcast.epoch != seen
                        seen, event, data = broadcast.epoch, broadcast.event, broadcast.data
                    if fresh:
                        self.message(event, data, seen)
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

        def message(self, event: str, data: str, epoch: int) -> None:
            # the id comes back as Last-Event-ID when EventSource reconnects after a dropped connection
            lines = "".join(f"data: {line}\n" for line in (data or str(epoch)).split("\n"))
            self.wfile.write(f"event: {event}\nid: {epoch}\n{lines}\n".encode())
            self.wfile.flush()

    return Handler


def _since(last_event_id: str | None, query: str) -> int | None:
    """The epoch a connecting page has seen: its last message's id, else the one it was served at."""
    for raw in (last_event_id, *parse_qs(query).get("since", [])[-1:]):
        if raw and raw.strip().isdigit():
            return int(raw)
    return None


def _inject(html: bytes, epoch: int) -> bytes:
    tag = f'<script src="{SCRIPT}" data-epoch="{epoch}"></script>'.encode()
    end = html.rfind(b"</body>")
    return html[:end] + tag + html[end:] if end >= 0 else html + tag


class PreviewServer:
    def __init__(self, site: Path, host: str, port: int, base_path: str = "/"):
        """`base_path`: the path of the published site's URL (`/archive/`), where it is served as well."""
        self.broadcast = Broadcast()
        self.httpd = ThreadingHTTPServer((host, port), _handler(site, self.broadcast, base_path))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="preview-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> None:
        self.thread.start()

    def reload(self, css_only: bool = False) -> None:
        self.broadcast.publish("css" if css_only else "reload")

    def show_errors(self, lines: list[str]) -> None:
        self.broadcast.publish("errors", json.dumps(lines))

    def stop(self) -> None:
        self.broadcast.close()
        self.httpd.shutdown()
        self.httpd.server_close()
