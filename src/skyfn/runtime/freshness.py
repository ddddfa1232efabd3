"""Secrets that change without a redeploy: re-read lazily, on the calling thread.

After the cold start, each secret whose store can be read again has a due time (its
``max_age`` after it was read). ``EnvReader.secret`` calls ``check(key)`` before reading the
variable: while the secret is fresh that is one dict lookup and one clock read. The first
read after the due time refreshes that secret and every other due one in one batched round
(``skyfn.runtime.secrets.resolve``: ⌈n/10⌉ GetParameters for SSM), updates ``os.environ``
and tells the listeners (the local worker's log masker). No timer, no thread: nothing runs
between invocations.

A failed refresh keeps serving the last values (stale-if-error), writes one warning to
stderr naming the secrets (never a value), and waits a back-off before trying again.
``refresh()`` (public as ``skyfn.runtime.refresh_secrets``) re-reads every secret now.
"""

from __future__ import annotations

import os
import sys
from _thread import allocate_lock
from time import monotonic

from skyfn.runtime.errors import SkyfnRuntimeError

TYPE_CHECKING = False  # typing and collections are not imported on the cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from skyfn.runtime.secrets import Wanted

    Listener = Callable[[Mapping[str, str]], None]

BACKOFF_FIRST = 5.0  # seconds before the first retry of a failed refresh
BACKOFF_CAP = 60.0  # doubling up to this

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Call ``listener(values)`` with the env name → value of every refreshed secret."""
    _listeners.append(listener)


class Tracker:
    """The refreshable secrets of this process: paths, ages, due times, last good values."""

    def __init__(self, spec: Mapping[str, Sequence[str]], wanted: Wanted, now: float) -> None:
        self.wanted = wanted
        self.spec = {key: list(paths) for key, paths in spec.items()}
        self.due: dict[str, float] = {}
        for key in self.spec:
            age = wanted.ages.get(key)
            if age is not None:
                self.due[key] = now + age
        self.failures = 0
        self.lock = allocate_lock()

    def refresh_due(self) -> None:
        """Refresh every due secret, unless another thread is at it (it then serves the
        cached values: a read never waits for another thread's refresh)."""
        if not self.lock.acquire(False):
            return
        try:
            now = monotonic()
            due = [key for key, at in self.due.items() if now >= at]
            if due:
                self._refresh(due, now)
        finally:
            self.lock.release()

    def refresh_all(self) -> list[str]:
        with self.lock:
            return self._refresh(list(self.spec), monotonic())

    def _refresh(self, keys: list[str], now: float) -> list[str]:
        from skyfn.runtime import secrets

        try:
            reader = secrets.Dispatch(self.wanted.store)  # opens only the stores it needs
            values = secrets.resolve({k: self.spec[k] for k in keys}, reader, self.wanted)
        except (SkyfnRuntimeError, OSError) as exc:
            self.failures += 1
            pause = min(BACKOFF_CAP, BACKOFF_FIRST * (1 << min(self.failures - 1, 8)))
            for key in keys:
                if key in self.due:
                    self.due[key] = now + pause
            _warn(keys, self.wanted, str(exc), pause)
            return []
        self.failures = 0
        for key in keys:
            age = self.wanted.ages.get(key)
            if age is not None:
                self.due[key] = now + age
        changed = {k: v for k, v in values.items() if os.environ.get(k) != v}
        if changed:
            for listener in _listeners:  # the masker learns a value before anyone reads it
                listener(changed)
            os.environ.update(changed)
        return sorted(changed)


def _warn(keys: Sequence[str], wanted: Wanted, reason: str, pause: float) -> None:
    which = ", ".join(f"{wanted.names.get(k, k)} (env {k})" for k in sorted(keys))
    first = reason.strip().splitlines()[0][:300] if reason.strip() else "no reason given"
    print(
        f"[WARNING] skyfn: could not refresh secret {which}: {first}; "
        f"serving the last value read, next try in {pause:g} s",
        file=sys.stderr,
        flush=True,
    )


_tracker: Tracker | None = None


def track(spec: Mapping[str, Sequence[str]], wanted: Wanted) -> None:
    """Called once by the cold start, with what it resolved."""
    global _tracker
    _tracker = Tracker(spec, wanted, monotonic())


def check(key: str) -> None:
    """Before reading secret ``key``: refresh the due secrets if ``key`` is one of them."""
    tracker = _tracker
    if tracker is not None:
        at = tracker.due.get(key)
        if at is not None and monotonic() >= at:
            tracker.refresh_due()


def refresh() -> list[str]:
    """Re-read every secret of this function now (e.g. after a 401), whatever its age.

    Returns the env names whose value changed. On failure the last values stay and a
    warning is logged, as for a lazy refresh. In a local sandbox (whose host hands the
    secrets over once) this does nothing: the sandbox restarts a function whose secrets
    change."""
    tracker = _tracker
    return tracker.refresh_all() if tracker is not None else []
