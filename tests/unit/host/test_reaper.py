"""``--idle-timeout`` on real worker processes: a warm worker idle that long is stopped (its
next call starts cold), one without a timeout stays, and the status shows the warm count."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from skyfn.host.environment import HostOptions
from skyfn.host.supervisor import Host
from skyfn.model import Model
from tests.unit.host.conftest import Terminal, gone


@pytest.fixture()
def host(model: Model) -> Iterator[Host]:
    host = Host(model, HostOptions(idle_timeout=0.5), Terminal(), {})
    yield host
    host.close()


def test_a_warm_worker_idle_past_the_timeout_is_stopped(host: Host, model: Model) -> None:
    name = model.functions[0].name
    pool = host.pool(name)
    first = host.invoke(name, {})
    assert not first.error, first.payload
    assert first.cold
    assert pool.status().idle == 1
    [worker] = pool.workers()
    deadline = time.monotonic() + 30
    while pool.status().idle:
        assert time.monotonic() < deadline, "the idle worker was never stopped"
        time.sleep(0.05)
    worker.proc.wait(timeout=10)
    assert gone(worker.pid)
    again = host.invoke(name, {})
    assert again.cold and pool.status().started == 2


def test_calls_keep_a_worker_warm(host: Host, model: Model) -> None:
    name = model.functions[0].name
    host.invoke(name, {})
    for _ in range(5):  # each call well within the timeout of the last
        time.sleep(0.1)
        assert not host.invoke(name, {}).cold
    assert host.pool(name).status().started == 1


def test_without_a_timeout_warm_workers_stay(model: Model) -> None:
    host = Host(model, HostOptions(), Terminal(), {})
    try:
        name = model.functions[0].name
        host.invoke(name, {})
        assert host.pool(name).reap(time.monotonic() + 10_000) is None
        assert host.pool(name).status().idle == 1
    finally:
        host.close()
