"""The instances of one function: one invocation at a time per worker, up to a limit of
workers at once, idle ones kept warm and reused, all of them replaced on ``recycle``."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from skyfn.host.environment import WorkerEnvironment
from skyfn.host.fork_server import ForkServers
from skyfn.host.logs import LogBuffer, LogSink
from skyfn.host.outcome import Outcome, stopped
from skyfn.host.process import WorkerProcess
from skyfn.host.report import report_line
from skyfn.host.request_ids import new_request_id
from skyfn.model import Function
from skyfn.runtime.lambda_platform import LATEST


def trace_id() -> str:
    """An X-Ray trace header as Lambda puts in ``_X_AMZN_TRACE_ID`` (not sampled). Its ids
    are not secrets: drawn from ``random`` (no system call per invocation)."""
    root = f"1-{int(time.time()):08x}-{random.getrandbits(96):024x}"
    return f"Root={root};Parent={random.getrandbits(64):016x};Sampled=0"


class HostClosed(RuntimeError):
    """The host is shutting down: no new invocations."""


class AtCapacity(RuntimeError):
    """Every worker of the function is busy and the caller may not wait (a call from
    another function: waiting could deadlock a cycle, A calls B calls A)."""


@dataclass(frozen=True)
class LastCall:
    """The latest finished invocation of a function (what the console shows)."""

    at: datetime
    duration_ms: float
    cold: bool
    error: bool
    request_id: str
    payload: bytes


@dataclass(frozen=True)
class PoolStatus:
    idle: int  # warm workers waiting for a call
    busy: int  # workers serving a call now
    started: int  # cold starts so far
    last: LastCall | None


class FunctionPool:
    """The instances (worker processes) of one function, as Lambda's concurrency gives them.

    Each worker serves one invocation at a time and at most ``max_workers`` are busy at once
    (an invocation past that waits for one to be released); an idle worker is reused warm.
    The thread that acquires a worker owns it until it releases it: only that thread starts,
    invokes or disposes it (``close`` may ``kill`` it from another thread; the owner then
    sees the exit). ``recycle`` retires every worker of the current generation (idle ones at
    once, busy ones when released); ``close`` refuses further invocations (``HostClosed``)
    and kills every worker, busy ones included.

    ``_cond`` (a condition on its own lock) guards ``_idle``, ``_busy`` (worker -> the
    generation it was acquired in), ``_generation``, ``_closed``, ``started`` and writes of
    ``function``; it is notified when a worker is released or the pool closes, which is what
    a waiting ``_acquire`` waits for. ``function`` is read under ``_cond`` once per
    invocation, in ``_acquire``, so an invocation and the worker it starts use one definition
    even while ``recycle`` installs a new one; ``function.name`` is read unlocked (a pool's
    name never changes). A new worker's environment is built and its process spawned under
    ``_cond`` (``Popen`` returns at once); waiting for its cold start, invoking, disposing and
    killing happen outside it. ``started`` may be read unlocked (a counter, for tests).
    """

    def __init__(
        self,
        function: Function,
        environment: Callable[[Function], WorkerEnvironment],
        arn: str,
        sink: LogSink,
        max_workers: int = 4,
        idle_timeout: float | None = None,
        on_idle: Callable[[], None] | None = None,
        on_failure: Callable[[Function, Outcome], None] | None = None,
        forks: ForkServers | None = None,
    ) -> None:
        """``idle_timeout``: seconds a warm worker may wait for a call before ``reap`` stops
        it (``None``: kept until recycled); ``on_idle``: called when a worker turns idle
        (wakes the host's reaper); ``on_failure``: told of each failed invocation;
        ``forks``: the host's warm parents, which fork new workers (``None``: started)."""
        self.function = function
        self._environment = environment
        self._arn = arn
        self._sink = sink
        self._max = max_workers
        self._cond = threading.Condition()
        self._idle: list[WorkerProcess] = []
        self._idle_since: dict[WorkerProcess, float] = {}  # monotonic time it turned idle
        self._idle_timeout = idle_timeout
        self._on_idle = on_idle
        self._on_failure = on_failure
        self._forks = forks
        self.last: LastCall | None = None
        self._busy: dict[WorkerProcess, int] = {}  # worker -> generation it started in
        self._generation = 0
        self._closed = False
        self.started = 0  # how many workers this pool has started (cold starts)

    def workers(self) -> list[WorkerProcess]:
        with self._cond:
            return [*self._idle, *self._busy]

    def status(self) -> PoolStatus:
        with self._cond:
            return PoolStatus(len(self._idle), len(self._busy), self.started, self.last)

    def reap(self, now: float | None = None) -> float | None:
        """Stop warm workers idle for ``idle_timeout`` or longer; return when the next one
        expires (monotonic), or ``None`` when none is idle."""
        if self._idle_timeout is None:
            return None
        now = time.monotonic() if now is None else now
        with self._cond:
            expired = [w for w in self._idle if now - self._idle_since[w] >= self._idle_timeout]
            for worker in expired:
                self._idle.remove(worker)
                del self._idle_since[worker]
            upcoming = [since + self._idle_timeout for since in self._idle_since.values()]
        for worker in expired:
            worker.dispose()
        return min(upcoming, default=None)

    def invoke(
        self,
        event: Any,
        request_id: str | None = None,
        qualifier: str | None = None,
        client_context: Any = None,
        wait: bool = True,
    ) -> Outcome:
        """One invocation; ``qualifier`` (``$LATEST``, an alias or a version) is appended to
        the invoked ARN, ``client_context`` (decoded) reaches ``context.client_context``;
        without ``wait``, ``AtCapacity`` when every worker is busy."""
        outcome = self._invoke(event, request_id, qualifier, client_context, wait)
        if outcome.error and self._on_failure is not None:
            self._on_failure(self.function, outcome)
        return outcome

    def _invoke(
        self,
        event: Any,
        request_id: str | None,
        qualifier: str | None,
        client_context: Any,
        wait: bool,
    ) -> Outcome:
        request_id = request_id or new_request_id()
        arn = f"{self._arn}:{qualifier}" if qualifier else self._arn
        worker, fresh, function = self._acquire(wait)
        keep = False
        at = datetime.now(UTC)  # when, for the console; durations come from perf_counter
        try:
            buffer = LogBuffer()
            init_ms: float | None = None
            if fresh:
                error = worker.start()
                # from the process's creation (a fork, or an interpreter's start) to ready
                init_ms = (time.perf_counter() - worker.spawned) * 1000
                for line in worker.init_logs.text().splitlines():
                    buffer.add(line)
                if error is not None:
                    shape = {**error, "requestId": request_id}
                    failed = replace(
                        Outcome.failed(shape, buffer.text(), request_id),
                        cold=True,
                        duration_ms=init_ms,
                    )
                    self.last = LastCall(at, init_ms, True, True, request_id, failed.payload)
                    return failed
            self._start_line(buffer, request_id)
            started = time.perf_counter()
            try:
                outcome = worker.invoke(
                    request_id,
                    event,
                    float(function.timeout_seconds),
                    arn,
                    buffer,
                    client_context=client_context,
                    trace_id=trace_id(),
                    running=lambda: self._sink.show_begun(request_id),
                )
            except BaseException:
                self._sink.show_begun(request_id)
                raise
            if outcome.error and self._closed and not worker.alive():  # close() killed it
                outcome = Outcome.failed(stopped(request_id), outcome.logs, request_id)
            took = (time.perf_counter() - started) * 1000
            peak = worker.peak_memory_mb()
            self._lambda_lines(
                buffer,
                request_id,
                f"END RequestId: {request_id}",
                report_line(request_id, took, function.memory_mb, peak, init_ms),
            )
            # after an answer the worker is alive unless seen to exit (no wait4 per call);
            # one that exits later, while idle, is found by the next _acquire
            keep = worker.alive() if outcome.error else not worker.exited()
            self.last = LastCall(at, took, fresh, outcome.error, request_id, outcome.payload)
            return Outcome(
                outcome.request_id, outcome.payload, outcome.error, buffer.text(), fresh, took
            )
        finally:
            self._release(worker, keep)

    def _start_line(self, buffer: LogBuffer, request_id: str) -> None:
        """``START``: on the terminal with the call's first log line or its ``END`` (one
        write for a quick call), or once the call runs on (``running``)."""
        text = f"START RequestId: {request_id} Version: {LATEST}"
        buffer.add(text)
        self._sink.begin(self.function.name, request_id, text)

    def _lambda_lines(self, buffer: LogBuffer, request_id: str, *texts: str) -> None:
        for text in texts:
            buffer.add(text)
        self._sink.lines(self.function.name, request_id, texts)

    def _acquire(self, wait: bool = True) -> tuple[WorkerProcess, bool, Function]:
        """A worker to own (and whether it is new, so not started yet), and the definition
        it runs; waits while ``max_workers`` are busy (``AtCapacity`` without ``wait``);
        ``HostClosed`` once closed."""
        stale: list[WorkerProcess] = []
        try:
            with self._cond:
                while True:
                    if self._closed:
                        raise HostClosed(f"the host is stopping; {self.function.name} not invoked")
                    while self._idle:
                        worker = self._idle.pop()
                        self._idle_since.pop(worker, None)
                        if worker.alive():
                            self._busy[worker] = self._generation
                            return worker, False, self.function
                        stale.append(worker)
                    if len(self._busy) < self._max:
                        worker = WorkerProcess(
                            self.function.name,
                            self._environment(self.function),
                            self._sink,
                            self._forks,
                        )
                        self.started += 1
                        self._busy[worker] = self._generation
                        return worker, True, self.function
                    if not wait:
                        raise AtCapacity(
                            f"all {self._max} instances of {self.function.name} are busy"
                        )
                    self._cond.wait()
        finally:
            for worker in stale:
                worker.dispose()

    def _release(self, worker: WorkerProcess, keep: bool) -> None:
        with self._cond:
            generation = self._busy.pop(worker, None)
            keep = keep and not self._closed and generation == self._generation
            if keep:
                self._idle.append(worker)
                self._idle_since[worker] = time.monotonic()
            self._cond.notify()
        if not keep:
            worker.dispose()
        elif self._on_idle is not None:
            self._on_idle()

    def recycle(self, function: Function | None = None) -> None:
        """New code, definition or secrets: idle workers go now, busy ones when they finish."""
        with self._cond:
            if function is not None:
                self.function = function
            self._generation += 1
            idle, self._idle = self._idle, []
            self._idle_since.clear()
        for worker in idle:
            worker.dispose()

    def close(self) -> None:
        """Stop every worker, busy ones included; later invocations are refused."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._idle_since.clear()
            busy = list(self._busy)
            self._cond.notify_all()
        for worker in idle:
            worker.dispose()
        for worker in busy:
            worker.kill()  # its invoking thread sees the exit and disposes it
