"""The AWS Lambda Invoke API's HTTP side on 127.0.0.1, so boto3, the AWS CLI and curl work
unchanged: reading a request (line, headers, body) within a deadline, framing errors,
keep-alive, and writing the answer that ``gateway.LocalGateway`` gives.

Every request gets an answer in the API's error shape when it is wrong (a bad method, path,
function name, header, framing or JSON; too large; too slow), and a thread that failed on one
request never takes the server with it.

At most ``max_connections`` connections are served at once, the console's live log streams
among them (``connection_slots``: idle connections closed for room while one waits); a
slow one is cut off by the request timeout as always. With ``tls`` (off loopback, always)
every connection is TLS, its handshake made on the connection's own thread.
"""

from __future__ import annotations

import contextlib
import io
import socket
import ssl
import threading
import time
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from typing import Any

from skyfn.host import addresses, gateway, tls
from skyfn.host.access import AccessPolicy
from skyfn.host.connection_slots import ConnectionSlots
from skyfn.host.gateway import LocalGateway, Response
from skyfn.host.request_body import (
    BadRequest,
    DeadlineSocket,
    KernelDeadlineSocket,
    read_body,
)
from skyfn.host.request_parsing import RequestParsing
from skyfn.host.supervisor import Host
from skyfn.host.url_gateway import UrlGateway
from skyfn.runtime.lambda_platform import MAX_PAYLOAD

DISCARD_LIMIT = 64 * 1024 * 1024  # read (and drop) an oversized body up to this, then hang up
LINGER = 2.0  # seconds to read what a client still sends after we answered and hang up
REQUEST_TIMEOUT = 30.0  # seconds to receive one whole request (line, headers and body)
STREAM_WRITE_TIMEOUT = 30.0  # seconds a streamed answer's reader may take to take a chunk
MAX_CONNECTIONS = 64  # connections served at once (--max-connections), a thread each
# http.server's own errors (request line, headers, version) as the API's error types
_KINDS = {
    HTTPStatus.BAD_REQUEST: "BadRequestException",
    HTTPStatus.NOT_FOUND: "UnknownOperationException",
    HTTPStatus.REQUEST_TIMEOUT: "RequestTimeoutException",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "RequestEntityTooLargeException",
    HTTPStatus.REQUEST_URI_TOO_LONG: "RequestURITooLongException",
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "RequestHeaderFieldsTooLargeException",
}


class InvokeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        address: tuple[str, int],
        host: Host,
        request_timeout: float = REQUEST_TIMEOUT,
        access: AccessPolicy | None = None,
        max_connections: int = MAX_CONNECTIONS,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        """``access``: who may call (default: the policy of ``address``, which on loopback
        accepts requests naming the sandbox's own address); ``tls_context``: serve HTTPS."""
        self.address_family = addresses.family(address[0])  # ::1 needs an IPv6 socket
        super().__init__((addresses.bare(address[0]), address[1]), InvokeHandler)
        self.host = host
        self.access = access if access is not None else AccessPolicy.for_address(address[0])
        self.gateway = LocalGateway(host, self.access, int(self.server_address[1]))
        self.urls: UrlGateway | None = None  # function URLs (*.localhost), set by the sandbox
        self.request_timeout = request_timeout
        self.tls = tls_context
        self.slots = ConnectionSlots(max_connections)
        self._stopping = threading.Event()

    # -- the connection cap ------------------------------------------------------------------

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept only with a free slot; while none is, close idle connections for room (a
        client waits in the listening queue meanwhile)."""
        self.slots.acquire(self._stopping)
        try:
            return super().get_request()
        except BaseException:
            self.slots.release()
            raise

    def shutdown(self) -> None:
        self._stopping.set()
        super().shutdown()

    # -- one connection ----------------------------------------------------------------------

    def finish_request(self, request: Any, client_address: Any) -> None:
        """With TLS: the handshake first (on this connection's thread, within the request
        timeout), then the requests over it."""
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        with self.slots.waiting(request, lambda: True):
            connection = tls.accept(request, self.tls, self.request_timeout)
        if connection is None:
            return
        try:
            InvokeHandler(connection, client_address, self)
        finally:
            _close_gently(connection)  # ``request`` itself now is an empty shell

    def shutdown_request(self, request: Any) -> None:
        try:
            _close_gently(request)
        finally:
            self.slots.release()

    @property
    def url(self) -> str:
        address, port = self.server_address[:2]
        return addresses.url(str(address), int(port), self.tls is not None)


def _close_gently(connection: socket.socket) -> None:
    """Close gently: read what the client still sends (briefly, boundedly) so that closing
    with unread data does not reset the connection before it reads our answer."""
    with contextlib.suppress(OSError, ValueError):
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(0.5)
        deadline = time.monotonic() + LINGER
        drained = 0
        while time.monotonic() < deadline and drained < DISCARD_LIMIT:
            chunk = connection.recv(1 << 16)
            if not chunk:
                break
            drained += len(chunk)
    connection.close()


class InvokeHandler(RequestParsing):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so even an unreadable request line gets a status
    # TCP_NODELAY: an answer goes out in one write (``_reply``), but a streamed one in many;
    # with Nagle's algorithm a write after the first waited for the client's delayed ACK
    # (~40 ms per warm invoke when headers and body were two writes).
    disable_nagle_algorithm = True
    server: InvokeServer

    _date: tuple[int, str] = (0, "")  # the Date header of the current second

    def date_time_string(self, timestamp: float | None = None) -> str:
        """``Date``: formatted once a second, not per answer."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        now = int(time.time())
        second, text = InvokeHandler._date
        if second != now:
            text = super().date_time_string(now)
            InvokeHandler._date = (now, text)
        return text

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the function logs are what the developer watches."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet (and safe before a request line was read)."""

    def setup(self) -> None:
        super().setup()
        self._socket = (
            KernelDeadlineSocket(self.connection, self.server.request_timeout)
            if KernelDeadlineSocket.usable(self.connection)
            else DeadlineSocket(self.connection)
        )
        self.rfile = io.BufferedReader(self._socket)

    def handle_one_request(self) -> None:
        """One request, read within the request timeout; every failure answered."""
        self._socket.start(self.server.request_timeout)
        self._replied = False
        self.command = self.requestline = ""
        self.request_version = self.default_request_version
        try:
            with self.server.slots.waiting(self.connection, lambda: self._socket.received == 0):
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
            body = read_body(self.rfile, self.fields, MAX_PAYLOAD, DISCARD_LIMIT)
            urls = self.server.urls  # by Host, before any console or Invoke API path
            found = (
                None
                if urls is None or not urls.claims(self.fields.get("host") or "")
                else urls.handle(
                    self.command, self.path, self.fields.items(), body, self.client_address[0]
                )
            )
            if found is not None:
                self._reply(found)
                self.wfile.flush()
                return
            fields = self.fields.fields()
            self._reply(self.server.gateway.handle_request(self.command, self.path, fields, body))
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

    def _error(self, status: int, kind: str, message: str) -> None:
        self._reply(gateway.error(status, kind, message))

    def _reply(self, response: Response) -> None:
        self._replied = True
        if response.stream is not None:
            slots = self.server.slots
            if slots.stream_opened():
                try:
                    self._stream(response)
                finally:
                    slots.stream_closed()
                return
            response = gateway.throttled(
                f"the sandbox serves at most {slots.max_streams} live log streams at once (a "
                f"quarter of --max-connections {slots.max_connections}); close "
                "a console Logs page you no longer watch",
                "CallerRateLimitExceeded",
            )
        head = self._head(response)
        if head is None:  # HTTP/0.9, or a Connection field: as http.server writes them
            self._buffer_head(response)
        else:
            self._headers_buffer = [*getattr(self, "_headers_buffer", []), head]
        # the head and the body in one write (one packet for a small answer, one system call)
        if response.body and self.command != "HEAD":
            self._headers_buffer.append(response.body)
        self._socket.before_write(len(response.body))
        self.flush_headers()

    def _head(self, response: Response) -> bytes | None:
        """The status line and header fields exactly as ``send_response`` and ``send_header``
        write them (``_buffer_head``), made as one string: ``None`` where those act on the
        connection (HTTP/0.9 gets no head; a ``Connection`` field sets ``close_connection``)."""
        if self.request_version == "HTTP/0.9":
            return None
        headers = dict(response.headers)
        content_type = headers.pop("Content-Type", gateway.CONTENT_TYPE)
        code = int(response.status)
        message = self.responses[code][0] if code in self.responses else ""
        lines = [
            f"{self.protocol_version} {code} {message}\r\n"
            f"Server: {self.version_string()}\r\nDate: {self.date_time_string()}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(response.body)}\r\n"
        ]
        for key, value in headers.items():
            if key.lower() == "connection":
                return None
            lines.append(f"{key}: {value}\r\n")
        lines.extend(f"Set-Cookie: {cookie}\r\n" for cookie in response.cookies)
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1", "strict")

    def _buffer_head(self, response: Response) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        self.send_header("Content-Type", headers.pop("Content-Type", gateway.CONTENT_TYPE))
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in headers.items():
            self.send_header(key, value)
        for cookie in response.cookies:
            self.send_header("Set-Cookie", cookie)
        if self.close_connection:
            self.send_header("Connection", "close")
        parts: list[bytes] = getattr(self, "_headers_buffer", [])  # none for HTTP/0.9
        self._headers_buffer = [*parts, b"\r\n"] if parts else []

    def _stream(self, response: Response) -> None:
        """An answer of unknown length (the console's live log): sent as it comes, then the
        connection closes; ends when the client goes away or the stream does."""
        assert response.stream is not None
        self.close_connection = True
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.connection.settimeout(STREAM_WRITE_TIMEOUT)
        try:
            for chunk in response.stream:
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:  # the page was closed
            pass
