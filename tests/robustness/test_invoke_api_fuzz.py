"""2,000+ generated bad requests over raw sockets against a running ``skyfn sandbox``: each is
answered in the Invoke API's error shape (or, when it is a valid request after all, served),
and after each one the server still answers a good request."""

from __future__ import annotations

import http.client
import json
import random
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tests.support import report
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

SEED = 20240611
BAD_REQUESTS = 2000
REQUEST_TIMEOUT = 3  # the sandbox's --request-timeout for this test: slow clients get 408
GOOD_PATH = "/2015-03-31/functions/echo/invocations"
BIG = 7 * 1024 * 1024

ECHO = """\
def handler(event, context):
    return {"event": event}
"""


@dataclass
class Request:
    label: str
    data: bytes
    head: bool = False  # a HEAD answer has no body


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Tally:
    tried: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, problem: str | None) -> None:
        with self.lock:
            self.tried += 1
            if problem is not None:
                self.failures.append(f"{label}: {problem}")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = make_project(
        tmp_path_factory.mktemp("fuzz") / "app", {"echo": resource("{}")}, {"echo": ECHO}
    )
    args = ("--identifier", "fuzz", "--request-timeout", str(REQUEST_TIMEOUT))
    with running_sandbox(root, *args) as box:
        yield box


# -- building requests ---------------------------------------------------------------------


def build(
    method: str = "POST",
    path: str | bytes = GOOD_PATH,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"{}",
    version: str = "HTTP/1.1",
    length: bool = True,
) -> bytes:
    raw_path = path if isinstance(path, bytes) else path.encode("utf-8")
    lines = [method.encode("latin-1") + b" " + raw_path + b" " + version.encode("latin-1")]
    all_headers = [("Host", "127.0.0.1"), *(headers or [])]
    if length:
        all_headers.append(("Content-Length", str(len(body))))
    lines += [f"{k}: {v}".encode("latin-1", "replace") for k, v in all_headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body: bytes, size: int = 1000) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def te_request(body: bytes, extra: list[tuple[str, str]] | None = None) -> bytes:
    headers = [("Transfer-Encoding", "chunked"), *(extra or [])]
    return build(headers=headers, body=body, length=False)


NAMES = [
    "..",
    ".",
    "../echo",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc",
    "echo%00",
    "echo%2F..%2F..",
    "ec%ho",
    "echo:..",
    "%252e%252e",
    "x" * 100,
    "echo;ls",
    "~root",
    "echo%0d%0aX-Injected:%201",
    "arn:aws:lambda:us-east-1:000000000000:function:..%2Fx",
    "nosuch",
    "echo:$LATEST",
    "echo:1",
    "%ff%fe",
    "\u00e9cho",
    "echo%20",
    "%20",
    "a" * 65,
    "arn:aws:lambda:us-east-1:000000000000:function:echo",
    "123456789012:function:echo",
]
PATHS = [
    "/",
    "*",
    "/2015-03-31/functions",
    "/2015-03-31/functions/echo",
    "/2015-03-31/functions/echo/invocations/extra",
    "/2016-01-01/functions/echo/invocations",
    "//2015-03-31/functions/echo/invocations",
    "/%zz",
    "/\u0444\u0443\u043d\u043a\u0446\u0438\u0438",
    "/2015-03-31/functions//invocations",
    "/2015-03-31/functions/echo/invocations?Qualifier=$LATEST",
    "/2015-03-31/functions/echo/invocations#frag",
    "http://evil/2015-03-31/functions/echo/invocations",
]
METHODS = [
    "GET",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
    "HEAD",
    "TRACE",
    "CONNECT",
    "FOO",
    "post",
    "P0ST",
]
CONTENT_TYPES = [
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
    "image/png",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin-1",
    "\x01\x02",
    "",
]


