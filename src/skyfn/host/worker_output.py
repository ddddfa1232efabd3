"""Reading the workers' stdout and stderr (their logs) without a thread per pipe.

A worker's two output pipes are read, without blocking, by whoever holds the worker at the
time: during an invocation the thread that invokes it reads them beside the answer pipe
(so an invocation's log lines and its end markers cost no thread switch), and between
invocations the host's one ``LogReader`` thread does (a handler's background thread may log
at any time, and a pipe left unread would fill and block it). Each pipe is read under its
own lock, so its lines are routed in order whoever reads.
"""

from __future__ import annotations

import contextlib
import os
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
        reader.unwatch(self)
        with self._lock:
            self._taken = True

    def give_back(self, reader: LogReader) -> None:
        """Back to ``reader`` (between invocations); closed instead once at its end."""
        with self._lock:
            self._taken = False
            if self.ended.is_set():
                self._stream.close()
            else:
                reader.watch(self)

    def close_unless_taken(self) -> None:
        """At its end, read by the ``LogReader``: closed unless an owner took it meanwhile
        (then its ``give_back`` closes it); never while a selector watches it, since its
        descriptor number may be reused at once."""
        with self._lock:
            if not self._taken:
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
    """The host's one thread that reads the output pipes of workers between invocations."""

    _shared: LogReader | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()  # guards the selector's registrations
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
            if pipe.ended.is_set():
                return
            with contextlib.suppress(KeyError, ValueError):  # watched already
                self._selector.register(pipe.fd, selectors.EVENT_READ, pipe)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="skyfn-logs")
                self._thread.start()

    def unwatch(self, pipe: OutputPipe) -> None:
        """Stop reading ``pipe`` here, so its owner may (a read under way finishes first, under
        the pipe's lock). Only ``pipe``'s own registration goes, never a later pipe's that got
        the same descriptor number."""
        with self._lock:
            try:
                key = self._selector.get_key(pipe.fd)
            except (KeyError, ValueError):
                return
            if key.data is pipe:
                self._selector.unregister(pipe.fd)

    def _run(self) -> None:
        # epoll and kqueue see a registration made while they wait; plain poll does not
        again = None if type(self._selector).__name__ in _LIVE_SELECTORS else 0.2
        while True:
            try:
                ready = self._selector.select(again)
            except OSError:  # a descriptor closed meanwhile: look again
                continue
            for key, _ in ready:
                pipe: OutputPipe = key.data
                if not pipe.read_available():
                    self.unwatch(pipe)
                    pipe.close_unless_taken()


_LIVE_SELECTORS = ("EpollSelector", "KqueueSelector", "DevpollSelector")
