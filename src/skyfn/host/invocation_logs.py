"""Which invocation a worker's log line belongs to: each line of its stdout and stderr goes
to the current invocation's ``LogBuffer`` and, up to a limit, to the terminal (``LogSink``);
the worker's end marker on each stream says the invocation's last line came."""

from __future__ import annotations

import threading

from skyfn.host.logs import LogBuffer, LogSink
from skyfn.runtime import protocol

STREAM_LIMIT = 1024 * 1024  # log bytes of one invocation shown on the terminal; the rest dropped


class InvocationLogs:
    """The log routing of one worker: ``begin`` names the invocation its next lines belong
    to; ``line`` (called by the readers of its stdout and stderr) routes one line.

    ``_lock`` guards what the worker's owner and the readers of the two output pipes share:
    ``_request_id``, ``_buffer``, ``_ended`` and ``_marker`` (set together by ``begin``,
    read together for each line), and ``_shown`` (log bytes of this invocation passed to
    the terminal, reset by ``begin``, counted up for both pipes). ``LogBuffer`` and
    ``LogSink`` lock themselves, so lines are added and written outside ``_lock``. Each
    stream ends an invocation's lines with a marker and ``WorkerProcess.invoke`` reads until
    both markers came (up to ``process.LOG_DRAIN``) before the next ``begin``, so a line
    reaches the invocation that printed it unless that wait timed out.
    """

    def __init__(self, name: str, sink: LogSink) -> None:
        self.name = name
        self._sink = sink
        self._lock = threading.Lock()
        self._buffer: LogBuffer | None = None
        self._request_id = protocol.INIT_ID
        self._ended: Countdown | None = None
        self._marker = protocol.log_marker(protocol.INIT_ID)
        self._shown = 0  # log bytes of the current invocation shown so far

    def begin(self, request_id: str, buffer: LogBuffer) -> threading.Event:
        """Route the next lines to ``request_id``; the event is set once both streams ended
        its lines."""
        ended = threading.Event()
        with self._lock:
            self._request_id, self._buffer, self._shown = request_id, buffer, 0
            self._marker = protocol.log_marker(request_id)
            # one marker per stream (stdout and stderr): count them down
            self._ended = Countdown(2, ended)
        return ended

    def line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        with self._lock:
            request_id, buffer, ended = self._request_id, self._buffer, self._ended
            marker = self._marker
        if text.endswith(marker):
            text = text[: -len(marker)]
            if text:
                self._log(request_id, buffer, text)
            if ended is not None:
                ended.set()
            return
        self._log(request_id, buffer, text)

    def _log(self, request_id: str, buffer: LogBuffer | None, text: str) -> None:
        """To the invocation's buffer (which keeps only its latest lines) and, up to
        ``STREAM_LIMIT`` bytes per invocation, to the terminal."""
        if buffer is not None:
            buffer.add(text)
        with self._lock:
            shown = self._shown
            self._shown += len(text) + 1
        if shown + len(text) + 1 <= STREAM_LIMIT:
            self._sink.line(self.name, request_id, text)
        elif shown <= STREAM_LIMIT:  # once per invocation
            self._sink.line(
                self.name,
                request_id,
                f"[skyfn] more than {STREAM_LIMIT // 1024} KB of logs in this invocation; "
                "the rest is not shown here",
            )


class Countdown:
    """Sets ``event`` after ``count`` calls to ``set`` (one marker per log stream)."""

    def __init__(self, count: int, event: threading.Event) -> None:
        self._count = count
        self._event = event
        self._lock = threading.Lock()

    def set(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count <= 0:
                self._event.set()