def generators(rng: random.Random) -> list[Callable[[], Request]]:
    def method() -> Request:
        verb = rng.choice(METHODS)
        path = rng.choice([GOOD_PATH, *PATHS])
        return Request(f"method {verb} {path}", build(verb, path), head=verb == "HEAD")

    def path() -> Request:
        choice = rng.choice([*PATHS, "long", "random"])
        if choice == "long":
            choice = "/" + "a" * rng.choice([1000, 10_000, 70_000])
        elif choice == "random":
            choice = "/" + "".join(chr(rng.randint(33, 126)) for _ in range(rng.randint(1, 60)))
        return Request(f"path {choice[:60]!r}", build(path=choice.replace(" ", "%20")))

    def name() -> Request:
        chosen = rng.choice(NAMES)
        return Request(
            f"name {chosen[:40]!r}", build(path=f"/2015-03-31/functions/{chosen}/invocations")
        )

    def content_type() -> Request:
        kind = rng.choice(CONTENT_TYPES)
        return Request(
            f"content-type {kind!r}", build(headers=[("Content-Type", kind)], body=b'{"a": 1}')
        )

    def bad_json() -> Request:
        body = rng.choice(
            [
                bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 200))),
                b'{"a":',
                b"{'a': 1}",
                b"\xff\xfe\xfa",
                b"[" * 100_000,
                b"[" * 990 + b"]" * 990,
                b'{"a":' * 5000 + b"1" + b"}" * 5000,
                b"NaN",
                b'"',
                b"1e999999",
                '{"a": "\u00e9"}'.encode("utf-16"),
                b"{}" * 3,
                b"\x00",
                json.dumps({"deep": [[[[1]]]], "s": "x" * rng.randint(0, 5000)}).encode()[:-1],
            ]
        )
        return Request(f"json {body[:20]!r}", build(body=body))

    def big() -> Request:
        body = rng.choice([b"x" * BIG, json.dumps({"blob": "y" * BIG}).encode()])
        if rng.random() < 0.3:
            return Request("7 MB chunked", te_request(chunked(body, 1 << 20)))
        return Request("7 MB body", build(body=body))

    def length_lies() -> Request:
        body = b'{"lying": true}'
        lie = rng.choice(["bigger", "smaller", "abc", "-5", "+5", " 5 ", "1e3", "9" * 20, "dup"])
        if lie == "bigger":
            head = build(body=b"", length=False).replace(b"\r\n\r\n", b"")
            data = (
                head
                + f"\r\nContent-Length: {len(body) + rng.randint(1, 5000)}\r\n\r\n".encode()
                + body
            )
        elif lie == "smaller":
            data = build(body=b"", length=False)[:-2] + b"Content-Length: 5\r\n\r\n" + body
        elif lie == "dup":
            data = build(headers=[("Content-Length", "3")], body=body)
        else:
            data = build(headers=[("Content-Length", lie)], body=body, length=False)
        return Request(f"content-length {lie}", data)

    def chunks() -> Request:
        body = rng.choice(
            [
                b"zz\r\nabc\r\n0\r\n\r\n",
                b"5\r\nabc\r\n0\r\n\r\n",
                b"-1\r\n",
                b"f" * 20 + b"\r\n",
                b"2\r\n{}",
                b"2\r\n{}\r\n0\r\n",
                b"2;ext=1\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n",
                chunked(b'{"ok": 1}', 3),
                b"0x2\r\n{}\r\n0\r\n\r\n",
                b"\r\n\r\n",
                b"2\r\n{}XX0\r\n\r\n",
            ]
        )
        extra = rng.choice([[], [("Content-Length", "10")], [("Transfer-Encoding", "gzip")]])
        if rng.random() < 0.2:
            te = rng.choice(["gzip", "chunked, gzip", "identity, chunked", "compress"])
            return Request(
                f"transfer-encoding {te}",
                build(headers=[("Transfer-Encoding", te)], body=body, length=False),
            )
        return Request(f"chunked {body[:16]!r} {extra}", te_request(body, extra))

    def headers() -> Request:
        kind = rng.choice(
            [
                "many",
                "long",
                "nocolon",
                "binary",
                "type",
                "event",
                "dryrun",
                "logtype",
                "expect",
                "fold",
            ]
        )
        extra: list[tuple[str, str]] = []
        data = None
        if kind == "many":
            extra = [(f"X-H{i}", "v") for i in range(rng.choice([99, 150, 500]))]
        elif kind == "long":
            extra = [("X-Long", "v" * rng.choice([8000, 70_000]))]
        elif kind == "type":
            extra = [
                ("X-Amz-Invocation-Type", rng.choice(["Bogus", "", "requestresponse", "\u00e9"]))
            ]
        elif kind == "event":
            extra = [("X-Amz-Invocation-Type", "Event")]
        elif kind == "dryrun":
            extra = [("X-Amz-Invocation-Type", "DryRun")]
        elif kind == "logtype":
            extra = [("X-Amz-Log-Type", rng.choice(["Tail", "None", "tail", "x" * 300]))]
        elif kind == "expect":
            extra = [("Expect", rng.choice(["100-continue", "teapot"]))]
        else:
            raw = build()
            insert = {
                "nocolon": b"NoColonHere\r\n",
                "binary": b"X-Bin: \xff\xfe\x00\x01\r\n",
                "fold": b" folded continuation\r\n",
            }[kind]
            data = raw.replace(b"\r\n", b"\r\n" + insert, 1)
        return Request(f"headers {kind}", data if data is not None else build(headers=extra))

    def request_line() -> Request:
        data = rng.choice(
            [
                bytes(rng.randint(1, 255) for _ in range(rng.randint(1, 100))) + b"\r\n\r\n",
                b"GET /\r\n\r\n",
                b"POST / HTTP/9.9\r\n\r\n",
                b"POST / HTTP/1.1 extra\r\n\r\n",
                b"POST " + GOOD_PATH.encode() + b" HTTP/1.1x\r\n\r\n",
                b"\r\n" + build(),
                b"POST\r\n\r\n",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                b" " * 100 + b"\r\n\r\n",
                b"POST " + GOOD_PATH.encode() + b" HTTP/1.1\n\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
            ]
        )
        return Request(f"request line {data[:24]!r}", data)

    def mutated() -> Request:
        data = bytearray(
            build(headers=[("X-Amz-Log-Type", "Tail")], body=b'{"key": "value", "n": [1, 2, 3]}')
        )
        for _ in range(rng.randint(1, 6)):
            spot = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[spot] = rng.randint(0, 255)
            elif action < 0.7:
                del data[spot]
            else:
                data.insert(spot, rng.randint(0, 255))
        return Request("mutated", bytes(data))

    return [
        method,
        path,
        name,
        content_type,
        bad_json,
        length_lies,
        chunks,
        headers,
        request_line,
        mutated,
    ] * 4 + [big]


