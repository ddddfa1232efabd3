"""skyfn.host.request_body: a request body is read exactly as its framing says (and no
further), bad framing is refused with the right status and error type, oversized bodies are
refused after draining what may be drained, and a stalling client runs out of time."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import Message

import pytest

from skyfn.host.request_body import (
    BadRequest,
    DeadlineSocket,
    KernelDeadlineSocket,
    TooLarge,
    read_body,
)

LIMIT = 100
DISCARD = 1000
NEXT = b"POST /next HTTP/1.1\r\n"  # a pipelined request behind the body: must stay unread


def headers(*pairs: tuple[str, str]) -> Message:
    message = Message()
    for name, value in pairs:
        message[name] = value  # a repeated name adds another header, as on the wire
    return message


def stream(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(data))


def refused(data: bytes, *pairs: tuple[str, str]) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        read_body(stream(data), headers(*pairs), LIMIT, DISCARD)
    return caught.value


# --- Content-Length --------------------------------------------------------------------------


def test_content_length_reads_exactly_the_body() -> None:
    rfile = stream(b'{"a": 1}' + NEXT)
    assert read_body(rfile, headers(("Content-Length", "8")), LIMIT, DISCARD) == b'{"a": 1}'
    assert rfile.read() == NEXT


def test_no_framing_means_an_empty_body() -> None:
    rfile = stream(NEXT)
    assert read_body(rfile, headers(), LIMIT, DISCARD) == b""
    assert rfile.read() == NEXT


def test_repeating_the_same_content_length_is_accepted() -> None:
    pairs = (("Content-Length", "2"), ("Content-Length", " 2"))
    assert read_body(stream(b"{}"), headers(*pairs), LIMIT, DISCARD) == b"{}"


def test_a_body_shorter_than_its_content_length() -> None:
    error = refused(b"{}", ("Content-Length", "10"))
    assert (error.status, error.kind) == (400, "InvalidRequestContentException")
    assert "after 2 of its Content-Length 10 bytes" in error.message


def test_conflicting_content_lengths_are_refused() -> None:
    error = refused(b"{}xx", ("Content-Length", "2"), ("Content-Length", "4"))
    assert (error.status, error.kind) == (400, "BadRequestException")
    assert "conflicting Content-Length" in error.message


@pytest.mark.parametrize("value", ["-1", "+2", "1e2", "0x10", "two", "٣", "9" * 19, ""])
def test_a_content_length_that_is_not_a_byte_count(value: str) -> None:
    error = refused(b"{}", ("Content-Length", value))
    assert (error.status, error.kind) == (400, "BadRequestException")
    assert "is not a byte count" in error.message


def test_a_body_over_the_limit_is_drained_so_the_client_reads_the_answer() -> None:
    rfile = stream(b"x" * 500 + NEXT)
    with pytest.raises(TooLarge) as caught:
        read_body(rfile, headers(("Content-Length", "500")), LIMIT, DISCARD)
    assert (caught.value.status, caught.value.kind) == (413, "RequestEntityTooLargeException")
    assert f"smaller than {LIMIT} bytes" in caught.value.message
    assert rfile.read() == NEXT  # the body was read and dropped


def test_a_body_past_what_may_be_drained_is_not_read_at_all() -> None:
    rfile = stream(b"x" * 5000)
    with pytest.raises(TooLarge):
        read_body(rfile, headers(("Content-Length", "5000")), LIMIT, DISCARD)
    assert len(rfile.read()) == 5000


def test_a_body_of_exactly_the_limit_is_accepted() -> None:
    body = b"y" * LIMIT
    assert read_body(stream(body), headers(("Content-Length", str(LIMIT))), LIMIT, DISCARD) == body


# --- chunked ---------------------------------------------------------------------------------


CHUNKED = ("Transfer-Encoding", "chunked")


def test_chunks_are_joined_and_nothing_after_them_is_read() -> None:
    rfile = stream(b"3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n" + NEXT)
    assert read_body(rfile, headers(CHUNKED), LIMIT, DISCARD) == b"abcdefg"
    assert rfile.read() == NEXT


def test_trailer_fields_after_the_last_chunk_are_skipped() -> None:
    data = b"2\r\n{}\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n" + NEXT
    rfile = stream(data)
    assert read_body(rfile, headers(CHUNKED), LIMIT, DISCARD) == b"{}"
    assert rfile.read() == NEXT


def test_chunked_wins_over_content_length() -> None:
    pairs = (CHUNKED, ("Content-Length", "99"))
    assert read_body(stream(b"2\r\n{}\r\n0\r\n\r\n"), headers(*pairs), LIMIT, DISCARD) == b"{}"


def test_identity_before_chunked_is_accepted() -> None:
    pairs = (("Transfer-Encoding", "identity, chunked"),)
    assert read_body(stream(b"1\r\nz\r\n0\r\n\r\n"), headers(*pairs), LIMIT, DISCARD) == b"z"


@pytest.mark.parametrize("encoding", ["gzip", "chunked, gzip", "gzip, chunked", "br"])
def test_other_transfer_encodings_are_refused(encoding: str) -> None:
    error = refused(b"2\r\n{}\r\n0\r\n\r\n", ("Transfer-Encoding", encoding))
    assert (error.status, error.kind) == (400, "BadRequestException")
    assert "is not supported" in error.message


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"zz\r\nab\r\n0\r\n\r\n", "is not hexadecimal"),
        (b"-2\r\nab\r\n0\r\n\r\n", "is not hexadecimal"),
        (b"0x2\r\nab\r\n0\r\n\r\n", "is not hexadecimal"),
        (b"\r\nab\r\n0\r\n\r\n", "is not hexadecimal"),
        (b"2\r\nabXX0\r\n\r\n", "not followed by CRLF"),
        (b"5\r\nab", "shorter than its size"),
        (b"2\r\nab\r\n", "missing or longer than 1 KB"),
        (b"2" * 2000 + b"\r\n", "missing or longer than 1 KB"),
        (b"2\r\nab\r\n0\r\nX-Trailer: 1", "does not end with an empty line"),
    ],
)
def test_malformed_chunked_bodies_are_refused(data: bytes, what: str) -> None:
    error = refused(data, CHUNKED)
    assert (error.status, error.kind) == (400, "BadRequestException")
    assert error.message.startswith("malformed chunked body") and what in error.message


def test_chunked_over_the_limit_is_drained_then_refused() -> None:
    rfile = stream(b"64\r\n" + b"a" * 100 + b"\r\n32\r\n" + b"b" * 50 + b"\r\n0\r\n\r\n" + NEXT)
    with pytest.raises(TooLarge) as caught:
        read_body(rfile, headers(CHUNKED), LIMIT, DISCARD)
    assert caught.value.status == 413
    assert rfile.read() == NEXT


def test_chunked_past_what_may_be_drained_is_refused_at_once() -> None:
    size = DISCARD + 1
    rfile = stream(b"%x\r\n" % size + b"c" * size + b"\r\n0\r\n\r\n")
    with pytest.raises(TooLarge):
        read_body(rfile, headers(CHUNKED), LIMIT, DISCARD)
    assert len(rfile.read()) == size + len(b"\r\n0\r\n\r\n")  # the chunk was not read


# --- DeadlineSocket over a real socket pair --------------------------------------------------


@pytest.fixture()
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def test_a_body_arriving_in_time_is_read_and_counted(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    raw = DeadlineSocket(server)
    raw.start(5)
    client.sendall(b"7\r\npayload\r\n0\r\n\r\n")
    body = read_body(io.BufferedReader(raw), headers(CHUNKED), LIMIT, DISCARD)
    assert body == b"payload"
    assert raw.received == len(b"7\r\npayload\r\n0\r\n\r\n")


linux_only = pytest.mark.skipif(
    not KernelDeadlineSocket.usable(socket.socket()), reason="kernel socket timeouts: Linux"
)


@pytest.fixture(params=["python", pytest.param("kernel", marks=linux_only)])
def deadline_socket(request: pytest.FixtureRequest) -> Callable[[socket.socket], DeadlineSocket]:
    """Each deadline test runs against both: the Python-timeout socket and the one that
    leaves the socket blocking under kernel timeouts (plain connections on Linux)."""
    if request.param == "kernel":
        return lambda server: KernelDeadlineSocket(server, 5)
    return DeadlineSocket


def test_a_client_that_stops_sending_times_out(
    pair: tuple[socket.socket, socket.socket],
    deadline_socket: Callable[[socket.socket], DeadlineSocket],
) -> None:
    server, client = pair
    raw = deadline_socket(server)
    raw.start(0.2)
    client.sendall(b"half")  # of a 10-byte body, then nothing
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        read_body(io.BufferedReader(raw), headers(("Content-Length", "10")), LIMIT, DISCARD)
    assert time.monotonic() - start < 2


def test_the_deadline_covers_the_whole_request_not_each_read(
    pair: tuple[socket.socket, socket.socket],
    deadline_socket: Callable[[socket.socket], DeadlineSocket],
) -> None:
    """A client sending a byte every 50 ms never waits long on one read, but still runs out."""
    server, client = pair
    stop = threading.Event()

    def trickle() -> None:
        while not stop.is_set():
            try:
                client.send(b"x")
            except OSError:
                return
            time.sleep(0.05)

    sender = threading.Thread(target=trickle)
    raw = deadline_socket(server)
    raw.start(0.3)
    sender.start()
    start = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            read_body(io.BufferedReader(raw, 1), headers(("Content-Length", "80")), LIMIT, DISCARD)
    finally:
        stop.set()
        sender.join()
    assert 0.25 < time.monotonic() - start < 2
    assert 0 < raw.received < 80


def test_a_spent_deadline_refuses_to_read_even_ready_data(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    raw = DeadlineSocket(server)
    raw.start(0)
    client.sendall(b"ready")
    with pytest.raises(TimeoutError):
        raw.read(5)
    raw.start(5)  # a new request gets a new deadline and a new count
    assert raw.read(5) == b"ready"
    assert raw.received == 5


# --- KernelDeadlineSocket: the same deadline, the socket left blocking ------------------------


@linux_only
def test_kernel_deadline_reads_in_time_and_leaves_the_socket_blocking(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    raw = KernelDeadlineSocket(server, 5)
    rfile = io.BufferedReader(raw)
    for _ in range(3):  # request after request on one connection
        raw.start(5)
        client.sendall(b"7\r\npayload\r\n0\r\n\r\n")
        body = read_body(rfile, headers(CHUNKED), LIMIT, DISCARD)
        assert body == b"payload"
        assert raw.received == len(b"7\r\npayload\r\n0\r\n\r\n")
        assert server.gettimeout() is None  # no Python timeout: no poll before each recv


@linux_only
def test_kernel_deadline_a_later_short_deadline_still_holds(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    """A long deadline first, then a short one: the kernel's limit follows it down."""
    server, client = pair
    raw = KernelDeadlineSocket(server, 5)
    raw.start(30)
    client.sendall(b"a")
    assert raw.read(1) == b"a"
    raw.start(0.2)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        raw.read(1)
    assert time.monotonic() - start < 2
    raw.start(0)
    client.sendall(b"ready")
    with pytest.raises(TimeoutError):  # a spent deadline refuses even ready data
        raw.read(5)


@linux_only
def test_kernel_deadline_a_large_answer_is_written_under_a_timeout(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    raw = KernelDeadlineSocket(server, 0.3)
    raw.before_write(KernelDeadlineSocket.SMALL_WRITE)
    assert server.gettimeout() is None
    raw.before_write(KernelDeadlineSocket.SMALL_WRITE + 1)
    assert server.gettimeout() == 0.3
    start = time.monotonic()
    with pytest.raises(OSError):  # TimeoutError: the client reads none of it
        server.sendall(b"x" * (16 * 1024 * 1024))
    assert time.monotonic() - start < 5
    raw.start(5)
    client.sendall(b"next")
    assert raw.read(4) == b"next"  # the next request is read blocking again
    assert server.gettimeout() is None


@linux_only
def test_kernel_deadline_a_small_write_to_a_client_that_never_reads_ends(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    """SO_SNDTIMEO bounds a blocking send once the socket's buffers are full."""
    server, _client = pair
    KernelDeadlineSocket(server, 0.2)
    start = time.monotonic()
    with pytest.raises(OSError):  # BlockingIOError: the send timed out
        for _ in range(10_000):
            server.sendall(b"x" * KernelDeadlineSocket.SMALL_WRITE)
    assert time.monotonic() - start < 5
