"""The AWS Lambda Invoke API on 127.0.0.1, so boto3, the AWS CLI and curl work unchanged:
``POST /2015-03-31/functions/{name}/invocations``.

Every request gets an answer in the API's error shape when it is wrong (a bad method, path,
function name, header, framing or JSON; too large; too slow), and a thread that failed on one
request never takes the server with it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import socket
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from skyfn.host.outcome import Outcome
from skyfn.host.pool import HostClosed
from skyfn.host.request_body import BadRequest, DeadlineSocket, read_body
from skyfn.host.supervisor import Host, UnknownFunction
from skyfn.runtime import error_shape
from skyfn.runtime.lambda_platform import LATEST, MAX_PAYLOAD, function_arn

DISCARD_LIMIT = 64 * 1024 * 1024  # read (and drop) an oversized body up to this, then hang up
LINGER = 2.0  # seconds to read what a client still sends after we answered and hang up
REQUEST_TIMEOUT = 30.0  # seconds to receive one whole request (line, headers and body)
_PATH = re.compile(r"^/2015-03-31/functions/([^/?]+)/invocations/?(?:\?.*)?$")
# Lambda's rule: a name, a partial ARN (account:function:name) or a full ARN, then a qualifier.
_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?"
    r"([a-zA-Z0-9_-]{1,64})(?::(?:\$LATEST|[a-zA-Z0-9_-]{1,128}))?$"
)
_KINDS = {
    HTTPStatus.BAD_REQUEST: "BadRequestException",
    HTTPStatus.NOT_FOUND: "UnknownOperationException",
    HTTPStatus.REQUEST_TIMEOUT: "RequestTimeoutException",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "RequestEntityTooLargeException",
    HTTPStatus.REQUEST_URI_TOO_LONG: "RequestURITooLongException",
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "RequestHeaderFieldsTooLargeException",
}


class InvalidName(ValueError):
    pass


def function_name(raw: str) -> str:
    """``name``, ``name:qualifier`` or a (partial) ARN → the function's name."""
    name = unquote(raw, errors="replace")
    found = _NAME.match(name)
    if found is None:
        shown = name if len(name) <= 140 else name[:140] + "..."
        raise InvalidName(
            f"1 validation error detected: Value {shown!r} at 'functionName' failed to satisfy "
            "constraint: a function name (letters, digits, - and _; at most 64), optionally "
            "with a qualifier or as an ARN"
        )
    return found.group(1)


class InvokeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self, address: tuple[str, int], host: Host, request_timeout: float = REQUEST_TIMEOUT
    ) -> None:
        super().__init__(address, InvokeHandler)
        self.host = host
        self.request_timeout = request_timeout

    def shutdown_request(self, request: Any) -> None:
        """Close gently: read what the client still sends (briefly, boundedly) so that closing
        with unread data does not reset the connection before it reads our answer."""
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
            request.settimeout(0.5)
            deadline = time.monotonic() + LINGER
            drained = 0
            while time.monotonic() < deadline and drained < DISCARD_LIMIT:
                chunk = request.recv(1 << 16)
                if not chunk:
                    break
                drained += len(chunk)
        self.close_request(request)

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        return f"http://{address!s}:{port}"


class InvokeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so even an unreadable request line gets a status
    # TCP_NODELAY: headers and body go out in separate writes, and Nagle's algorithm held the
    # body until the client's delayed ACK: ~40 ms per warm invoke instead of under 1 ms.
    disable_nagle_algorithm = True
    server: InvokeServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the function logs are what the developer watches."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet (and safe before a request line was read)."""

    def setup(self) -> None:
        super().setup()
        self._socket = DeadlineSocket(self.connection)
        self.rfile = io.BufferedReader(self._socket)

    def handle_one_request(self) -> None:
        """One request, read within the request timeout; every failure answered."""
        self._socket.start(self.server.request_timeout)
        self._replied = False
        self.command = self.requestline = ""
        self.request_version = self.default_request_version
        try:
            self.raw_requestline = self.rfile.readline(65537)
            for _ in range(8):  # RFC 9112: ignore empty lines before a request line
                if self.raw_requestline not in (b"\r\n", b"\n"):
                    break
                self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > 65536:
                self.requestline = self.command = ""
                self.request_version = self.default_request_version
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is too long")
                return
            if not self.parse_request():
                if not self._replied:  # a request line of blanks only
                    self.send_error(HTTPStatus.BAD_REQUEST, "the request line is empty")
                return
            if self.command == "POST":
                self.do_POST()
            else:
                self._unknown_operation()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True
            if self._socket.received and not self._replied:  # not an idle keep-alive
                self._error(
                    HTTPStatus.REQUEST_TIMEOUT,
                    "RequestTimeoutException",
                    f"the request did not arrive within {self.server.request_timeout:g} s",
                )
        except BadRequest as exc:
            self.close_connection = True
            if not self._replied:
                self._error(exc.status, exc.kind, exc.message)
        except OSError:  # the client hung up
            self.close_connection = True
        except Exception as exc:  # a bug of ours: answer, keep serving
            self.close_connection = True
            if not self._replied:
                self._error(500, "ServiceException", f"skyfn failed on this request: {exc!r}")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, headers, version) in the API's shape."""
        self.close_connection = True  # after a protocol error the stream cannot be trusted
        if code == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:  # the client's error, not ours
            code, message = HTTPStatus.BAD_REQUEST, f"{message}; use HTTP/1.1"
        status = HTTPStatus(code)
        kind = _KINDS.get(status, "ServiceException" if code >= 500 else "BadRequestException")
        self._error(code, kind, message or explain or status.phrase)

    def _unknown_operation(self) -> None:
        read_body(self.rfile, self.headers, MAX_PAYLOAD, DISCARD_LIMIT)
        self._error(
            HTTPStatus.NOT_FOUND,
            "UnknownOperationException",
            f"no such operation: {self.command} {self.path[:200]}; the Invoke API is "
            "POST /2015-03-31/functions/{name}/invocations",
        )

    def do_POST(self) -> None:
        match = _PATH.match(self.path)
        request_id = str(uuid.uuid4())
        if match is None:
            self._unknown_operation()
            return
        body = read_body(self.rfile, self.headers, MAX_PAYLOAD, DISCARD_LIMIT)
        try:
            name = function_name(match.group(1))
        except InvalidName as exc:
            self._error(400, "ValidationException", str(exc))
            return
        try:
            pool = self.server.host.pool(name)
        except UnknownFunction:
            self._error(
                404,
                "ResourceNotFoundException",
                f"Function not found: {function_arn(self.server.host.options.region, name)}",
            )
            return
        try:
            event = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
            self._error(
                400,
                "InvalidRequestContentException",
                f"Could not parse request body into json: {str(exc)[:200]}",
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
                f"X-Amz-Invocation-Type {kind[:40]!r} is not one of RequestResponse, Event, DryRun",
            )

    def _answer(self, outcome: Outcome) -> None:
        headers = {"x-amzn-RequestId": outcome.request_id, "X-Amz-Executed-Version": LATEST}
        payload = outcome.payload
        error = outcome.error
        if len(payload) > MAX_PAYLOAD:
            shape = error_shape.response_too_large(len(payload), None, MAX_PAYLOAD)
            payload = error_shape.encode(shape)
            error = True
        if error:
            headers["X-Amz-Function-Error"] = "Unhandled"
        if self.headers.get("X-Amz-Log-Type") == "Tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(outcome.tail()).decode()
        self._reply(200, payload, headers)

    def _error(self, status: int, kind: str, message: str) -> None:
        error_type = "Service" if status >= 500 else "User"
        body = json.dumps({"Type": error_type, "Message": message, "__type": kind}).encode()
        self._reply(status, body, {"x-amzn-ErrorType": kind})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._replied = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
