"""Reading the workers' stdout and stderr (their logs) without a thread per pipe.

A worker's two output pipes are read, without blocking, by whoever holds the worker at the
time: during an invocation the thread that invokes it reads them beside the answer pipe
(so an invocation's log lines and its end markers cost no thread switch), and between
invocations the host's one ``LogReader`` thread does (a handler's background thread may log
at any time, and a pipe left unread would fill and block it). Each pipe is read under its
own lock, so its lines are routed in order whoever reads.
"""

from __future__ import annotations

import os
import select
import selectors
import threading
from collections.abc import Callable
from typing import IO

LINE_LIMIT = 64 * 1024  # a longer log line is passed on in pieces of this size
MARKER_ROOM = 64  # a marker is shorter: never split one between two pieces
READ_SIZE = 1 << 16


class OutputPipe:
    """One output pipe of a worker: bytes read as they come, passed on as lines (a line
    longer than ``LINE_LIMIT`` in pieces, keeping a possible end marker in one piece), then
    ``on_end`` at EOF, once."""

    def __init__(self, stream: IO[bytes], on_line: Callable[[bytes], None]) -> None:
        self._stream = stream  # kept for closing; read through its descriptor only
        self.fd = stream.fileno()
        os.set_blocking(self.fd, False)  # our end only: the worker's writes still block
        self._on_line = on_line
        self._lock = threading.Lock()
        self._carry = b""
        self._taken = False  # read by the worker's owner, not by the LogReader
        self.ended = threading.Event()  # EOF seen: everything the worker wrote was passed on

    def read_available(self) -> bool:
        """Pass on what the pipe holds now; ``False`` once it reached EOF."""
        with self._lock:
            if self.ended.is_set():
                return False
            while True:
                try:
                    chunk = os.read(self.fd, READ_SIZE)
                except BlockingIOError:
                    return True
                except OSError:  # closed under us: treat as the end
                    chunk = b""
                if not chunk:
                    if self._carry:
                        self._on_line(self._carry)
                        self._carry = b""
                    self.ended.set()
                    return False
                self._split(self._carry + chunk)
                if len(chunk) < READ_SIZE:  # drained (a poll says when more comes)
                    return True

    def take(self, reader: LogReader) -> None:
        """The worker's owner reads this pipe from now on (during an invocation)."""
        with self._lock:
            self._taken = True
        reader.unwatch(self)

    def give_back(self, reader: LogReader) -> None:
        """Back to ``reader`` (between invocations); closed instead once at its end."""
        with self._lock:
            self._taken = False
            if not self.ended.is_set():
                reader.watch(self)
                return
        self.close_if_home(reader)

    def close_if_home(self, reader: LogReader) -> None:
        """At its end: no longer watched, and closed, unless an owner took it meanwhile (its
        ``give_back`` closes it then). Never closed while watched: its descriptor number
        may be reused at once."""
        with self._lock:
            if self._taken:
                return
            reader.unwatch(self)
            self._stream.close()

    def _split(self, data: bytes) -> None:
        start = 0
        while True:
            end = data.find(b"\n", start, start + LINE_LIMIT)
            if end >= 0:
                self._on_line(data[start : end + 1])
                start = end + 1
                continue
            rest = len(data) - start
            if rest <= LINE_LIMIT:
                self._carry = data[start:]
                return
            # a line longer than LINE_LIMIT: pass a piece on, keep room for a marker
            cut = start + LINE_LIMIT - MARKER_ROOM
            self._on_line(data[start:cut])
            start = cut


class LogReader:
    """The host's one thread that reads the output pipes of workers between invocations.

    ``_lock`` guards ``_pipes`` (descriptor -> the pipe watched under it) and the
    registrations of the poller (epoll where there is one: a registration made while the
    thread waits counts at once, and costs one system call per take and give back)."""

    _shared: LogReader | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        self._selector = selectors.DefaultSelector() if self._epoll is None else None
        self._pipes: dict[int, OutputPipe] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @classmethod
    def shared(cls) -> LogReader:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def watch(self, pipe: OutputPipe) -> None:
        """Read ``pipe`` from now on, until ``unwatch`` or its EOF."""
        with self._lock:
            if pipe.ended.is_set() or pipe.fd in self._pipes:
                return
            self._pipes[pipe.fd] = pipe
            if self._epoll is not None:
                self._epoll.register(pipe.fd, select.EPOLLIN)
            else:
                assert self._selector is not None
                self._selector.register(pipe.fd, selectors.EVENT_READ)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="skyfn-logs")
                self._thread.start()

    def unwatch(self, pipe: OutputPipe) -> None:
        """Stop reading ``pipe`` here, so its owner may (a read under way finishes first, under
        the pipe's lock). Only ``pipe``'s own registration goes, never a later pipe's that got
        the same descriptor number."""
        with self._lock:
            if self._pipes.get(pipe.fd) is not pipe:
                return
            del self._pipes[pipe.fd]
            if self._epoll is not None:
                self._epoll.unregister(pipe.fd)
            else:
                assert self._selector is not None
                self._selector.unregister(pipe.fd)

    def _ready(self) -> list[int]:
        if self._epoll is not None:
            return [fd for fd, _ in self._epoll.poll()]
        assert self._selector is not None  # plain poll: a new registration needs a new look
        return [key.fd for key, _ in self._selector.select(_LOOK_AGAIN)]

    def _run(self) -> None:
        while True:
            try:
                ready = self._ready()
            except OSError:  # interrupted: look again
                continue
            for fd in ready:
                with self._lock:
                    pipe = self._pipes.get(fd)
                if pipe is not None and not pipe.read_available():
                    pipe.close_if_home(self)


_LOOK_AGAIN = 0.2  # seconds, where registrations are not seen by a waiting poll
