"""A stand-in for Lambda's Runtime API on 127.0.0.1, enough for ``awslambdaric`` to run a
handler: it hands out queued invocations (``/2018-06-01/runtime/invocation/next``) and
collects what the runtime posts back (``/response``, ``/error``, ``/init/error``)."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

PREFIX = "/2018-06-01/runtime"


class Invocation(NamedTuple):
    request_id: str
    event: Any
    arn: str
    deadline_ms: int
    client_context: Any = None
    trace_id: str | None = None


class Answer(NamedTuple):
    request_id: str
    error: bool  # posted to /error
    body: bytes
    content_type: str


class RuntimeApi:
    """Start with ``start()``; ``invoke`` queues one invocation and waits for its answer."""

    def __init__(self) -> None:
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.answers: queue.Queue[Answer] = queue.Queue()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self.send_error(404)
                    return
                call = api.pending.get()
                body = json.dumps(call.event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", call.request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(call.deadline_ms))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", call.arn)
                if call.client_context is not None:
                    self.send_header(
                        "Lambda-Runtime-Client-Context", json.dumps(call.client_context)
                    )
                if call.trace_id is not None:
                    self.send_header("Lambda-Runtime-Trace-Id", call.trace_id)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                parts = self.path.removeprefix(PREFIX).strip("/").split("/")
                if parts[:2] == ["init", "error"]:
                    api.answers.put(Answer("init", True, body, ""))
                elif len(parts) == 3 and parts[0] == "invocation":
                    kind = self.headers.get("Content-Type", "")
                    api.answers.put(Answer(parts[1], parts[2] == "error", body, kind))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a runtime waiting in /next never blocks close
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> RuntimeApi:
        self.thread.start()
        return self

    def invoke(self, call: Invocation, timeout: float = 30) -> Answer:
        self.pending.put(call)
        return self.answers.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
