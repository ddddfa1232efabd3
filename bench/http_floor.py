"""The floor of a warm invoke over HTTP (issue 27), and the client that drives both it and the
sandbox.

    python -m bench.http_floor serve              # prints its port, serves until stdin ends
    python -m bench.http_floor client PORT PATH N  # N requests once a line arrives on stdin

The floor is what any local Invoke API must do at the least: ``http.server``'s
``ThreadingHTTPServer`` answering 200 on a kept-alive connection, plus one round trip over a
pipe to a child process (the event in, the answer out). It is written as well as the
standard library allows (headers and body in one write, no Nagle delay, no logging), and it
has as many children as the sandbox has workers per function (4), so 8 clients share them
as they share the sandbox's workers.

The client is ``http.client`` on one kept-alive connection, as ``tests.support.sandbox``'s
``Invoker``: the same for both servers.
"""

from __future__ import annotations

import http.client
import queue
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO

CHILDREN = 4  # the sandbox's workers per function (HostOptions.max_workers)
ECHO = (
    "import sys\n"
    "for line in sys.stdin.buffer:\n"
    "    sys.stdout.buffer.write(line)\n"
    "    sys.stdout.buffer.flush()\n"
)


class Child:
    """A child process that answers each line with the same line."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.to: IO[bytes] = self.proc.stdin
        self.back: IO[bytes] = self.proc.stdout

    def round_trip(self, data: bytes) -> bytes:
        self.to.write(data + b"\n")
        self.to.flush()
        return self.back.readline()[:-1]

    def close(self) -> None:
        self.to.close()
        self.proc.wait()


class FloorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    wbufsize = -1  # buffered: headers and body leave in one write, flushed after the request
    disable_nagle_algorithm = True
    children: queue.Queue[Child]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        child = self.children.get()
        try:
            answer = child.round_trip(body)
        finally:
            self.children.put(child)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve() -> None:
    children: queue.Queue[Child] = queue.Queue()
    for _ in range(CHILDREN):
        children.put(Child())
    FloorHandler.children = children
    server = ThreadingHTTPServer(("127.0.0.1", 0), FloorHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # until the bench closes our stdin
    server.shutdown()
    while not children.empty():
        children.get().close()


def client(port: int, path: str, count: int) -> None:
    """Warm up, wait for the go (a line on stdin), make ``count`` requests; print the
    monotonic start and end (comparable across processes on one machine)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call() -> None:
        connection.request("POST", path, b"{}", {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"client: {response.status} {body[:200]!r}")

    for _ in range(20):
        call()
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.monotonic()
    for _ in range(count):
        call()
    print(start, time.monotonic(), flush=True)
    connection.close()


def main(argv: list[str]) -> None:
    if argv[:1] == ["serve"]:
        serve()
    elif argv[:1] == ["client"] and len(argv) == 4:
        client(int(argv[1]), argv[2], int(argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
