"""The server's connection cap: at most ``max_connections`` connections served at once (a
thread each), the console's live log streams among them (at most a quarter: they stay open
as long as their page does). A connection past the cap waits in the listening socket's
queue until one closes; while one waits, connections that sit idle (no byte of a request
yet) are closed to make room."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Callable, Iterator

STREAM_SHARE = 4  # at most 1/STREAM_SHARE of them may be live log streams
EVICT_EVERY = 0.05  # seconds between looks for idle connections while a client waits


class ConnectionSlots:
    """``_lock`` guards ``_waiting`` (connections waiting for a request, each with whether
    it is still idle: no byte yet) and ``_streams`` (live streams open)."""

    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self.max_streams = max(1, max_connections // STREAM_SHARE)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._waiting: dict[socket.socket, Callable[[], bool]] = {}
        self._streams = 0

    def acquire(self, stopping: threading.Event) -> None:
        """Take a slot; while none is free, close idle connections for room. OSError once
        ``stopping`` is set."""
        while not self._slots.acquire(timeout=EVICT_EVERY):
            if stopping.is_set():
                raise OSError("the server is stopping")
            self._evict_idle()

    def release(self) -> None:
        self._slots.release()

    @contextlib.contextmanager
    def waiting(self, connection: socket.socket, idle: Callable[[], bool]) -> Iterator[None]:
        """While the block runs, ``connection`` waits for a request; ``idle()`` says whether
        it has sent nothing of one yet (then it may be closed to make room)."""
        with self._lock:
            self._waiting[connection] = idle
        try:
            yield
        finally:
            with self._lock:
                self._waiting.pop(connection, None)

    def _evict_idle(self) -> None:
        with self._lock:  # held while shutting down: no connection is closed meanwhile
            for connection, idle in list(self._waiting.items()):
                if idle() and not _readable(connection):
                    with contextlib.suppress(OSError):  # its thread then reads the end
                        socket.socket.shutdown(connection, socket.SHUT_RDWR)
                    del self._waiting[connection]

    def stream_opened(self) -> bool:
        """Count one more live stream; ``False`` (and nothing counted) past ``max_streams``."""
        with self._lock:
            if self._streams >= self.max_streams:
                return False
            self._streams += 1
            return True

    def stream_closed(self) -> None:
        with self._lock:
            self._streams -= 1


def _readable(connection: socket.socket) -> bool:
    """Whether something the connection sent waits unread (then it is not idle)."""
    try:
        return bool(select.select([connection], [], [], 0)[0])
    except (OSError, ValueError):  # closed meanwhile
        return True