# -- sending and judging ---------------------------------------------------------------------


def read_response(sock: socket.socket, head: bool) -> Response | None:
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        if not data.startswith(b"HTTP/1.1 100 "):  # skip an interim 100 Continue
            break
        data = data.partition(b"\r\n\r\n")[2]
    header_block, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    headers = {}
    for line in lines:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    length = 0 if head else int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Response(int(parts[1]), headers, body[:length])


def exchange(port: int, request: Request) -> Response | None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(request.data)
            sock.shutdown(socket.SHUT_WR)  # a body shorter than promised ends here
        except OSError:  # the server answered and hung up before reading it all
            pass
        try:
            return read_response(sock, request.head)
        except ConnectionResetError:
            return None


def problem_with(response: Response | None, head: bool) -> str | None:
    if response is None:
        return "no answer"
    if response.headers.get("content-type") != "application/json":
        return f"{response.status} without application/json"
    if response.status in (202, 204):
        return None
    if response.status == 200:
        try:
            json.loads(response.body)
        except ValueError:
            return f"200 with a body that is not JSON: {response.body[:80]!r}"
        return None
    if response.status < 400 or response.status > 599:
        return f"unexpected status {response.status}"
    kind = response.headers.get("x-amzn-errortype")
    if not kind:
        return f"{response.status} without x-amzn-ErrorType"
    if head:
        return None
    try:
        shape = json.loads(response.body)
    except ValueError:
        return f"{response.status} with a body that is not JSON: {response.body[:80]!r}"
    if not isinstance(shape, dict) or not (
        {"Type", "Message"} <= set(shape) or {"errorType", "errorMessage"} <= set(shape)
    ):
        return f"{response.status} not in the error shape: {shape!r:.120}"
    if response.status >= 500:
        return f"server error {response.status}: {shape!r:.200}"
    return None


