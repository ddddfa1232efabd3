"""Mask a local function's own secret values in what it writes, before it leaves the worker.

The worker knows its resolved secrets right after the cold start and hands them to no one.
It forks a small log helper *before* the cold start and points its own fd 1 and 2 at pipes
the helper reads, so everything the function writes is masked on the way out: ``print``,
``logging``, ``os.write``, subprocesses and C extensions alike. The helper is a process,
not a thread, so a crash or ``os._exit`` of the worker loses no log line already written.

A value is replaced by ``****`` wherever it occurs, in every form ``mask_forms`` knows
(as is, ``repr``-, JSON- and URL-escaped, base64; a multi-line value also line by line and
joined by ``\r``), also when written in pieces (the helper
only passes on text up to a line end, or a long stretch without one minus a tail that could
still begin a value; a value longer than that stretch is held back whole). Values shorter
than ``MIN_LENGTH`` characters are not masked: masking ``"1"`` or ``"yes"`` would garble
every log line and hide nothing. The worker's own end-of-invocation markers pass through
untouched; text that merely looks like one is masked like any other.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
from collections.abc import Iterable, Sequence
from typing import Any

from skyfn.runtime.mask_forms import forms

MASK = b"****"
MIN_LENGTH = 4
FLUSH_AT = 64 * 1024  # pass on a line without an end once this much is waiting
# The markers the worker writes (``protocol.log_marker``): its request ids are ``init`` and
# UUIDs, so no secret value can cross or fill one. Anything else that looks like a marker
# is the function's own text, and masked.
_HEX = rb"[0-9a-f]"
REAL_MARKER = re.compile(
    rb"\x1eskyfn-end:(?:init|%s{8}-%s{4}-%s{4}-%s{4}-%s{12})\x1e" % ((_HEX,) * 5)
)


class Masker:
    """Replaces known values in bytes and text; knows nothing until ``learn``."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: list[bytes] = []
        self.learn(values)

    def learn(self, values: Iterable[str]) -> None:
        known = set(self._values)
        for value in values:
            if len(value) >= MIN_LENGTH:
                known.update(forms(value))
        self._values = sorted(known, key=len, reverse=True)  # longest first: no partial masks
        self._multiline = [value for value in self._values if b"\n" in value]
        # only a value holding the separator could cross the edge of a real marker
        self._crosses_markers = any(b"\x1e" in value for value in self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    @property
    def longest(self) -> int:
        return len(self._values[0]) if self._values else 0

    def mask(self, data: bytes) -> bytes:
        for value in self._values:
            data = data.replace(value, MASK)
        return data

    def text(self, text: str) -> str:
        if not self._values or not text:
            return text
        return self.mask(text.encode("utf-8", "surrogateescape")).decode("utf-8", "replace")

    def sequence(self, texts: Sequence[str]) -> list[str]:
        """Consecutive lines of one stream (a log stream's events, one line each), masked
        each as ``text`` does, and a multi-line value spread over several of them whole
        (also its short lines, which are not masked alone)."""
        data = [t.encode("utf-8", "surrogateescape") for t in texts]
        joined = b"\n".join(data)
        spans = sorted(
            (start, start + len(value))
            for value in self._multiline
            for start in _occurrences(joined, value)
        )
        masked: list[str] = []
        offset = 0
        for item in data:
            end = offset + len(item)
            pieces, position = [], offset
            for start, stop in spans:
                start, stop = max(start, position), min(stop, end)
                if start >= stop:
                    continue
                pieces += [self.mask(joined[position:start]), MASK]
                position = stop
            pieces.append(self.mask(joined[position:end]))
            masked.append(b"".join(pieces).decode("utf-8", "replace"))
            offset = end + 1
        return masked

    def value(self, data: Any) -> Any:
        """``data`` (JSON-like: str, list, dict) with every string masked."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self.value(item) for item in data]
        if isinstance(data, dict):
            return {key: self.value(item) for key, item in data.items()}
        return data

    def lines(self, data: bytes) -> bytes:
        """Mask complete log lines, leaving the worker's end-of-invocation markers intact."""
        if not self._values:
            return data
        if b"\x1e" not in data or self._crosses_markers:
            return self.mask(data)
        out, position = [], 0
        for found in REAL_MARKER.finditer(data):
            out.append(self.mask(data[position : found.start()]))
            out.append(found.group())
            position = found.end()
        out.append(self.mask(data[position:]))
        return b"".join(out)

    def safe_cut(self, data: bytes, cut: int) -> int:
        """Move ``cut`` back so that no occurrence of a value straddles it, and, for a value
        that holds a line end, so that no beginning of it is cut off from its rest."""
        while (moved := self._cut_once(data, cut)) != cut:
            cut = moved
        return cut

    def _cut_once(self, data: bytes, cut: int) -> int:
        for value in self._values:
            start = data.find(value, max(0, cut - len(value) + 1))
            if start != -1 and start < cut:
                cut = start
        for value in self._values:
            if b"\n" in value:
                for size in range(min(len(value) - 1, cut), 0, -1):
                    if data.endswith(value[:size], 0, cut):
                        cut -= size
                        break
        return cut


def _occurrences(data: bytes, value: bytes) -> Iterable[int]:
    start = data.find(value)
    while start != -1:
        yield start
        start = data.find(value, start + 1)


class MaskedStream:
    """Bytes in, masked bytes out; holds back only what could still be part of a value."""

    def __init__(self, masker: Masker) -> None:
        self._masker = masker
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        buffer = self._pending + data
        cut = buffer.rfind(b"\n") + 1
        if cut == 0 and len(buffer) >= FLUSH_AT:
            # never below 0: a value longer than FLUSH_AT is held back until it is whole
            cut = max(len(buffer) - max(self._masker.longest - 1, 0), 0)
        cut = self._masker.safe_cut(buffer, cut)
        self._pending = buffer[cut:]
        return self._masker.lines(buffer[:cut])

    def finish(self) -> bytes:
        rest, self._pending = self._pending, b""
        return self._masker.lines(rest)


class HelperMasker(Masker):
    """The worker's masker: what it learns, the log helper process learns too.

    The helper learns before it masks anything written after: ``learn`` returns once the
    values are in the control pipe, and the helper reads that pipe to its end before each
    piece of output it passes on (output written after ``learn`` cannot reach it before the
    values, which were in the pipe first). No round trip: waiting for an answer would cost
    every cold start with secrets a wake-up of another process."""

    def __init__(self, control: int) -> None:
        self._control = control
        super().__init__()

    def learn(self, values: Iterable[str]) -> None:
        """Tell the helper before any user code runs (``write`` returns once it is all
        in the pipe)."""
        values = list(values)
        super().learn(values)
        if not values:
            return
        view = memoryview(json.dumps(values).encode() + b"\n")
        try:
            while view:
                view = view[os.write(self._control, view) :]
        except OSError:  # the helper is gone; the worker's own writes then fail loudly
            pass


def start_helper() -> HelperMasker:
    """Fork the log helper and point this process's fd 1 and 2 at it."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    control_r, control_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: masks out_r/err_r onto the real fd 1/2
        code = 1
        try:
            keep = {1, 2, out_r, err_r, control_r}
            for fd in _open_fds():
                if fd not in keep:
                    _close(fd)  # above all the worker's answer pipe: its EOF tells the host
            _serve({out_r: 1, err_r: 2}, control_r)
            code = 0
        finally:
            os._exit(code)
    for fd in (out_r, err_r, control_r):
        os.close(fd)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.close(out_w)
    os.close(err_w)
    return HelperMasker(control_w)


class PreparedHelper:
    """A log helper forked ahead (by a spare forked worker, before it knows its function):
    ``attach`` hands it this process's fd 1 and 2 and points them at it, as ``start_helper``
    does, without a fork on the cold start's path; ``cancel`` lets it go (a function without
    secrets). It is forked through an intermediate process, so it is no child of the worker
    (no zombie the handler could reap); it stays in the worker's session, process group and
    cgroup, so the host kills it with the worker."""

    def __init__(self) -> None:
        import _socket

        ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        control_r, self.control = os.pipe()
        middle = os.fork()
        if middle == 0:  # the intermediate: forks the helper and is gone
            code = 1
            try:
                if os.fork() == 0:
                    try:
                        # (0, 1 and 2 stay: descriptors received later must not land there)
                        keep = {0, 1, 2, theirs.fileno(), control_r}
                        for fd in _open_fds():
                            if fd not in keep:
                                _close(fd)
                        _serve_when_attached(theirs, control_r)
                    finally:
                        os._exit(0)
                code = 0
            finally:
                os._exit(code)
        os.waitpid(middle, 0)
        theirs.close()
        os.close(control_r)
        self._socket = ours

    def fds(self) -> set[int]:
        """What the worker keeps open for it (when it closes everything else)."""
        return {self._socket.fileno(), self.control}

    def attach(self) -> HelperMasker:
        """Route this process's fd 1 and 2 through the helper (before any user code)."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        routes = _fd_bytes([out_r, err_r, 1, 2])
        self._socket.sendmsg([b"attach"], [(_SOL_SOCKET, _SCM_RIGHTS, routes)])
        self._socket.close()
        for fd in (out_r, err_r):
            os.close(fd)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.close(out_w)
        os.close(err_w)
        return HelperMasker(self.control)

    def cancel(self) -> None:
        self._socket.close()  # EOF: the helper exits
        os.close(self.control)


