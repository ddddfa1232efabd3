"""Where function logs go: live to the developer's terminal, prefixed with the function and
request id, and into the invocation's own buffer (for ``X-Amz-Log-Type: Tail``)."""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class LogSink:
    def __init__(self, stream: TextIO | None = None, *, prefix: bool = True) -> None:
        self._stream = stream
        self._prefix = prefix
        self._lock = threading.Lock()

    def line(self, function: str, request_id: str, text: str) -> None:
        stream = self._stream or sys.stderr
        shown = f"[{function} {request_id[:8]}] {text}" if self._prefix else text
        with self._lock:
            try:
                stream.write(shown + "\n")
                stream.flush()
            except (OSError, ValueError):  # the terminal went away; keep serving
                pass

    def note(self, text: str) -> None:
        """A message of the host itself (reloads, errors in the definitions)."""
        stream = self._stream or sys.stderr
        with self._lock:
            try:
                stream.write(f"skyfn: {text}\n")
                stream.flush()
            except (OSError, ValueError):
                pass


class LogBuffer:
    """The log lines of one invocation."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        with self._lock:
            self._lines.append(text)

    def text(self) -> str:
        with self._lock:
            return "".join(line + "\n" for line in self._lines)
