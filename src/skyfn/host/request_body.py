"""Reading an HTTP request from a client that may lie, stall or send garbage.

Every read of one request shares one deadline (a client sending a byte a second never holds
a thread longer than the request timeout), and a body is read only as far as its framing is
unambiguous: a valid ``Content-Length`` or well-formed ``chunked`` encoding, never more than
the limit. Anything else is a ``BadRequest`` that names what is wrong.
"""

from __future__ import annotations

import io
import socket
import time
from typing import Protocol


class Fields(Protocol):
    """A request's header fields (``request_head.Headers``, ``email.message.Message``)."""

    def get_all(self, name: str) -> list[str] | None: ...


class BadRequest(Exception):
    """The request cannot be read; the connection cannot be trusted afterwards."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message


class TooLarge(BadRequest):
    pass


class DeadlineSocket(io.RawIOBase):
    """A socket's reading side whose every ``recv`` waits at most until ``deadline``."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self.deadline = float("inf")
        self.received = 0  # bytes since ``start``

    def start(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request not received in time")
        self._sock.settimeout(remaining)
        count = self._sock.recv_into(buffer)
        self.received += count
        return count

    def close(self) -> None:  # the server closes the socket itself
        super().close()


def read_body(rfile: io.BufferedIOBase, headers: Fields, limit: int, discard: int) -> bytes:
    """The request's body; ``TooLarge`` past ``limit`` (after reading and dropping up to
    ``discard`` bytes, so the client gets to read the answer), ``BadRequest`` on bad framing."""
    encodings = [
        e.strip().lower() for v in headers.get_all("Transfer-Encoding") or [] for e in v.split(",")
    ]
    if encodings:
        if encodings[-1] != "chunked" or any(e not in ("chunked", "identity") for e in encodings):
            raise BadRequest(
                400,
                "BadRequestException",
                f"Transfer-Encoding {', '.join(encodings)} is not supported; send the body "
                "as is (Content-Length) or chunked",
            )
        return _read_chunked(rfile, limit, discard)
    length = content_length(headers)
    if length > limit:
        _discard(rfile, length if length <= discard else 0)
        raise TooLarge(413, "RequestEntityTooLargeException", too_large(limit))
    body = rfile.read(length) if length else b""
    if len(body) < length:
        raise BadRequest(
            400,
            "InvalidRequestContentException",
            f"the request body ended after {len(body)} of its Content-Length {length} bytes",
        )
    return body


def too_large(limit: int) -> str:
    return f"Request must be smaller than {limit} bytes for the InvokeFunction operation"


def content_length(headers: Fields) -> int:
    values = {v.strip() for v in headers.get_all("Content-Length") or []}
    if not values:
        return 0
    if len(values) > 1:
        raise BadRequest(
            400, "BadRequestException", f"conflicting Content-Length headers: {sorted(values)}"
        )
    (value,) = values
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadRequest(
            400, "BadRequestException", f"Content-Length {value[:40]!r} is not a byte count"
        )
    return int(value)


def _discard(rfile: io.BufferedIOBase, length: int) -> None:
    while length > 0:
        chunk = rfile.read(min(length, 1 << 20))
        if not chunk:
            return
        length -= len(chunk)


def _read_chunked(rfile: io.BufferedIOBase, limit: int, discard: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        line = rfile.readline(1026)
        if not line.endswith(b"\n"):
            raise _bad_chunk("a chunk size line is missing or longer than 1 KB")
        text = line.split(b";", 1)[0].strip()
        try:
            chunk_size = int(text, 16) if text and len(text) <= 16 else -1
        except ValueError:
            chunk_size = -1
        if chunk_size < 0 or text.startswith((b"-", b"+", b"0x", b"0X")):
            raise _bad_chunk(f"chunk size {text[:20]!r} is not hexadecimal")
        if chunk_size == 0:
            break
        size += chunk_size
        if size > discard:
            raise TooLarge(413, "RequestEntityTooLargeException", too_large(limit))
        if size > limit:  # read on (and drop), so the client gets to read the answer
            parts = []
            _discard(rfile, chunk_size)
        else:
            parts.append(rfile.read(chunk_size))
            if len(parts[-1]) < chunk_size:
                raise _bad_chunk("a chunk is shorter than its size")
        if rfile.read(2) != b"\r\n":
            raise _bad_chunk("a chunk is not followed by CRLF")
    for _ in range(100):  # trailer fields, then the empty line
        line = rfile.readline(8194)
        if line in (b"\r\n", b"\n"):
            if size > limit:
                raise TooLarge(413, "RequestEntityTooLargeException", too_large(limit))
            return b"".join(parts)
        if not line.endswith(b"\n"):
            break
    raise _bad_chunk("the chunked body does not end with an empty line")


def _bad_chunk(what: str) -> BadRequest:
    return BadRequest(400, "BadRequestException", f"malformed chunked body: {what}")
