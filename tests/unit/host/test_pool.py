"""``FunctionPool`` on real worker processes of a tiny project: warm reuse, recycle, the
worker limit, close, and instances that die."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from skyfn.host import environment
from skyfn.host.environment import HostOptions
from skyfn.host.outcome import Outcome
from skyfn.host.pool import FunctionPool, HostClosed
from skyfn.host.report import peak_memory_mb
from skyfn.model import Model
from skyfn.runtime import error_shape
from skyfn.runtime.lambda_platform import function_arn
from tests.unit.host.conftest import Terminal, gone, pid


def make_pool(model: Model, max_workers: int = 4, sink: Terminal | None = None) -> FunctionPool:
    return FunctionPool(
        model.functions[0],
        lambda f: environment.build(model, f, HostOptions(), {}),
        function_arn("us-east-1", model.functions[0].name),
        sink or Terminal(),
        max_workers,
    )


def wait_for(text: str, terminal: Terminal) -> None:
    deadline = time.monotonic() + 30
    while text not in terminal.text():
        assert time.monotonic() < deadline, terminal.text()
        time.sleep(0.01)


@pytest.fixture()
def pool(model: Model) -> Iterator[FunctionPool]:
    pool = make_pool(model)
    yield pool
    pool.close()


def in_threads(pool: FunctionPool, events: list[Any]) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(events)

    def run(index: int) -> None:
        outcomes[index] = pool.invoke(events[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(events))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def test_an_idle_worker_is_reused_warm(pool: FunctionPool) -> None:
    first = pool.invoke({}, "rid-1")
    assert first.request_id == "rid-1"
    assert pid(pool.invoke({})) == pid(first)
    assert pool.started == 1
    assert [w.pid for w in pool.workers()] == [pid(first)]


def test_the_logs_are_lambdas_start_end_report(pool: FunctionPool) -> None:
    logs = pool.invoke({"lines": 1}, "rid").logs.splitlines()
    assert logs[0] == "START RequestId: rid Version: $LATEST"
    assert logs[1].startswith("line 00000 ")
    assert logs[2] == "END RequestId: rid"
    assert logs[3].startswith("REPORT RequestId: rid\tDuration: ")


# Lambda's own REPORT line, field by field (Init Duration only on a cold start).
REPORT = re.compile(
    r"REPORT RequestId: (?P<rid>[^\t]+)\tDuration: (?P<duration>\d+\.\d{2}) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: 128 MB\t"
    r"Max Memory Used: (?P<used>\d+) MB\t(?:Init Duration: (?P<init>\d+\.\d{2}) ms\t)?"
)


def test_report_lines_are_lambdas_with_init_duration_on_a_cold_start(pool: FunctionPool) -> None:
    cold = REPORT.fullmatch(pool.invoke({"sleep": 0.05}, "cold").logs.splitlines()[-1])
    warm = REPORT.fullmatch(pool.invoke({}, "warm").logs.splitlines()[-1])
    assert cold is not None and warm is not None
    assert cold["rid"] == "cold" and warm["rid"] == "warm"
    assert cold["init"] is not None and warm["init"] is None
    assert float(cold["duration"]) >= 50  # the handler's own time (it slept 50 ms)
    assert int(cold["billed"]) == math.ceil(float(cold["duration"]))
    assert 5 < int(warm["used"]) < 1024  # the worker's peak resident memory


def test_reports_memory_is_the_workers_peak_as_proc_says(pool: FunctionPool) -> None:
    """The worker says its peak memory in its answer (no read of /proc per call): the same
    figure the host reads from /proc (VmHWM)."""
    pool.invoke({"lines": 2000})  # some memory to reach a peak
    outcome = pool.invoke({})
    (worker,) = pool.workers()
    said = REPORT.fullmatch(outcome.logs.splitlines()[-1])
    assert said is not None and worker.peak_memory_mb() == int(said["used"])
    assert abs(int(said["used"]) - (peak_memory_mb(worker.pid) or 0)) <= 1


def test_recycle_replaces_idle_workers_at_once(pool: FunctionPool) -> None:
    old = pid(pool.invoke({}))
    pool.recycle()
    assert pool.workers() == []
    assert gone(old)
    assert pid(pool.invoke({})) != old
    assert pool.started == 2


def test_recycle_with_a_new_definition_runs_it(model: Model, pool: FunctionPool) -> None:
    pool.invoke({})
    bigger = dataclasses.replace(model.functions[0], memory_mb=256)
    pool.recycle(bigger)
    assert pool.function == bigger
    assert "\tMemory Size: 256 MB\t" in pool.invoke({}).logs


def test_a_busy_worker_is_retired_when_it_finishes(pool: FunctionPool) -> None:
    done: list[Outcome] = []
    thread = threading.Thread(target=lambda: done.append(pool.invoke({"sleep": 0.5})))
    thread.start()
    while not any(w.ready for w in pool.workers()):
        time.sleep(0.01)
    time.sleep(0.1)  # the worker is busy sleeping
    pool.recycle()
    thread.join(30)
    assert pool.workers() == []  # not kept: it belonged to the old generation
    assert gone(pid(done[0]))
    assert pid(pool.invoke({})) != pid(done[0])


def test_max_workers_limits_concurrent_instances(model: Model) -> None:
    pool = make_pool(model, max_workers=1)
    try:
        began = time.monotonic()
        outcomes = in_threads(pool, [{"sleep": 0.3}, {"sleep": 0.3}])
        assert time.monotonic() - began >= 0.6  # one after the other, on one instance
        assert pool.started == 1
        assert len({pid(o) for o in outcomes}) == 1
    finally:
        pool.close()


def test_below_max_workers_invocations_run_side_by_side(pool: FunctionPool) -> None:
    outcomes = in_threads(pool, [{"sleep": 0.3}] * 3)
    assert len({pid(o) for o in outcomes}) == 3
    assert pool.started == 3
    assert len(pool.workers()) == 3  # all kept warm


def test_close_kills_every_worker_and_refuses_invocations(model: Model) -> None:
    terminal = Terminal()
    pool = make_pool(model, sink=terminal)
    warm = {pid(o) for o in in_threads(pool, [{"sleep": 0.3}] * 2)}
    done: list[Outcome] = []
    thread = threading.Thread(target=lambda: done.append(pool.invoke({"sleep": 30}, "long")))
    thread.start()
    wait_for("START RequestId: long", terminal)
    pool.close()
    thread.join(10)
    assert not thread.is_alive()
    assert done[0].error
    assert done[0].failure().error_type == error_shape.EXIT_ERROR
    # said as what happened, not as the kill's bare "signal 9"
    assert "cut short: the local host was stopped" in done[0].failure().message
    assert "signal 9" not in done[0].failure().message
    assert all(gone(process_id) for process_id in warm)
    assert pool.workers() == []
    with pytest.raises(HostClosed, match=f"the host is stopping; {pool.function.name} not"):
        pool.invoke({})


def test_a_waiting_invocation_is_refused_when_the_pool_closes(model: Model) -> None:
    terminal = Terminal()
    pool = make_pool(model, max_workers=1, sink=terminal)
    errors: list[BaseException] = []

    def waiting() -> None:
        try:
            pool.invoke({})
        except HostClosed as exc:
            errors.append(exc)

    busy = threading.Thread(target=pool.invoke, args=({"sleep": 30}, "long"))
    busy.start()
    wait_for("START RequestId: long", terminal)
    waiter = threading.Thread(target=waiting)
    waiter.start()
    time.sleep(0.2)
    pool.close()
    busy.join(10)
    waiter.join(10)
    assert len(errors) == 1


def test_a_worker_that_died_while_idle_is_replaced(pool: FunctionPool) -> None:
    dead = pid(pool.invoke({}))
    os.killpg(dead, signal.SIGKILL)
    while pool.workers()[0].alive():
        time.sleep(0.01)
    assert pid(pool.invoke({})) != dead
    assert pool.started == 2


def test_a_worker_that_exits_mid_invocation_is_an_exit_error_and_not_kept(
    pool: FunctionPool,
) -> None:
    outcome = pool.invoke({"exit": 3}, "rid")
    assert outcome.error
    assert outcome.failure() == (
        error_shape.EXIT_ERROR,
        "RequestId: rid Error: Runtime exited with error: exit status 3",
    )
    assert pool.workers() == []
    assert not pool.invoke({}).error


def test_a_function_error_keeps_the_worker_warm(pool: FunctionPool) -> None:
    warm = pid(pool.invoke({}))
    failed = pool.invoke({"raise": "nope"})
    assert failed.failure() == ("ValueError", "nope")
    assert pid(pool.invoke({})) == warm


def test_each_start_reaches_the_terminal_once_before_its_lines_and_end(model: Model) -> None:
    """START is kept back for one write with what follows it (quick calls) or written once
    the call runs on (slow ones): either way once, first."""
    terminal = Terminal()
    pool = make_pool(model, sink=terminal)
    events = [{"lines": 1}, {}, {"sleep": 0.05, "lines": 2}, {"sleep": 0.05}]
    for number, event in enumerate(events):
        assert not pool.invoke(event, f"{number:04d}-call").error
    pool.close()
    text = terminal.text()
    for number in range(len(events)):
        rid = f"{number:04d}-call"
        prefix = f"[{pool.function.name} {rid[:8]}] "
        mine = [line for line in text.splitlines() if line.startswith(prefix)]
        assert mine[0].endswith(f"START RequestId: {rid} Version: $LATEST"), mine
        assert sum("START RequestId" in line for line in mine) == 1
        assert mine[-2].endswith(f"END RequestId: {rid}") and "REPORT" in mine[-1]
