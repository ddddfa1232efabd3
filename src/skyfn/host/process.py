"""One worker process: a warm function instance serving one invocation at a time."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

from skyfn.host.environment import WorkerEnvironment
from skyfn.host.fork_server import ForkedProcess, ForkServers, ForkUnavailable, forkable
from skyfn.host.limits import ProcessLimit
from skyfn.host.logs import LogBuffer, LogSink
from skyfn.host.outcome import Outcome, runtime_exited, timed_out
from skyfn.runtime import contract, error_shape, protocol
from skyfn.runtime.lambda_platform import INIT_TIMEOUT, MAX_PAYLOAD
from skyfn.runtime.worker import LAUNCH

LOG_DRAIN = 2.0  # seconds to wait for the last log lines of an invocation
LINE_LIMIT = 64 * 1024  # a longer log line is passed on in pieces of this size
STREAM_LIMIT = 1024 * 1024  # log bytes of one invocation shown on the terminal; the rest dropped
# An answer line carries the result JSON-escaped once more; past this the worker is broken.
ANSWER_LIMIT = 3 * MAX_PAYLOAD
_MARKER_ROOM = 64  # a marker is shorter: never split one between two pieces


class WorkerProcess:
    """One function instance: a ``skyfn.runtime.worker`` process in its own process group
    (and, where available, its own cgroup with a process limit), with a control channel of
    two pipes (requests in, answers out) and two pump threads that route its stdout and
    stderr, line by line, to the current invocation's ``LogBuffer`` and the ``LogSink``.

    One thread owns the worker at a time (the one that acquired it from its pool) and alone
    calls ``start``, ``invoke`` and ``dispose``; so ``_buffered`` (answer bytes read past
    the last line), ``ready`` and the pipe descriptors need no lock. ``kill`` may come from
    any thread (``FunctionPool.close``): it only signals and reaps.

    ``_lock`` guards what the owner and the two pumps share: the current invocation's log
    routing, ``_request_id``, ``_buffer`` and ``_ended`` (set together by ``_begin``, read
    together by a pump for each line), and ``_shown`` (log bytes of this invocation passed
    to the terminal, reset by ``_begin``, counted up by both pumps). ``LogBuffer`` and
    ``LogSink`` lock themselves, so lines are added and written outside ``_lock``. Each
    stream ends an invocation's lines with a marker and ``invoke`` waits for both markers
    (up to ``LOG_DRAIN``) before the next ``_begin``, so a line reaches the invocation that
    printed it unless that wait timed out.
    """

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
        self._sink = sink
        self._lock = threading.Lock()
        self._buffer: LogBuffer | None = None
        self._request_id = protocol.INIT_ID
        self._ended: _Countdown | None = None
        self._buffered = b""
        self._shown = 0  # log bytes of the current invocation shown so far
        self.ready = False
        self.init_logs = LogBuffer()  # what the cold start printed
        self._init_ended = self._begin(protocol.INIT_ID, self.init_logs)
        requests_read, self._requests = os.pipe()
        self._answers, answers_write = os.pipe()
        inherited = [requests_read, answers_write]
        variables = environment.variables
        if environment.handover is not None:  # the function's secrets, read by the host
            secrets_read, secrets_write = os.pipe()
            inherited.append(secrets_read)
            variables = {**variables, contract.SECRETS_FD_VAR: str(secrets_read)}
            # into the pipe now, before the worker exists: its cold start never waits for
            # the host to learn its pid (a large message: from a thread)
            _hand_over(secrets_write, environment.handover)
        self.limit: ProcessLimit | None = None
        try:
            proc: subprocess.Popen[bytes] | ForkedProcess | None = None
            if forks is not None and forkable(environment.variables):
                forked = _forked(forks, environment, variables, inherited)
                if forked is not None:
                    proc, self.limit = forked
            if proc is None:
                self.limit = ProcessLimit.create()
                cgroup = str(self.limit.path) if self.limit else ""
                proc = subprocess.Popen(
                    [
                        environment.python,
                        "-S",  # none of the environment's site-packages: only its own packages
                        "-c",  # not -m: runpy costs the cold start ~4 ms (worker.LAUNCH)
                        LAUNCH,
                        str(requests_read),
                        str(answers_write),
                        cgroup,
                        os.pathsep.join(environment.site_dirs),
                    ],
                    env=variables,
                    cwd=environment.task_root,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=tuple(inherited),
                    start_new_session=True,  # its own process group: killed as a whole
                )
        except BaseException:  # e.g. the function's folder vanished during a reload
            os.close(self._requests)
            os.close(self._answers)
            if self.limit is not None:
                self.limit.remove()
            raise
        finally:
            for fd in inherited:
                os.close(fd)
        self.proc: subprocess.Popen[bytes] | ForkedProcess = proc
        if self.limit is not None and isinstance(proc, subprocess.Popen):
            # first (a blocking system call: other threads run meanwhile), while the worker's
            # interpreter starts; the worker joins itself if this comes too late or fails
            self.limit.add(proc.pid)
        self._pumps = [
            threading.Thread(target=self._pump, args=(stream,), daemon=True)
            for stream in (self.proc.stdout, self.proc.stderr)
        ]
        for pump in self._pumps:
            pump.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    # -- logs ------------------------------------------------------------------------------

    def _pump(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        for raw in _pieces(stream):
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._lock:
                request_id, buffer, ended = self._request_id, self._buffer, self._ended
            marker = protocol.log_marker(request_id)
            if text.endswith(marker):
                text = text[: -len(marker)]
                if text:
                    self._log(request_id, buffer, text)
                if ended is not None:
                    ended.set()
                continue
            self._log(request_id, buffer, text)
        stream.close()

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

    def _begin(self, request_id: str, buffer: LogBuffer) -> threading.Event:
        ended = threading.Event()
        with self._lock:
            self._request_id, self._buffer, self._shown = request_id, buffer, 0
            # one marker per stream (stdout and stderr): count them down
            self._ended = _Countdown(2, ended)
        return ended

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

    def _receive(self, deadline: float) -> protocol.Answer | None:
        """The next answer; ``None`` at EOF (the process exited); TimeoutError at ``deadline``;
        AnswerTooLarge past ``ANSWER_LIMIT`` bytes (never buffered further)."""
        chunks = [self._buffered]
        size = len(self._buffered)
        while b"\n" not in chunks[-1]:
            if size > ANSWER_LIMIT:
                raise AnswerTooLarge(size)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self._answers], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                return None
            chunks.append(chunk)
            size += len(chunk)
        line, _, self._buffered = b"".join(chunks).partition(b"\n")
        return protocol.decode_answer(line)

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
    ) -> Outcome:
        ended = self._begin(request_id, buffer)
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000 + timeout * 1000)
        answer: protocol.Answer | None = None
        try:
            message = protocol.request(
                request_id, event, deadline_ms, arn, client_context, trace_id
            )
            if self._send(message):
                answer = self._receive(started + timeout)
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
        ended.wait(LOG_DRAIN)
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
        """Let the pumps print what the process wrote before it died."""
        for pump in self._pumps:
            pump.join(LOG_DRAIN)

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


def _hand_over(fd: int, message: bytes) -> None:
    """Write the secrets message and close our end (the worker reads to EOF at its cold
    start). A large one is written from a thread, so the caller never waits on the pipe."""

    def write() -> None:
        try:
            view = memoryview(message)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:  # the worker died first: its start reports that
            pass
        finally:
            os.close(fd)

    if len(message) <= select.PIPE_BUF:
        write()
    else:
        threading.Thread(target=write, daemon=True, name="skyfn-secrets").start()


def _forked(
    forks: ForkServers,
    environment: WorkerEnvironment,
    variables: dict[str, str],
    inherited: list[int],
) -> tuple[ForkedProcess, ProcessLimit | None] | None:
    """The worker forked from its interpreter's warm parent, with pipes for its stdout and
    stderr; ``None`` when no parent can fork it (then it is started)."""
    os.stat(environment.task_root)  # a vanished folder fails here, as Popen's cwd would
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    fds = [inherited[0], inherited[1], out_write, err_write, *inherited[2:]]
    try:
        proc, limit = forks.spawn(
            environment.python,
            variables,
            environment.task_root,
            os.pathsep.join(environment.site_dirs),
            fds,
        )
    except ForkUnavailable:
        os.close(out_read)
        os.close(err_read)
        return None
    finally:
        os.close(out_write)
        os.close(err_write)
    proc.stdout = os.fdopen(out_read, "rb")
    proc.stderr = os.fdopen(err_read, "rb")
    return proc, limit


class AnswerTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"answer of more than {size} bytes")
        self.size = size


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """Log lines, a long one in pieces of at most about ``LINE_LIMIT`` bytes (never the whole
    line in memory), keeping a possible end-of-invocation marker in one piece."""
    carry = b""
    while True:
        piece = stream.readline(LINE_LIMIT)
        if not piece:
            if carry:
                yield carry
            return
        data = carry + piece
        if data.endswith(b"\n"):
            carry = b""
            yield data
        else:
            carry = data[-_MARKER_ROOM:]
            if len(data) > _MARKER_ROOM:
                yield data[:-_MARKER_ROOM]


class _Countdown:
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
