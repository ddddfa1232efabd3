"""host/worker_output.py: a worker's log pipes read as lines by the host's one LogReader
thread between invocations and by the worker's owner during one, on real pipes."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

import pytest

from skyfn.host.worker_output import LINE_LIMIT, LogReader, OutputPipe


class Lines:
    def __init__(self) -> None:
        self.seen: list[bytes] = []
        self.by: list[str] = []

    def __call__(self, raw: bytes) -> None:
        self.seen.append(raw)
        self.by.append(threading.current_thread().name)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 10
        while len(self.seen) < count:
            assert time.monotonic() < deadline, self.seen
            time.sleep(0.005)


@pytest.fixture()
def pipe() -> Iterator[tuple[OutputPipe, int, Lines]]:
    read, write = os.pipe()
    lines = Lines()
    out = OutputPipe(os.fdopen(read, "rb"), lines)
    yield out, write, lines
    with contextlib.suppress(OSError):
        os.close(write)


def test_lines_long_ones_in_pieces_that_keep_a_marker_whole(
    pipe: tuple[OutputPipe, int, Lines],
) -> None:
    out, write, lines = pipe
    marker = b"\x1eskyfn-end:0123456789abcdef\x1e"
    long = b"x" * (LINE_LIMIT * 2 + 10) + marker + b"\n"
    os.write(write, b"one\ntwo\r\n")
    assert out.read_available()
    assert lines.seen == [b"one\n", b"two\r\n"]
    view = memoryview(long)
    while view:  # the pipe holds 64 KB: read as it fills
        view = view[os.write(write, view[:4096]) :]
        out.read_available()
    pieces = lines.seen[2:]
    assert b"".join(pieces) == long and all(len(p) <= LINE_LIMIT for p in pieces)
    assert pieces[-1].endswith(marker + b"\n")
    os.write(write, b"no newline")
    os.close(write)
    while out.read_available():  # what is there first, then the end
        pass
    assert out.ended.is_set() and lines.seen[-1] == b"no newline"


def test_the_reader_thread_reads_between_invocations_the_owner_during_one(
    pipe: tuple[OutputPipe, int, Lines],
) -> None:
    out, write, lines = pipe
    reader = LogReader()
    out.give_back(reader)
    os.write(write, b"idle\n")
    lines.wait_for(1)
    assert lines.by == ["skyfn-logs"]
    out.take(reader)
    os.write(write, b"busy\n")
    time.sleep(0.1)
    assert lines.seen == [b"idle\n"]  # the reader thread no longer reads it
    assert out.read_available() and lines.seen[-1] == b"busy\n"
    assert lines.by[-1] == threading.current_thread().name
    out.give_back(reader)
    os.write(write, b"idle again\n")
    lines.wait_for(3)
    assert lines.by[-1] == "skyfn-logs"


def test_at_its_end_a_pipe_is_closed_and_no_longer_watched(
    pipe: tuple[OutputPipe, int, Lines],
) -> None:
    out, write, _ = pipe
    reader = LogReader()
    out.give_back(reader)
    os.close(write)
    assert out.ended.wait(10)
    deadline = time.monotonic() + 10
    while not out._stream.closed:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert out.fd not in reader._pipes
    out.give_back(reader)  # an owner giving it back after its end: nothing to do
    assert out.fd not in reader._pipes
