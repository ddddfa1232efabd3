"""``Event`` (asynchronous) invocations of one function: held in a bounded queue and run by a
few threads of their own, as Lambda queues them before its instances take them.

Bounded by count and by bytes (the request bodies, kept as received and decoded only when
run), so a burst of events cannot grow the sandbox without limit: ``put`` past either cap
says why, and the Invoke API answers 429 as Lambda does when it throttles. At most
``runners`` events run at once, fewer than the function's workers, so an ordinary call
always finds a worker that no queued event can take: it waits for other ordinary calls at
most, never behind the queue.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

MAX_QUEUED_EVENTS = 1000  # per function, waiting or running
MAX_QUEUED_BYTES = 32 * 1024 * 1024  # per function: the bodies of those events


@dataclass(frozen=True)
class QueuedEvent:
    payload: bytes  # the request body (JSON, already checked)
    request_id: str


def runners_for(max_workers: int) -> int:
    """How many events of one function run at once: half its workers (at least one), so
    the other half always remains for ordinary calls."""
    return max(1, max_workers // 2)


class EventQueue:
    """One function's queued events, run in order by at most ``runners`` threads, each of
    which exits when the queue is empty (no thread waits idle).

    ``_lock`` guards ``_events``, ``_bytes``, ``_held`` (events accepted and not finished:
    queued or running), ``_running`` (the runner threads) and ``_closed``.
    """

    def __init__(
        self,
        run: Callable[[QueuedEvent], None],
        runners: int,
        max_events: int = MAX_QUEUED_EVENTS,
        max_bytes: int = MAX_QUEUED_BYTES,
        name: str = "event",
    ) -> None:
        """``run``: runs one event (and logs what became of it); it must not raise."""
        self._run = run
        self._runners = runners
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._name = name
        self._lock = threading.Lock()
        self._events: deque[QueuedEvent] = deque()
        self._held = 0
        self._bytes = 0
        self._running: set[threading.Thread] = set()
        self._closed = False

    def put(self, event: QueuedEvent) -> str | None:
        """Queue ``event``; ``None`` when queued, else why not (the queue is full)."""
        size = len(event.payload)
        with self._lock:
            if self._closed:
                return f"the sandbox is stopping; {self._name} not invoked"
            if self._held >= self._max_events:
                return (
                    f"{self._held} asynchronous invocations of {self._name} are queued or "
                    f"running, the sandbox's limit ({self._max_events}); retry later"
                )
            if self._bytes + size > self._max_bytes:
                return (
                    f"the queued asynchronous invocations of {self._name} hold "
                    f"{self._bytes} bytes; this one ({size} bytes) would pass the sandbox's "
                    f"limit of {self._max_bytes}; retry later"
                )
            self._events.append(event)
            self._held += 1
            self._bytes += size
            if len(self._running) < self._runners:
                thread = threading.Thread(
                    target=self._drain, daemon=True, name=f"events-{self._name}"[:40]
                )
                self._running.add(thread)
                thread.start()  # under the lock: ``close`` never joins an unstarted thread
        return None

    def held(self) -> tuple[int, int]:
        """Events queued or running, and their bytes."""
        with self._lock:
            return self._held, self._bytes

    def _drain(self) -> None:
        me = threading.current_thread()
        while True:
            with self._lock:
                if not self._events or self._closed:
                    self._running.discard(me)
                    return
                event = self._events.popleft()
            try:
                self._run(event)
            finally:
                with self._lock:
                    self._held -= 1
                    self._bytes -= len(event.payload)

    def close(self, timeout: float = 5.0) -> list[QueuedEvent]:
        """Run nothing more; wait (up to ``timeout`` each) for the running ones, which the
        closed pool ends; return the events that never ran."""
        with self._lock:
            self._closed = True
            dropped = list(self._events)
            self._events.clear()
            self._held -= len(dropped)
            self._bytes -= sum(len(e.payload) for e in dropped)
            running = list(self._running)
        for thread in running:
            thread.join(timeout)
        return dropped