_SOL_SOCKET, _SCM_RIGHTS = 1, 1  # <sys/socket.h> on Linux (where workers are forked)
_FD_SIZE = 4  # a C int


def _fd_bytes(fds: list[int]) -> bytes:
    import sys

    return b"".join(fd.to_bytes(_FD_SIZE, sys.byteorder, signed=True) for fd in fds)


def _serve_when_attached(sock: Any, control: int) -> None:
    """The prepared helper: wait for the worker's routes (or EOF: not needed), then serve."""
    import sys

    data, ancillary, _, _ = sock.recvmsg(64, 64 + 4 * _FD_SIZE)
    fds = [
        int.from_bytes(payload[i : i + _FD_SIZE], sys.byteorder, signed=True)
        for level, kind, payload in ancillary
        if level == _SOL_SOCKET and kind == _SCM_RIGHTS
        for i in range(0, len(payload) - len(payload) % _FD_SIZE, _FD_SIZE)
    ]
    sock.close()
    if data != b"attach" or len(fds) != 4:
        return
    out_r, err_r, real_out, real_err = fds
    os.dup2(real_out, 1)
    os.dup2(real_err, 2)
    os.close(real_out)
    os.close(real_err)
    _serve({out_r: 1, err_r: 2}, control)


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 1024))


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _serve(routes: dict[int, int], control: int) -> None:
    masker = Masker()
    streams = {source: MaskedStream(masker) for source in routes}
    os.set_blocking(control, False)
    pending = [b""]  # a message not complete yet: its writer is still in ``write``
    open_control = [True]

    def learn() -> None:
        """Everything the worker learned so far, before any output after it is masked."""
        while open_control[0]:
            try:
                data = os.read(control, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                open_control[0] = False
                return
            pending[0] += data
            while b"\n" in pending[0]:
                line, _, pending[0] = pending[0].partition(b"\n")
                masker.learn(str(v) for v in json.loads(line))

    watched = [*routes, control]
    while any(fd in watched for fd in routes):
        readable, _, _ = select.select(watched, [], [])
        learn()
        if not open_control[0] and control in watched:
            watched.remove(control)
        for fd in readable:
            if fd == control:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            learn()  # (what the worker learned before it wrote this is in the pipe now)
            if data:
                _write(routes[fd], streams[fd].feed(data))
            else:
                _write(routes[fd], streams[fd].finish())
                watched.remove(fd)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except OSError:  # the host is gone: nobody reads the logs any more
            return
        view = view[written:]
