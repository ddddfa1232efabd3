"""A fault-injecting HTTP proxy on 127.0.0.1 in front of moto_server, for the fault tests.

skyfn (a subprocess, ``AWS_ENDPOINT_URL`` pointing here) talks to the proxy; the proxy
passes each request on to moto and, when a fault is due, answers instead:

* ``500``: a 500 in the protocol's error shape (JSON ``__type``, query ``ErrorResponse``,
  S3 ``Error``), not passed on: AWS failed before doing anything;
* ``throttle``: the protocol's throttling error (JSON ``ThrottlingException`` 400, query
  ``Throttling`` 400, S3 ``SlowDown`` 503), not passed on;
* ``delay``: passed on and answered after ``delay`` seconds;
* ``cut``: passed on (AWS did it), the answer's body cut in half, its Content-Length
  saying so (the parser sees a short document);
* ``drop``: passed on, the headers promise the whole body, half is sent, then the
  connection is closed;
* ``stall``: never answered (until the client gives up and closes);
* ``empty``: a 200 whose JSON body is ``{}``, not passed on: a malformed success.

Faults are forced on an operation (``force``: its Nth to Mth requests) or drawn from a
seeded ``random.Random`` at ``rate`` for every request (``mixed``). ``log`` records each
request's operation and the fault it got, for the assertions.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("500", "throttle", "delay", "cut", "drop", "stall", "empty")
MIXED = ("500", "throttle", "delay", "cut", "drop")


@dataclass
class Rule:
    operation: str
    fault: str
    skip: int = 0  # matching requests let through first
    times: int = 1  # then this many get the fault
    seen: int = 0


@dataclass
class Faults:
    """What the proxy does; changed by the test while the proxy runs (under ``lock``)."""

    seed: int = 0
    rate: float = 0.0
    kinds: tuple[str, ...] = MIXED
    delay: float = 3.0  # seconds, for a forced delay; mixed ones draw 3-8 s / ``delay_scale``
    delay_scale: float = 1.0
    rules: list[Rule] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    random: random.Random = field(default_factory=random.Random)

    def force(self, operation: str, fault: str, times: int = 1, skip: int = 0) -> None:
        assert fault in FAULTS, fault
        with self.lock:
            self.rules.append(Rule(operation, fault, skip, times))

    def mixed(self, rate: float, seed: int) -> None:
        with self.lock:
            self.rate, self.seed = rate, seed
            self.random = random.Random(seed)

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.rate = 0.0

    def choose(self, operation: str) -> str:
        with self.lock:
            fault = ""
            for rule in self.rules:
                if rule.operation != operation:
                    continue
                rule.seen += 1
                if rule.skip < rule.seen <= rule.skip + rule.times:
                    fault = rule.fault
                    break
            if not fault and self.rate and self.random.random() < self.rate:
                fault = self.random.choice(self.kinds)
            self.log.append((operation, fault))
            return fault

    def faulted(self, operation: str) -> list[str]:
        with self.lock:
            return [f for op, f in self.log if op == operation and f]

    def draw_delay(self) -> float:
        with self.lock:
            return self.random.uniform(3.0, 8.0) / self.delay_scale


def operation_of(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
    """The API operation of a request: the JSON target, the query Action, or S3's by shape."""
    target = headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    url = urllib.parse.urlsplit(path)
    parts = [p for p in url.path.split("/") if p]
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if not parts:
        return "ListBuckets"
    if len(parts) == 1:
        if method == "GET":
            return "ListObjectsV2" if "list-type" in query else "GetBucket"
        for name in ("publicAccessBlock", "encryption", "policy"):
            if name in query:
                return f"{method.title()}Bucket{name[0].upper()}{name[1:]}"
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket"}.get(method, method)
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject"}.get(method, method)


def protocol_of(headers: dict[str, str], operation: str) -> str:
    if headers.get("x-amz-target"):
        return "json"
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return "query"
    return "s3"


def error_answer(protocol: str, fault: str) -> tuple[int, dict[str, str], bytes]:
    throttle = fault == "throttle"
    if protocol == "json":
        kind = "ThrottlingException" if throttle else "InternalServerError"
        body = f'{{"__type":"{kind}","message":"injected {fault}"}}'.encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": kind}
        return (400 if throttle else 500), headers, body
    if protocol == "query":
        code = "Throttling" if throttle else "InternalFailure"
        side = "Sender" if throttle else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code>"
            f"<Message>injected {fault}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        ).encode()
        return (400 if throttle else 500), {"Content-Type": "text/xml"}, body
    code = "SlowDown" if throttle else "InternalError"
    body = f"<Error><Code>{code}</Code><Message>injected {fault}</Message></Error>".encode()
    return 503 if throttle else 500, {"Content-Type": "application/xml"}, body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the test reads ``Faults.log``

    def _any(self) -> None:
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        operation = operation_of(self.command, self.path, headers, body)
        faults = self.server.faults
        fault = faults.choose(operation)
        if fault in ("500", "throttle"):
            self._answer(*error_answer(protocol_of(headers, operation), fault))
            return
        if fault == "empty":
            self._answer(200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}")
            return
        if fault == "stall":
            self._stall()
            return
        status, answer_headers, answer = self._pass_on(body)
        if fault == "delay":
            time.sleep(faults.delay if faults.rate == 0 else faults.draw_delay())
        if fault == "cut" and answer:
            self._answer(status, answer_headers, answer[: len(answer) // 2])
        elif fault == "drop" and answer:
            self._answer(status, answer_headers, answer[: len(answer) // 2], length=len(answer))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._answer(status, answer_headers, answer)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _pass_on(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = urllib.parse.urlsplit(self.server.upstream)
        connection = http.client.HTTPConnection(
            upstream.hostname or "127.0.0.1", upstream.port, timeout=60
        )
        skip = {"host", "transfer-encoding", "content-length", "connection"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Host"] = self.headers.get("Host", upstream.netloc)
        headers["Content-Length"] = str(len(body))
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = b"" if self.command == "HEAD" else response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length")
            }
            if self.command == "HEAD":
                kept["Content-Length"] = response.getheader("Content-Length", "0")
            return response.status, kept, answer
        finally:
            connection.close()

    def _answer(
        self, status: int, headers: dict[str, str], body: bytes, length: int | None = None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if self.command != "HEAD" or "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _stall(self) -> None:
        """Hold the request unanswered until the client closes (or the proxy stops)."""
        self.close_connection = True
        self.connection.settimeout(1.0)
        while not self.server.stopping.is_set():
            try:
                if self.connection.recv(1) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, faults: Faults) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.faults = faults
        self.stopping = threading.Event()


@dataclass(frozen=True)
class FaultProxy:
    url: str
    faults: Faults


@contextmanager
def fault_proxy(upstream: str, faults: Faults | None = None) -> Iterator[FaultProxy]:
    """The proxy in a thread of this process, in front of ``upstream``, until the block ends."""
    chosen = faults or Faults()
    server = _Server(upstream, chosen)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FaultProxy(f"http://127.0.0.1:{server.server_address[1]}", chosen)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
