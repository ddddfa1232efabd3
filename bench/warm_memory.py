"""Memory of warm functions (issue 27): proportional set size (PSS, from
``/proc/<pid>/smaps_rollup``) per warm function, 10 alive at once, each after 100
invocations and a ``gc``, on the sandbox's host (workers forked from its warm parent),
beside a bare ``python -I -S -c`` measured the same way (10 alive, each after a ``gc``).

A warm function's share: its worker and every process the worker started, plus the
warm parent's PSS divided among the workers it forked (PSS already splits the pages they
share between them).
"""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

from bench.common import PY, Goal, Row, find
from bench.sandbox_scale import descendants, pss_mb
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.supervisor import Host
from skyfn.outputs import synth
from skyfn.project import find_project
from skyfn.scope import sandbox
from tests.support.env import clean_env
from tests.support.projects import BIG_RESOURCE, make_project

PSS = "warm_pss"
PSS_TITLE = "memory (PSS) per warm function, 10 alive, 100 calls each"
WARM_FUNCTIONS = 10
CALLS = 100
HANDLER = """\
import gc

def handler(event, context):
    if event.get("gc"):
        gc.collect()
    return 1
"""
BARE = "import gc, sys; gc.collect(); sys.stdin.read()"  # a python -I -S -c that waits


def warm_pss(work: Path) -> tuple[list[float], list[float], float, int]:
    """Each warm function's PSS (its share of the parent included), each bare process's,
    the parent's own, and processes per warm function."""
    names = [f"fn_{i:03}" for i in range(WARM_FUNCTIONS)]
    root = make_project(
        work / "pss",
        {name: BIG_RESOURCE.format(i=i) for i, name in enumerate(names)},
        dict.fromkeys(names, HANDLER),
        app_id="bench",
    )
    model = synth(find_project(root), sandbox("bench"), "local").model
    host = Host(model, HostOptions(fork_workers=True), LogSink(io.StringIO()), dict(clean_env()))
    bare = [
        subprocess.Popen([PY, "-I", "-S", "-c", BARE], stdin=subprocess.PIPE, env=clean_env())
        for _ in range(WARM_FUNCTIONS)
    ]
    try:
        for name in names:
            for call in range(CALLS):
                outcome = host.invoke(name, {"gc": call == CALLS - 1})
                assert not outcome.error, outcome.payload
        time.sleep(0.5)  # let start-up settle
        workers = host.workers()
        assert len(workers) == WARM_FUNCTIONS, "one warm worker per function"
        assert host.forks is not None
        parent = pss_mb(host.forks.server(PY).process.pid)
        trees = [descendants(w.pid) for w in workers]
        skyfn = [sum(pss_mb(p) for p in tree) + parent / len(workers) for tree in trees]
        plain = [pss_mb(p.pid) for p in bare]
        per_function = max(len(tree) for tree in trees)
    finally:
        host.close()
        for process in bare:
            process.kill()
            process.wait()
    return skyfn, plain, parent, per_function


def rows(work: Path, repeat: int) -> list[Row]:
    del repeat  # one measurement of 10 processes each
    skyfn, plain, parent, processes = warm_pss(work)
    return [
        Row(
            PSS,
            "skyfn",
            PSS_TITLE,
            "warm function (worker + helpers + 1/10 of the parent)",
            "MB",
            skyfn,
            baseline="bare_python",
            extra={"processes_per_warm_function": processes, "parent_pss_mb": round(parent, 2)},
        ),
        Row(PSS, "bare_python", PSS_TITLE, "bare python -I -S -c (floor)", "MB", plain),
    ]


def goals(rows: list[Row]) -> list[Goal]:
    warm, bare = find(rows, PSS, "skyfn"), find(rows, PSS, "bare_python")
    if not (warm and bare and warm.samples and bare.samples):
        return []
    ratio = warm.median / bare.median
    return [
        Goal(
            PSS,
            PSS_TITLE,
            "≤ 1.0 x a bare python -I -S -c",
            f"{warm.median:.2f} MB vs {bare.median:.2f} MB: {ratio:.2f} x "
            f"(the parent: {warm.extra.get('parent_pss_mb')} MB, shared by 10)",
            ratio <= 1.0,
        )
    ]
