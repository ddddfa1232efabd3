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
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.robustness.fuzz_requests import GOOD_PATH, Request, build, generators
from tests.support import report
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

SEED = 20240611
BAD_REQUESTS = 2000
REQUEST_TIMEOUT = 3  # the sandbox's --request-timeout for this test: slow clients get 408

ECHO = """\
def handler(event, context):
    return {"event": event}
"""


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
