"""The AWS Lambda Invoke API on 127.0.0.1, so boto3, the AWS CLI and curl work unchanged:
``POST /2015-03-31/functions/{name}/invocations``."""

from __future__ import annotations

import base64
import json
import re
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from skyfn.host.outcome import Outcome
from skyfn.host.pool import HostClosed
from skyfn.host.supervisor import Host, UnknownFunction

MAX_PAYLOAD = 6 * 1024 * 1024  # 6 MB, synchronous invocation request and response
DISCARD_LIMIT = 64 * 1024 * 1024  # read (and drop) an oversized body up to this, then hang up
_PATH = re.compile(r"^/2015-03-31/functions/([^/?]+)/invocations/?(?:\?.*)?$")


def function_name(raw: str) -> str:
    """``name``, ``name:qualifier`` or a full ARN → the function's name."""
    name = unquote(raw)
    if name.startswith("arn:"):
        parts = name.split(":")
        name = parts[6] if len(parts) > 6 else name
    return name.split(":", 1)[0]


class InvokeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], host: Host) -> None:
        super().__init__(address, InvokeHandler)
        self.host = host

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        return f"http://{address!s}:{port}"


class InvokeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: headers and body go out in separate writes, and Nagle's algorithm held the
    # body until the client's delayed ACK: ~40 ms per warm invoke instead of under 1 ms.
    disable_nagle_algorithm = True
    server: InvokeServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the function logs are what the developer watches."""

    def do_POST(self) -> None:
        match = _PATH.match(self.path)
        request_id = str(uuid.uuid4())
        if match is None:
            self._drain_body()
            self._error(404, "UnknownOperationException", f"no such operation: POST {self.path}")
            return
        name = function_name(match.group(1))
        body = self._read_body()
        if body is None:
            return
        try:
            pool = self.server.host.pool(name)
        except UnknownFunction:
            self._error(
                404,
                "ResourceNotFoundException",
                f"Function not found: arn:aws:lambda:{self.server.host.options.region}:"
                f"000000000000:function:{name}",
            )
            return
        try:
            event = json.loads(body) if body.strip() else {}
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._error(
                400,
                "InvalidRequestContentException",
                f"Could not parse request body into json: {exc}",
            )
            return
        kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if kind == "DryRun":
            self._reply(204, b"", {"x-amzn-RequestId": request_id})
        elif kind == "Event":
            self.server.host.invoke_in_background(pool.function.name, event, request_id)
            self._reply(202, b"", {"x-amzn-RequestId": request_id})
        elif kind == "RequestResponse":
            try:
                outcome = pool.invoke(event, request_id)
            except HostClosed as exc:
                self._error(503, "ServiceException", str(exc))
                return
            self._answer(outcome)
        else:
            self._error(
                400,
                "InvalidParameterValueException",
                f"X-Amz-Invocation-Type {kind!r} is not one of RequestResponse, Event, DryRun",
            )

    def _answer(self, outcome: Outcome) -> None:
        headers = {"x-amzn-RequestId": outcome.request_id, "X-Amz-Executed-Version": "$LATEST"}
        payload = outcome.payload
        error = outcome.error
        if len(payload) > MAX_PAYLOAD:
            payload = json.dumps(
                {
                    "errorMessage": f"Response payload size ({len(payload)} bytes) exceeded "
                    f"maximum allowed payload size ({MAX_PAYLOAD} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge",
                }
            ).encode()
            error = True
        if error:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if self.headers.get("X-Amz-Log-Type") == "Tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(outcome.tail()).decode()
        self._reply(200, payload, headers)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD:
            self._drain_body(length)
            self._error(
                413,
                "RequestEntityTooLargeException",
                f"Request must be smaller than {MAX_PAYLOAD} bytes for the InvokeFunction operation",
            )
            return None
        return self.rfile.read(length) if length else b""

    def _drain_body(self, length: int | None = None) -> None:
        length = int(self.headers.get("Content-Length") or 0) if length is None else length
        if length > DISCARD_LIMIT:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _error(self, status: int, kind: str, message: str) -> None:
        body = json.dumps({"Type": "User", "message": message, "__type": kind}).encode()
        self._reply(status, body, {"x-amzn-ErrorType": kind})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(body)
