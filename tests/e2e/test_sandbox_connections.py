"""Finding 7 of review three: the sandbox serves a bounded number of connections at once
(a thread each), the console's live log streams among them; many idle connections and open
streams do not keep an ordinary call from being answered. A real ``skyfn sandbox``."""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path

from tests.support.console import ConsoleClient, console_url
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

CAP = 8  # --max-connections for this test; a quarter of it (2) may be live streams
HANDLER = (
    "def handler(event, context):\n    print('served', event.get('n'))\n    return {'ok': True}\n"
)


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def open_stream(box: Sandbox, console: ConsoleClient) -> http.client.HTTPResponse:
    """A live log stream, as the console's Logs page opens it (the response, still open)."""
    connection = http.client.HTTPConnection("127.0.0.1", box.port, timeout=60)
    cookie = "; ".join(f"{k}={v}" for k, v in console.cookies.items())
    connection.request(
        "GET",
        f"{console.base}/logs/stream",
        headers={"Host": f"127.0.0.1:{box.port}", "Cookie": cookie},
    )
    return connection.getresponse()


def lines_until(stream: http.client.HTTPResponse, text: str) -> Iterator[str]:
    while True:
        line = stream.fp.readline().decode()
        assert line, f"the stream ended before {text!r}"
        yield line
        if text in line:
            return


def test_connections_are_capped_and_ordinary_calls_still_answered(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"hello": resource(name="hello")}, {"hello": HANDLER})
    with running_sandbox(project, "--max-connections", str(CAP)) as box, ExitStack() as held:
        lam = box.client()
        assert json.loads(lam.invoke(FunctionName="hello", Payload=b"{}")["Payload"].read())
        before = threads(box.proc.pid)  # its worker warm, boto3's connection kept alive
        console = ConsoleClient(box.port)
        assert console.sign_in(console_url(box)).status == 303
        streams = [held.enter_context(closing(open_stream(box, console))) for _ in range(2)]
        assert [s.status for s in streams] == [200, 200]
        third = open_stream(box, console)  # past a quarter of the cap
        assert third.status == 429
        assert json.loads(third.read())["__type"] == "TooManyRequestsException"
        idle = [
            held.enter_context(socket.create_connection(("127.0.0.1", box.port), timeout=60))
            for _ in range(60)
        ]
        assert len(idle) == 60  # all connected (the kernel queues them)
        # an ordinary call is answered beside them (idle connections are closed for room) ...
        answer = lam.invoke(FunctionName="hello", Payload=b'{"n": 7}')
        assert json.loads(answer["Payload"].read()) == {"ok": True}
        # ... while the sandbox never ran more connection threads than the cap
        assert threads(box.proc.pid) <= before + CAP
        # and the open streams still carry what happens
        request_id = answer["ResponseMetadata"]["RequestId"]
        for stream in streams:
            seen = "".join(lines_until(stream, f"END RequestId: {request_id}"))
            assert "served 7" in seen
