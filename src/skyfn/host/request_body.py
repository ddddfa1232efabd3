"""Reading an HTTP request from a client that may lie, stall or send garbage.

Every read of one request shares one deadline (a client sending a byte a second never holds
a thread longer than the request timeout), and a body is read only as far as its framing is
unambiguous: a valid ``Content-Length`` or well-formed ``chunked`` encoding, never more than
the limit. Anything else is a ``BadRequest`` that names what is wrong.
"""

from __future__ import annotations

import io
import socket
import struct
import sys
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

    def before_write(self, size: int) -> None:
        """About to write an answer of ``size`` bytes (the socket's timeout, as the last read
        left it, bounds the write)."""

    def close(self) -> None:  # the server closes the socket itself
        super().close()


class KernelDeadlineSocket(DeadlineSocket):
    """``DeadlineSocket`` on a plain socket left blocking, its waits bounded by the kernel.

    A socket with a Python timeout costs a ``poll`` before each ``recv`` and each ``send``,
    and ``settimeout`` before each read another system call: three per request on the warm
    path. Here the socket stays blocking and ``SO_RCVTIMEO`` bounds each ``recv``: it is set
    only when the time left is shorter than it (to half the time left, so the next request,
    with a whole new deadline, needs no change), and a wait it cuts short is looked at
    again against the deadline; so no read waits past the deadline and a request costs one
    ``recv``. ``SO_SNDTIMEO`` bounds each ``send`` of a small answer (one that fits in the
    socket's buffers); a larger one is written under a Python timeout, so its whole write
    has a deadline (``before_write``)."""

    SMALL_WRITE = 64 * 1024  # an answer up to this is written without a Python timeout

    def __init__(self, sock: socket.socket, write_timeout: float) -> None:
        super().__init__(sock)
        self._write_timeout = write_timeout
        self._armed = float("inf")  # SO_RCVTIMEO now (none yet: a blocking recv waits on)
        _set_kernel_timeout(sock, socket.SO_SNDTIMEO, write_timeout)

    @classmethod
    def usable(cls, sock: socket.socket) -> bool:
        """A plain blocking socket (not TLS) on Linux, where the kernel timeouts are known."""
        return (
            sys.platform.startswith("linux")
            and type(sock) is socket.socket
            and sock.gettimeout() is None
        )

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._sock.gettimeout() is not None:  # after a large answer: blocking again
            self._sock.settimeout(None)
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("request not received in time")
            if remaining < self._armed:
                self._armed = remaining / 2 if remaining > MIN_ARM else remaining
                _set_kernel_timeout(self._sock, socket.SO_RCVTIMEO, self._armed)
            try:
                count = self._sock.recv_into(buffer)
            except BlockingIOError:  # SO_RCVTIMEO ran out: the deadline is looked at again
                continue
            self.received += count
            return count

    def before_write(self, size: int) -> None:
        """About to write ``size`` bytes: past ``SMALL_WRITE``, under a Python timeout (its
        ``sendall`` has one deadline in all; ``SO_SNDTIMEO`` bounds each ``send`` only)."""
        if size > self.SMALL_WRITE:
            self._sock.settimeout(self._write_timeout)


MIN_ARM = 0.05  # seconds: below this, SO_RCVTIMEO is set to the whole time left


def _set_kernel_timeout(sock: socket.socket, option: int, seconds: float) -> None:
    """``SO_RCVTIMEO`` or ``SO_SNDTIMEO`` (a ``timeval``; never 0, which means no limit)."""
    micro = max(1, round(seconds * 1_000_000))
    sock.setsockopt(socket.SOL_SOCKET, option, struct.pack("ll", *divmod(micro, 1_000_000)))


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
