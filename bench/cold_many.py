"""A sandbox of 200 functions, each invoked once, cold, one after another (issue 27): the
whole run through ``skyfn sandbox`` and its Invoke API, and where the time of one cold
invoke goes, measured on an in-process ``Host`` of the same project (means over the 200):

- environment: the worker's environment built by the host (its secrets resolved and the
  handover message made, when it has secrets);
- spawn: the worker process created (``WorkerProcess``: pipes, ``fork``/``exec``);
- cold start: until the worker answers ``ready`` (the interpreter, skyfn's runtime, its
  secrets, the handler's import), beside a bare ``python -I -S -c pass`` and the handler
  module's own import, measured apart;
- first response: the first request's exchange with the worker;
- the rest: HTTP, gateway and pool bookkeeping (the sandbox's figure minus the above, with
  the cold start as the sandbox's REPORT lines give it: ``Init Duration``).
"""

from __future__ import annotations

import math
import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import PY, Goal, Row, find, run_timed
from skyfn.host import process, supervisor
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.supervisor import Host
from skyfn.outputs import synth
from skyfn.project import find_project
from skyfn.scope import sandbox
from tests.support.env import clean_env
from tests.support.projects import make_big_project
from tests.support.sandbox import Invoker, running_sandbox

COLD = "cold_200"
COLD_TITLE = "sandbox of 200 functions, each invoked once cold, one after another"
FUNCTIONS = 200
PHASES = ("environment", "spawn", "cold_start", "first_response")


def names() -> list[str]:
    return [f"fn_{i:03}" for i in range(FUNCTIONS)]


INIT = re.compile(r"REPORT RequestId: .*\tInit Duration: ([\d.]+) ms")


def through_sandbox(project: Path, env: dict[str, str]) -> tuple[float, float]:
    """Milliseconds for the 200 cold invokes, one after another (a connection each, as 200
    clients would), and the mean cold start the sandbox's REPORT lines say (Init Duration)."""
    with running_sandbox(project, "--identifier", "bench", env=env, inherit_env=False) as box:
        started = time.perf_counter()
        for name in names():
            invoker = Invoker(box.port, name)
            invoker()
            invoker.close()
        took = (time.perf_counter() - started) * 1000
        deadline = time.monotonic() + 10
        while len(inits := INIT.findall(box.logs())) < FUNCTIONS and time.monotonic() < deadline:
            time.sleep(0.05)
    return took, statistics.mean(float(x) for x in inits) if inits else math.nan


def timed(totals: dict[str, float], phase: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            totals[phase] += (time.perf_counter() - started) * 1000

    return wrapper


def breakdown(project: Path) -> dict[str, float]:
    """Milliseconds per cold invoke in each phase, on an in-process host."""
    model = synth(find_project(project), sandbox("bench"), "local").model
    totals = dict.fromkeys(PHASES, 0.0)
    patches = [
        (supervisor.Host, "_environment", "environment"),
        (process.WorkerProcess, "__init__", "spawn"),
        (process.WorkerProcess, "start", "cold_start"),
        (process.WorkerProcess, "invoke", "first_response"),
    ]
    originals = [(cls, attr, getattr(cls, attr)) for cls, attr, _ in patches]
    for cls, attr, phase in patches:
        setattr(cls, attr, timed(totals, phase, getattr(cls, attr)))
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below, after the host
    try:
        host = Host(model, HostOptions(), LogSink(quiet), dict(clean_env()))
        try:
            for function in model.functions:
                assert not host.invoke(function.name, {}).error
        finally:
            host.close()
            quiet.close()
    finally:
        for cls, attr, original in originals:
            setattr(cls, attr, original)
    return {phase: total / len(model.functions) for phase, total in totals.items()}


def rows(work: Path, repeat: int) -> list[Row]:
    project = make_big_project(work / "cold200", FUNCTIONS)
    env = clean_env(SKYFN_HOME=str(work / "home-cold"))
    measured = [through_sandbox(project, env) for _ in range(repeat)]
    runs = [took for took, _ in measured]
    phases = breakdown(project)
    handler_dir = project / "backend" / "functions" / "fn_000"
    bare = [run_timed([PY, "-I", "-S", "-c", "pass"], clean_env(), work) for _ in range(10)]
    imports = [
        run_timed(
            [PY, "-I", "-S", "-c", "import sys; sys.path.insert(0, '.'); import handler"],
            clean_env(),
            handler_dir,
        )
        for _ in range(10)
    ]
    per_invoke = statistics.median(runs) / FUNCTIONS
    extra: dict[str, Any] = {f"{p}_ms": round(v, 2) for p, v in phases.items()}
    extra["per_invoke_ms"] = round(per_invoke, 2)
    extra["sandbox_init_ms"] = round(statistics.median(init for _, init in measured), 2)
    extra["rest_ms"] = round(
        per_invoke
        - extra["sandbox_init_ms"]
        - sum(v for p, v in phases.items() if p != "cold_start"),
        2,
    )
    extra["python_I_S_pass_ms"] = round(statistics.median(bare), 2)
    extra["handler_import_ms"] = round(
        max(0.0, statistics.median(imports) - statistics.median(bare)), 2
    )
    return [
        Row(COLD, "skyfn", COLD_TITLE, "skyfn sandbox, 200 cold invokes", samples=runs, extra=extra)
    ]


def goals(rows: list[Row]) -> list[Goal]:
    row = find(rows, COLD, "skyfn")
    if row is None or not row.samples:
        return []
    x = row.extra
    measured = (
        f"{row.median / 1000:.2f} s; per cold invoke {x['per_invoke_ms']:.1f} ms: environment "
        f"{x['environment_ms']:.1f}, spawn {x['spawn_ms']:.1f}, cold start "
        f"{x['sandbox_init_ms']:.1f} in the sandbox, {x['cold_start_ms']:.1f} in-process "
        f"(python -I -S -c pass alone: {x['python_I_S_pass_ms']:.1f}, "
        f"the handler's import: {x['handler_import_ms']:.1f}), "
        f"first response {x['first_response_ms']:.1f}, HTTP and the rest {x['rest_ms']:.1f}"
    )
    return [Goal(COLD, COLD_TITLE, "≤ 2 s in all", measured, row.median <= 2000)]
