"""A worker that cannot start (its folder vanished during a reload) leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skyfn.host.environment import WorkerEnvironment
from skyfn.host.logs import LogSink
from skyfn.host.process import WorkerProcess


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_failed_start_closes_its_pipes(tmp_path: Path) -> None:
    environment = WorkerEnvironment(variables={"PATH": "/usr/bin"}, task_root=tmp_path / "deleted")
    before = open_fds()
    for _ in range(5):
        with pytest.raises(FileNotFoundError):
            WorkerProcess("gone", environment, LogSink())
    assert open_fds() - before == set()
