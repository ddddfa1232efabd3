"""A process limit per worker: a pids cgroup, when this machine lets the host make one.

RLIMIT_NPROC does not bound root (tests and CI run as root), and a process that calls
``setsid`` leaves its process group, so neither bounds a fork bomb. A pids cgroup does: the
kernel refuses ``fork`` past ``pids.max`` for every process in it, whatever its user or
session, and ``cgroup.procs`` lists every one of them, so the host can kill them all.

Where no pids cgroup can be made (no write access to the cgroup tree, or a cgroup v2 tree
without the pids controller delegated), the worker runs without a process limit and the host
still kills its whole process group on timeout; ``available()`` says which applies.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from pathlib import Path

PROCESS_LIMIT = 256  # processes and threads per worker (Lambda allows 1,024)
_V1_ROOT = Path("/sys/fs/cgroup/pids")
_V2_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()


def _own_path(controller: str) -> str | None:
    """This process's cgroup in the hierarchy of ``controller`` (``""``: cgroup v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        wanted = controller in controllers.split(",") if controller else controllers == ""
        if wanted:
            return path
    return None


def parent() -> Path | None:
    """Where worker cgroups are made: next to the host's own pids cgroup."""
    own = _own_path("pids")
    if own is not None and _V1_ROOT.is_dir():
        base = _V1_ROOT / own.lstrip("/")
    else:
        own = _own_path("")
        if own is None:
            return None
        base = _V2_ROOT / own.lstrip("/")
        try:
            if "pids" not in (base / "cgroup.subtree_control").read_text().split():
                return None
        except OSError:
            return None
    return base if os.access(base, os.W_OK) else None


def available() -> bool:
    return parent() is not None


class ProcessLimit:
    """One worker's pids cgroup: made before it starts, emptied and removed after."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, limit: int = PROCESS_LIMIT) -> ProcessLimit | None:
        base = parent()
        if base is None:
            return None
        _sweep(base)
        path = base / f"skyfn-{os.getpid()}-{next(_counter)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def add(self, pid: int) -> None:
        """Move ``pid`` in (a started worker, while its interpreter starts: a move waits for
        an RCU grace period, 7 to 20 ms here, which would otherwise come after its start).
        Best effort: the worker checks that it is in before anything forks or any user code
        runs, and joins itself if not (``skyfn.runtime.worker_limits.limit_processes``)."""
        with contextlib.suppress(OSError):
            (self.path / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_all(self, within: float = 5.0) -> None:
        """SIGKILL every process in the cgroup until none is left (a bomb keeps forking
        while it is killed, but never past ``pids.max``)."""
        deadline = time.monotonic() + within
        kill = self.path / "cgroup.kill"  # cgroup v2: one write kills them all
        if kill.exists():
            with contextlib.suppress(OSError):
                kill.write_text("1")
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        for _ in range(50):  # the kernel lets go of killed tasks shortly after they are reaped
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


def _sweep(base: Path) -> None:
    """Remove empty cgroups left by hosts that died without cleaning up."""
    for stale in base.glob("skyfn-*-*"):
        try:
            pid = int(stale.name.split("-")[1])
        except ValueError:
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            stale.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
