"""serve: a plain local static server for a built site (live reload comes with the preview server)."""
from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        pass


def serve(site: Path, host: str, port: int) -> int:
    handler = functools.partial(_Handler, directory=str(site))
    with ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {site} at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print()
    return 0
