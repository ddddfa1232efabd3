"""Waiting for a worker's answer without letting its log pipes fill: one ``poll`` over the
answer pipe and the output pipes the waiting thread took, each log line passed on as it
comes; for a moment after a request the answer alone is waited for (``arm``), so a quick
invocation wakes the host once."""

from __future__ import annotations

import math
import select
import time
from collections.abc import Callable, Sequence
from typing import Any

from skyfn.host.worker_output import OutputPipe


class AnswerPoller:
    """Waits for an answer on ``answers`` (``-1``: none) while passing on the log lines of
    ``pipes`` as they come (``poll``, not ``select``: descriptors past 1024 are fine)."""

    def __init__(
        self, answers: int, pipes: Sequence[OutputPipe], logs_from: float | None = None
    ) -> None:
        """``logs_from``: until then (monotonic), wait for the answer alone."""
        self._answers = answers
        self._poll = select.poll()
        self._pipes = {p.fd: p for p in pipes if not p.ended.is_set()}
        for fd in [answers, *self._pipes] if answers >= 0 else list(self._pipes):
            self._poll.register(fd, select.POLLIN)
        self._answer_only: Any = None
        self._logs_from: float | None = None
        self._running: Callable[[], None] | None = None
        if logs_from is not None and answers >= 0:
            self._answer_only = select.poll()
            self._answer_only.register(answers, select.POLLIN)
            self._logs_from = logs_from

    def arm(self, logs_from: float, running: Callable[[], None] | None = None) -> None:
        """A new request: its answer alone is waited for until ``logs_from``; then
        ``running`` is called (the call runs on)."""
        self._logs_from = logs_from
        self._running = running

    def watching(self) -> bool:
        return bool(self._pipes)

    def wait(self, deadline: float) -> bool:
        """Whether the answer pipe is readable (its EOF included); TimeoutError at
        ``deadline``; logs that came meanwhile passed on."""
        now = time.monotonic()
        remaining = deadline - now
        if remaining <= 0:
            raise TimeoutError
        if self._logs_from is not None:
            quiet = min(remaining, self._logs_from - now)
            if quiet > 0 and self._answer_only.poll(math.ceil(quiet * 1000)):
                return True
            self._logs_from = None
            running, self._running = self._running, None
            if running is not None:
                running()
        answer = False
        for fd, _ in self._poll.poll(math.ceil(remaining * 1000)):
            pipe = self._pipes.get(fd)
            if pipe is None:
                answer = answer or fd == self._answers
            elif not pipe.read_available():  # its end: nothing more to wait for there
                self._poll.unregister(fd)
                del self._pipes[fd]
        return answer
