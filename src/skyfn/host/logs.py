"""Where function logs go: live to the developer's terminal, prefixed with the function and
request id, and into the invocation's own buffer (for ``X-Amz-Log-Type: Tail``)."""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TextIO

# function ("" for the host's own notes), request id, the line as the terminal gets it
Listener = Callable[[str, str, str], None]

KEEP_BYTES = 256 * 1024  # what an invocation's buffer keeps: its latest log lines


class LogSink:
    def __init__(self, stream: TextIO | None = None, *, prefix: bool = True) -> None:
        self._stream = stream
        self._prefix = prefix
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        # ``begin`` lines not on the terminal yet: request id -> (function, text); under _lock
        self._begun: dict[str, tuple[str, str]] = {}

    def subscribe(self, listener: Listener) -> None:
        """Also give every line to ``listener`` (the console's live log)."""
        self._listeners.append(listener)

    def line(self, function: str, request_id: str, text: str) -> None:
        self.lines(function, request_id, (text,))

    def begin(self, function: str, request_id: str, text: str) -> None:
        """An invocation's first line (``START``): listeners get it now, the terminal with
        the invocation's next lines (its first log line, or ``END`` and ``REPORT``) in one
        write, or at ``show_begun`` (a call still running): one write per quick call."""
        for listener in self._listeners:
            listener(function, request_id, text)
        with self._lock:
            self._begun[request_id] = (function, text)

    def show_begun(self, request_id: str) -> None:
        """The line ``begin`` kept back, to the terminal now (if not shown yet)."""
        self._write([], request_id)

    def lines(self, function: str, request_id: str, texts: Iterable[str]) -> None:
        """Several lines of one invocation, written to the terminal at once (one write),
        after its ``begin`` line when that is still kept back."""
        prefix = self._prefix_of(function, request_id)
        shown = []
        for text in texts:
            for listener in self._listeners:
                listener(function, request_id, text)
            shown.append(f"{prefix}{text}\n")
        self._write(shown, request_id)

    def _prefix_of(self, function: str, request_id: str) -> str:
        return f"[{function} {request_id[:8]}] " if self._prefix else ""

    def _write(self, shown: list[str], begun_of: str | None = None) -> None:
        """``shown`` in one write; first the ``begin`` line of ``begun_of`` if kept back."""
        stream = self._stream or sys.stderr
        with self._lock:
            if begun_of is not None and self._begun:
                begun = self._begun.pop(begun_of, None)
                if begun is not None:
                    shown.insert(0, f"{self._prefix_of(begun[0], begun_of)}{begun[1]}\n")
            if not shown:
                return
            try:
                stream.write("".join(shown))
                stream.flush()
            except (OSError, ValueError):  # the terminal went away; keep serving
                pass

    def note(self, text: str) -> None:
        """A message of the host itself (reloads, errors in the definitions)."""
        for listener in self._listeners:
            listener("", "", text)
        stream = self._stream or sys.stderr
        with self._lock:
            try:
                stream.write(f"skyfn: {text}\n")
                stream.flush()
            except (OSError, ValueError):
                pass


class LogBuffer:
    """The latest log lines of one invocation, at most ``limit`` bytes (a function that logs
    100 MB keeps only its tail here; ``X-Amz-Log-Type: Tail`` wants the last 4 KB)."""

    def __init__(self, limit: int = KEEP_BYTES) -> None:
        self._lines: deque[str] = deque()
        self._size = 0
        self._dropped = 0
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        with self._lock:
            self._lines.append(text)
            self._size += len(text) + 1
            while self._size > self._limit and len(self._lines) > 1:
                dropped = self._lines.popleft()
                self._size -= len(dropped) + 1
                self._dropped += len(dropped) + 1

    def text(self) -> str:
        with self._lock:
            head = (
                f"[skyfn: {self._dropped} earlier bytes of logs not kept]\n"
                if self._dropped
                else ""
            )
            return head + "".join(line + "\n" for line in self._lines)
