"""The sandbox at scale (issue 15): proportional memory (PSS, from /proc/<pid>/smaps_rollup)
of one warm function (its worker and everything the worker started) beside a bare
``python -c`` process's, and the time to start a sandbox for 200 functions (nothing starts
until it is called, so this is synth plus the listening socket)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.common import PY, Goal, Row, find
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.supervisor import Host
from skyfn.outputs import synth
from skyfn.project import find_project
from skyfn.scope import sandbox
from tests.support.env import clean_env
from tests.support.projects import make_big_project
from tests.support.sandbox import running_sandbox

PSS = "warm_pss"
PSS_TITLE = "memory (PSS) per warm function"
START = "sandbox_start_200"
START_TITLE = "start a sandbox of 200 functions"
WARM_FUNCTIONS = 10  # warm at once (PSS splits shared pages between the processes sharing them)
BARE = "import sys; sys.stdin.read()"  # a python -c that waits


def pss_mb(pid: int) -> float:
    """The process's proportional set size in MB (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def warm_pss(work: Path) -> tuple[list[float], list[float], int]:
    """PSS of each warm function's process tree, each bare process's, and processes per
    warm function."""
    root = make_big_project(work / "pss", WARM_FUNCTIONS)
    model = synth(find_project(root), sandbox("bench"), "local").model
    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below, after the host
    host = Host(model, HostOptions(), LogSink(quiet), dict(clean_env()))
    bare = [
        subprocess.Popen([PY, "-c", BARE], stdin=subprocess.PIPE, env=clean_env())
        for _ in range(WARM_FUNCTIONS)
    ]
    try:
        for function in model.functions:
            assert not host.invoke(function.name, {}).error
        time.sleep(0.5)  # let start-up settle
        trees = [descendants(w.pid) for w in host.workers()]
        skyfn = [sum(pss_mb(p) for p in tree) for tree in trees]
        plain = [pss_mb(p.pid) for p in bare]
        per_function = max(len(tree) for tree in trees)
    finally:
        host.close()
        quiet.close()
        for process in bare:
            process.kill()
            process.wait()
    return skyfn, plain, per_function


def start_times(work: Path, repeat: int) -> list[float]:
    project = make_big_project(work / "big200", 200)
    env = clean_env(SKYFN_HOME=str(work / "home-scale"))
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        with running_sandbox(project, "--identifier", "bench", env=env, inherit_env=False) as box:
            samples.append((time.perf_counter() - started) * 1000)
            assert box.url  # listening, every function listed, no worker started
    return samples


def rows(work: Path, repeat: int) -> list[Row]:
    # the PSS row moved to bench/warm_memory.py (issue 27: forked workers, the parent's share)
    return [
        Row(
            START,
            "skyfn",
            START_TITLE,
            "skyfn sandbox, 200 functions",
            samples=start_times(work, repeat),
        ),
    ]


def goals(rows: list[Row]) -> list[Goal]:
    out: list[Goal] = []
    start = find(rows, START, "skyfn")
    if start and start.samples:
        out.append(
            Goal(START, START_TITLE, "≤ 1 s", f"{start.median / 1000:.2f} s", start.median <= 1000)
        )
    return out
