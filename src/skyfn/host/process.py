"""One worker process: a warm function instance serving one invocation at a time."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from skyfn.host.answer_poller import AnswerPoller
from skyfn.host.environment import WorkerEnvironment
from skyfn.host.fork_server import ForkedProcess, ForkServers
from skyfn.host.invocation_logs import InvocationLogs
from skyfn.host.logs import LogBuffer, LogSink
from skyfn.host.outcome import Outcome, runtime_exited, timed_out
from skyfn.host.report import peak_memory_mb
from skyfn.host.worker_launch import launch
from skyfn.host.worker_output import LogReader, OutputPipe
from skyfn.runtime import error_shape, protocol
from skyfn.runtime.lambda_platform import INIT_TIMEOUT, MAX_PAYLOAD

LOG_DRAIN = 2.0  # seconds to wait for the last log lines of an invocation
# An answer line carries the result JSON-escaped once more; past this the worker is broken.
ANSWER_LIMIT = 3 * MAX_PAYLOAD
# For this long after a request only its answer is waited for: a quick invocation then wakes
# the host once (its end markers are written before its answer, so they are there by then),
# not once per pipe it wrote to; past it, logs are read as they come (a pipe never fills).
LOGS_LATER = 0.002


class WorkerProcess:
    """One function instance: a ``skyfn.runtime.worker`` process in its own process group
    (and, where available, its own cgroup with a process limit), with a control channel of
    two pipes (requests in, answers out); its stdout and stderr are routed, line by line, to
    the current invocation's ``LogBuffer`` and the ``LogSink`` (``worker_output``: read by
    the owner during an invocation, by the host's ``LogReader`` thread between them).

    One thread owns the worker at a time (the one that acquired it from its pool) and alone
    calls ``start``, ``invoke`` and ``dispose``; so ``_buffered`` (answer bytes read past
    the last line), ``ready`` and the pipe descriptors need no lock. ``kill`` may come from
    any thread (``FunctionPool.close``): it only signals and reaps. What the owner shares
    with the readers of the two output pipes, the current invocation's log routing, is
    ``_logs`` (``invocation_logs.InvocationLogs``), which holds its own lock.
    """

    _peak_kb: int | None = None  # its peak memory, as its last answer gave it
    _invoke_poller: AnswerPoller | None = None  # made by the first invocation
    _running: Callable[[], None] | None = None  # the current invocation's ``running``

    def __init__(
        self,
        name: str,
        environment: WorkerEnvironment,
        sink: LogSink,
        forks: ForkServers | None = None,
    ):
        """``forks``: fork the worker from its interpreter's warm parent where it can be
        (``fork_server.forkable``); without, or when that fails, start it as a process."""
        self.spawned = time.perf_counter()  # the cold start's beginning (Init Duration)
        self.name = name
        self._logs = InvocationLogs(name, sink)
        self._buffered = b""
        self.ready = False
        self.init_logs = LogBuffer()  # what the cold start printed
        self._init_ended = self._logs.begin(protocol.INIT_ID, self.init_logs)
        requests_read, self._requests = os.pipe()
        self._answers, answers_write = os.pipe()
        try:
            self.proc, self.limit = launch(environment, forks, requests_read, answers_write)
        except BaseException:  # e.g. the function's folder vanished during a reload
            os.close(self._requests)
            os.close(self._answers)
            raise
        self._start_logs()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def exited(self) -> bool:
        """Whether it was already seen to exit (no system call: ``alive`` asks the OS)."""
        return self.proc.returncode is not None

    def peak_memory_mb(self) -> int | None:
        """Its peak resident memory so far (REPORT's ``Max Memory Used``), in MB: as its
        last answer said (no read of ``/proc`` per call), else from ``/proc``."""
        if self._peak_kb is not None:
            return math.ceil(self._peak_kb / 1024)
        return peak_memory_mb(self.proc.pid)

    # -- logs ------------------------------------------------------------------------------

    def _start_logs(self) -> None:
        """Route its stdout and stderr; the host's ``LogReader`` reads them until an
        invocation takes them (``_take_logs``)."""
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._reader = LogReader.shared()
        self._pipes = [OutputPipe(s, self._logs.line) for s in (self.proc.stdout, self.proc.stderr)]
        for pipe in self._pipes:
            pipe.give_back(self._reader)

    def _take_logs(self) -> None:
        for pipe in self._pipes:
            pipe.take(self._reader)

    def _give_back_logs(self) -> None:
        for pipe in self._pipes:
            pipe.give_back(self._reader)

    # -- control channel -------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> bool:
        data = protocol.encode(message)
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._requests, view)
                view = view[written:]
        except OSError:  # BrokenPipeError: the worker is gone
            return False
        return True

    def _receive(self, deadline: float, pipes: Sequence[OutputPipe] = ()) -> protocol.Answer | None:
        """The next answer; ``None`` at EOF (the process exited); TimeoutError at ``deadline``;
        AnswerTooLarge past ``ANSWER_LIMIT`` bytes (never buffered further). Meanwhile the
        log lines of ``pipes`` (taken by this thread) are passed on as they come."""
        chunks = [self._buffered]
        size = len(self._buffered)
        poller: AnswerPoller | None = None
        while b"\n" not in chunks[-1]:
            if size > ANSWER_LIMIT:
                raise AnswerTooLarge(size)
            if poller is None:
                poller = self._poller(pipes)
            if not poller.wait(deadline):
                continue
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                return None
            chunks.append(chunk)
            size += len(chunk)
        line, _, self._buffered = b"".join(chunks).partition(b"\n")
        return protocol.decode_answer(line)

    def _poller(self, pipes: Sequence[OutputPipe]) -> AnswerPoller:
        """What ``_receive`` waits with: for invocations, made once per worker."""
        logs_from = time.monotonic() + LOGS_LATER
        if not pipes:
            return AnswerPoller(self._answers, pipes, logs_from)
        if self._invoke_poller is None:
            self._invoke_poller = AnswerPoller(self._answers, pipes, logs_from)
        self._invoke_poller.arm(logs_from, self._running)
        return self._invoke_poller

    def _await_logs(self, ended: threading.Event, deadline: float) -> None:
        """Read the taken pipes until both end markers came (or ``deadline``, or their EOF)."""
        for pipe in self._pipes:  # usually both markers are there already: no wait
            pipe.read_available()
        if ended.is_set():
            return
        poller = AnswerPoller(-1, self._pipes)
        while not ended.is_set() and poller.watching():
            with contextlib.suppress(TimeoutError):
                poller.wait(deadline)
            if time.monotonic() >= deadline:
                return

    def start(self) -> dict[str, Any] | None:
        """Wait for the cold start; ``None`` when ready, else Lambda's error shape."""
        ended = self._init_ended
        try:
            answer = self._receive(time.monotonic() + INIT_TIMEOUT)
        except TimeoutError:
            self.kill()
            return error_shape.build(
                f"Init timed out after {INIT_TIMEOUT:.2f} seconds", error_shape.INIT_TIMEOUT
            )
        if answer is None:
            return runtime_exited(None, self._wait_exit())
        ended.wait(LOG_DRAIN)
        if answer.kind == protocol.INIT_ERROR:
            self.kill()
            return answer.error or {}
        self.ready = True
        if isinstance(self.proc, ForkedProcess) and self.proc.parent is not None:
            self.proc.parent.prepare()  # the next worker's spare, off this cold start's path
        return None

    def invoke(
        self,
        request_id: str,
        event: Any,
        timeout: float,
        arn: str,
        buffer: LogBuffer,
        client_context: Any = None,
        trace_id: str | None = None,
        running: Callable[[], None] | None = None,
    ) -> Outcome:
        """``running``: called once if no answer came ``LOGS_LATER`` into the call."""
        ended = self._logs.begin(request_id, buffer)
        self._peak_kb = None
        self._running = running
        self._take_logs()
        try:
            return self._exchange(
                request_id, event, timeout, arn, buffer, ended, client_context, trace_id
            )
        finally:
            self._give_back_logs()

    def _exchange(
        self,
        request_id: str,
        event: Any,
        timeout: float,
        arn: str,
        buffer: LogBuffer,
        ended: threading.Event,
        client_context: Any,
        trace_id: str | None,
    ) -> Outcome:
        """One request and its answer, with the invocation's logs (read by this thread)."""
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + timeout * 1000)
        answer: protocol.Answer | None = None
        try:
            message = protocol.request(
                request_id, event, deadline_ms, arn, client_context, trace_id
            )
            if self._send(message):
                answer = self._receive(started + timeout, self._pipes)
        except TimeoutError:
            self.kill()
            self._drain()
            return Outcome.failed(timed_out(request_id, timeout), buffer.text())
        except AnswerTooLarge as exc:
            self.kill()
            self._drain()
            shape = error_shape.response_too_large(f"more than {exc.size}", request_id, MAX_PAYLOAD)
            return Outcome.failed(shape, buffer.text())
        if answer is None:
            code = self._wait_exit()
            self._drain()
            return Outcome.failed(runtime_exited(request_id, code), buffer.text())
        self._await_logs(ended, time.monotonic() + LOG_DRAIN)
        self._peak_kb = answer.rss_kb
        if answer.fatal:  # out of memory: the worker exits, as Lambda's instance would
            self.kill()
        if answer.kind == protocol.ERROR:
            return Outcome.failed(answer.error or {}, buffer.text(), request_id)
        body = answer.body if answer.body is not None else answer.payload.encode()
        return Outcome(request_id, body, False, buffer.text())

    # -- ending ----------------------------------------------------------------------------

    def _wait_exit(self) -> int | None:
        try:
            return self.proc.wait(timeout=LOG_DRAIN)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.proc.returncode

    def _drain(self) -> None:
        """Pass on what the process wrote before it died (its pipes read to their end)."""
        self._give_back_logs()
        for pipe in self._pipes:
            pipe.ended.wait(LOG_DRAIN)

    def kill(self) -> None:
        """Kill the worker and everything it started; reap it (no zombie, no orphan).

        Its process group goes first (the worker, its log helper, what it started); then,
        with a process limit, every process left in its cgroup, also those that left the
        group with ``setsid``."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.limit is not None:
            self.limit.kill_all()
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored
            self.proc.wait(timeout=5)

    def dispose(self) -> None:
        """Kill, then close the control pipes: only by the thread that owns the worker."""
        self.kill()
        if self.limit is not None:
            self.limit.remove()
        for fd_name in ("_requests", "_answers"):
            fd = getattr(self, fd_name)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, fd_name, -1)


class AnswerTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"answer of more than {size} bytes")
        self.size = size
