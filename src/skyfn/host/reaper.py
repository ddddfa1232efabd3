"""Stops warm workers that waited ``--idle-timeout`` seconds for a call, as Lambda reclaims
idle instances: one thread per host that sleeps until the next expiry (or until a worker
turns idle), never polling."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from skyfn.host.pool import FunctionPool


class Reaper:
    def __init__(self, pools: Callable[[], Iterable[FunctionPool]]) -> None:
        self._pools = pools
        self._cond = threading.Condition()
        self._woken = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._deadline: float | None = None  # when the thread looks next (None: not planned)

    def wake(self) -> None:
        """A worker turned idle: look again (starts the thread on first use). A worker that
        turns idle expires after every idle one (the timeout is the same for all), so when a
        look is already planned the thread is left asleep: no thread switch per call."""
        with self._cond:
            if self._stopped or (self._thread is not None and self._deadline is not None):
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="skyfn-reap")
                self._thread.start()
            self._woken = True
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            thread = self._thread
            self._cond.notify()
        if thread is not None:
            thread.join(5)

    def _run(self) -> None:
        while True:
            upcoming = [when for pool in self._pools() if (when := pool.reap()) is not None]
            with self._cond:
                if self._stopped:
                    return
                self._deadline = min(upcoming) if upcoming else None
                if not self._woken:
                    timeout = None if not upcoming else max(0.0, min(upcoming) - time.monotonic())
                    self._cond.wait(timeout)
                self._woken = False
                self._deadline = None
                if self._stopped:
                    return
