"""The live log for the console: every line the terminal gets (already masked by the
workers), numbered, the latest ``KEEP`` kept, and a way to wait for new ones (server-sent
events). Lines are added from the workers' pump threads; readers wait on a condition."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

KEEP = 2000  # lines a newly opened Logs page sees
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle stream


class LogLine(NamedTuple):  # made for every line: a tuple is the cheapest record
    seq: int
    at: float  # time.time()
    function: str  # "" for the host's own notes
    request_id: str
    text: str

    def fields(self) -> dict[str, object]:
        """What the Logs page shows of the line (the page as served and the stream alike)."""
        return {
            "seq": self.seq,
            "at": time.strftime("%H:%M:%S", time.localtime(self.at)),
            "function": self.function,
            "request": self.request_id[:8],
            "text": self.text,
        }

    def as_json(self) -> str:
        return json.dumps(self.fields())


class LiveLog:
    def __init__(self, keep: int = KEEP) -> None:
        self._lines: deque[LogLine] = deque(maxlen=keep)
        self._seq = 0
        self._cond = threading.Condition()
        self._closed = False
        self._waiting = 0  # streams waiting for a line (under _cond)

    def add(self, function: str, request_id: str, text: str) -> None:
        with self._cond:
            self._seq += 1
            self._lines.append(LogLine(self._seq, time.time(), function, request_id, text))
            if self._waiting:  # most lines come while no Logs page is open
                self._cond.notify_all()

    def kept(self) -> list[LogLine]:
        """Every kept line, oldest first (the Logs page serves them; the stream goes on after)."""
        with self._cond:
            return list(self._lines)

    def after(self, seq: int) -> list[LogLine]:
        with self._cond:
            return [line for line in self._lines if line.seq > seq]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def stream(self, last_seen: int = 0, heartbeat: float = HEARTBEAT) -> Iterator[bytes]:
        """Server-sent events: the kept lines after ``last_seen``, then each new one as it
        comes; a comment every ``heartbeat`` seconds (so a closed tab is noticed)."""
        seen = last_seen
        yield b"retry: 2000\n\n"
        while True:
            with self._cond:
                if self._closed:
                    return
                if not self._lines or self._lines[-1].seq <= seen:
                    self._waiting += 1
                    try:
                        self._cond.wait(heartbeat)
                    finally:
                        self._waiting -= 1
                fresh = [line for line in self._lines if line.seq > seen]
            if not fresh:
                yield b": keep-alive\n\n"
                continue
            for line in fresh:
                yield f"id: {line.seq}\ndata: {line.as_json()}\n\n".encode()
            seen = fresh[-1].seq
