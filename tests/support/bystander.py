"""Another program listening on 127.0.0.1 (the attacker of issue 21's finding 2): a plain
HTTP server on a port of its own that answers every GET with a small page and records every
request's path and headers, i.e. all a browser visiting it hands over."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Bystander:
    url: str
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


@contextmanager
def bystander() -> Iterator[Bystander]:
    """The server, on a free port, until the block ends."""
    record = Bystander("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.seen.append((self.path, dict(self.headers.items())))
            body = b"<!doctype html><title>elsewhere</title><p>another local server</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