class GoodClient:
    """A keep-alive client making the good request after every bad one."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._count = 0

    def check(self) -> str | None:
        self._count += 1
        event = {"good": self._count}
        try:
            self._conn.request("POST", GOOD_PATH, body=json.dumps(event))
            reply = self._conn.getresponse()
            body = reply.read()
        except (OSError, http.client.HTTPException) as exc:
            self._conn.close()
            self._conn = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
            return f"the good request after it failed: {exc!r}"
        if reply.status != 200 or json.loads(body) != {"event": event}:
            return f"the good request after it got {reply.status} {body[:120]!r}"
        return None

    def close(self) -> None:
        self._conn.close()


def slow_client(port: int, data: bytes, tally: Tally, label: str) -> None:
    """Sends a byte a second until the server answers (it must, within its request timeout);
    gives up after 4 request timeouts, so the test itself is bounded."""
    give_up = time.monotonic() + 4 * REQUEST_TIMEOUT
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        answered = False
        for byte in data:
            if time.monotonic() > give_up:
                break
            try:
                sock.send(bytes([byte]))
            except OSError:
                break
            readable, _, _ = select.select([sock], [], [], 1.0)
            if readable:
                answered = True
                break
        response = read_response(sock, False) if answered or time.monotonic() <= give_up else None
    problem = problem_with(response, False)
    if problem is None and response is not None and response.status != 408:
        problem = f"expected 408, got {response.status}"
    tally.add(label, problem)


def test_bad_requests_are_answered_and_the_server_keeps_serving(sandbox: Sandbox) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    rng = random.Random(SEED)
    tally = Tally()
    slow = [
        ("slow request line", build()),
        ("slow headers", build()[:20] + b"X-Slow: " + b"s" * 60),
        ("slow body", build(body=b'{"slow": "' + b"z" * 40 + b'"}')),
        (
            "slow idle after headers",
            build(body=b"", length=False)[:-2] + b"Content-Length: 50\r\n\r\n{",
        ),
    ]
    threads = [
        threading.Thread(target=slow_client, args=(port, data, tally, label), daemon=True)
        for label, data in slow
    ]
    for thread in threads:
        thread.start()
    makers = generators(rng)
    good = GoodClient(port)
    try:
        for _ in range(BAD_REQUESTS):
            request = rng.choice(makers)()
            problem = problem_with(exchange(port, request), request.head)
            after = good.check()
            tally.add(request.label, problem or after)
    finally:
        good.close()
        for thread in threads:
            thread.join(10 * REQUEST_TIMEOUT)
    report.add("bad inputs", tried=tally.tried, crashes=len(tally.failures))
    assert tally.tried >= BAD_REQUESTS + len(slow)
    assert tally.failures == [], "\n".join(tally.failures[:30])
    assert sandbox.proc.poll() is None
    assert "Traceback" not in sandbox.logs()


def test_a_slow_client_does_not_hold_up_others(sandbox: Sandbox) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as stalled:
        stalled.sendall(build()[:30])  # and then nothing
        good = GoodClient(port)
        try:
            assert good.check() is None
        finally:
            good.close()
        response = read_response(stalled, False)
    assert response is not None and response.status == 408
    assert json.loads(response.body)["__type"] == "RequestTimeoutException"
