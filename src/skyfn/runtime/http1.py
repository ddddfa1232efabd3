"""A minimal HTTP/1.1 client connection for the cold start: one request at a time, kept alive.

Why not ``http.client``: importing it costs a fresh process ~40 ms here (it pulls in the
``email`` package to parse headers, and ``ssl`` even for plain HTTP), about as much as the
rest of a cold start that reads secrets. This speaks just what AWS JSON APIs need:
a POST with a body, and a response framed by Content-Length, chunked encoding, or EOF.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import NamedTuple

MAX_LINE = 65536
MAX_HEADERS = 100


class ProtocolError(ConnectionError):
    """The server's reply is not HTTP/1.x we understand (retried like a reset)."""


class CertificateError(ConnectionError):
    """The TLS server's certificate could not be verified: retrying will not help."""


class Response(NamedTuple):
    status: int
    headers: dict[str, str]  # names lowercased
    body: bytes


class Connection:
    """One TCP (or TLS) connection to ``hostname:port``, opened on first use and reopened
    after the server closes it."""

    def __init__(self, scheme: str, hostname: str, port: int | None, timeout: float) -> None:
        self.tls = scheme == "https"
        self.hostname = hostname
        self.port = port or (443 if self.tls else 80)
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self.opened = 0  # connections opened so far

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.hostname, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            import ssl  # only for https endpoints

            try:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.hostname)
            except ssl.SSLCertVerificationError as exc:
                sock.close()
                raise CertificateError(exc.verify_message or str(exc)) from None
        self._sock = sock
        self.opened += 1
        return sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    def request(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Send one request and read its whole response; raises OSError on any failure
        (the connection is then closed, and the next request opens a new one)."""
        sock = self._sock or self._open()
        try:
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            sock.sendall(
                f"{method} {path} HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode(
                    "latin-1"
                )
                + body
            )
            response, keep_alive = _read_response(_Buffered(sock))
        except BaseException:
            self.close()
            raise
        if not keep_alive:
            self.close()
        return response


class _Buffered:
    """Line and exact-length reads of one response from a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(MAX_LINE)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > MAX_LINE:
                raise ProtocolError("HTTP header line too long")
            if not self._fill():
                raise ProtocolError("connection closed in the middle of a response")
        line, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
        return line

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise ProtocolError("connection closed before the response body ended")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def rest(self) -> bytes:
        while self._fill():
            pass
        data, self.buffer = self.buffer, b""
        return data


def _read_response(reader: _Buffered) -> tuple[Response, bool]:
    """The response and whether the connection may carry another request."""
    try:
        status_line = reader.line()
    except ProtocolError:
        # Closed before any byte: the server dropped an idle kept-alive connection.
        raise ConnectionResetError("the server closed the connection") from None
    version, _, rest = status_line.decode("latin-1").partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x response: {status_line[:40]!r}")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        line = reader.line().decode("latin-1").rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    else:
        raise ProtocolError("too many HTTP headers")
    connection = headers.get("connection", "").lower()
    keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _chunked(reader)
    elif "content-length" in headers:
        length = headers["content-length"]
        if not length.isdigit():
            raise ProtocolError("bad Content-Length")
        body = reader.exactly(int(length))
    else:
        body, keep_alive = reader.rest(), False
    if reader.buffer:
        keep_alive = False  # bytes we did not ask for: do not trust this connection again
    return Response(int(code), headers, body), keep_alive


def _chunked(reader: _Buffered) -> bytes:
    parts: list[bytes] = []
    while True:
        size_text = reader.line().split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolError("bad chunk size") from None
        if size == 0:
            while reader.line().strip():  # trailers, then the blank line
                pass
            return b"".join(parts)
        parts.append(reader.exactly(size))
        reader.exactly(2)  # CRLF after each chunk
