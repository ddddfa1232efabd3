"""Local cold starts against ``python -I -S -c pass`` (issue 27), each floor in the same run:

- the sandbox's: a function with 10 secrets in the local (embedded) store, called cold on
  the sandbox's host (in-process, without HTTP): its host reads and decrypts the secrets,
  forks a worker from its warm parent and hands them over the worker's pipe; to the
  handler's first result. Beside it, the same host starting its worker as a process
  (``skyfn invoke``'s way), and the host's read of the secrets alone.
- a one-shot ``skyfn invoke``'s: the worker's cold start inside the command (from the
  worker process's creation to its first result: the REPORT line's ``Init Duration`` plus
  ``Duration``), and the whole command's time (no goal: it synthesizes first).
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import PY, Goal, Row, alternate, find, run_timed
from skyfn.host.environment import HostOptions
from skyfn.host.logs import LogSink
from skyfn.host.supervisor import Host
from skyfn.outputs import synth
from skyfn.project import find_project
from skyfn.scope import sandbox
from tests.support.cli import run_skyfn
from tests.support.env import clean_env
from tests.support.projects import make_ping_project, make_project

SANDBOX = "cold_start_local"
SANDBOX_TITLE = "sandbox cold start, 10 secrets, local store"
SANDBOX_CONTENDERS = {
    "skyfn": "forked from the warm parent, to first result",
    "started": "started as a process (as skyfn invoke does)",
    "floor": "floor: python -I -S -c pass",
    "host_read": "host: read + decrypt the 10 secrets (in both)",
}
ONESHOT = "cold_start_oneshot"
ONESHOT_TITLE = "cold start inside a one-shot skyfn invoke"
ONESHOT_CONTENDERS = {
    "worker": "the worker: process start to first result",
    "floor": "floor: python -I -S -c pass",
    "command": "the whole skyfn invoke command",
}
FLOOR = [PY, "-I", "-S", "-c", "pass"]
SECRETS = [f"SECRET_{i}" for i in range(10)]
HANDLER = """\
import os
KEYS = {keys!r}
def handler(event, context):
    return sum(len(os.environ[k]) for k in KEYS)
"""
RESOURCE = "from skyfn import define_function, secret\nfn = define_function(\n" + (
    "    name='secrets10',\n    environment={"
    + ", ".join(f"'{k}': secret('{k}')" for k in SECRETS)
    + "},\n)\n"
)
_REPORT = re.compile(r"Duration: ([\d.]+) ms\t.*Init Duration: ([\d.]+) ms")


@contextmanager
def store_home(home: Path) -> Iterator[None]:
    """The host reads the local store from ``SKYFN_HOME`` (the sandbox's own environment)."""
    saved = os.environ.get("SKYFN_HOME")
    os.environ["SKYFN_HOME"] = str(home)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SKYFN_HOME", None)
        else:
            os.environ["SKYFN_HOME"] = saved


def cold_call(host: Host, expected: int) -> float:
    """Milliseconds of one cold call (the function's workers recycled first)."""
    pool = host.pool("secrets10")
    pool.recycle()
    start = time.perf_counter()
    outcome = host.invoke("secrets10", {})
    elapsed = (time.perf_counter() - start) * 1000
    if outcome.error or outcome.result != expected or not outcome.cold:
        raise SystemExit(f"bench: the cold call failed: {outcome.payload[:500]!r}")
    return elapsed


def host_read(host: Host) -> float:
    from skyfn.host import secret_resolver

    function = host.model.function("secrets10")
    assert function is not None
    variables = function.variables("local")
    start = time.perf_counter()
    secret_resolver.message(variables)
    return (time.perf_counter() - start) * 1000


def sandbox_rows(work: Path, repeat: int) -> list[Row]:
    project, home = work / "cold-local", work / "cold-home"
    handler = HANDLER.format(keys=SECRETS)
    make_project(project, {"secrets10": RESOURCE}, {"secrets10": handler}, app_id="bench")
    env = clean_env(SKYFN_HOME=str(home))
    values = {name: f"local-{i}-" + "y" * (20 + i) for i, name in enumerate(SECRETS)}
    for name, value in values.items():  # through the CLI, as a developer would
        done = run_skyfn(
            "secret", "set", name, "--shared", "--store", "local",
            stdin=value, env=env, cwd=project, inherit_env=False,
        )  # fmt: skip
        if done.code != 0:
            raise SystemExit(f"bench: skyfn secret set failed:\n{done.err[-2000:]}")
    expected = sum(len(v) for v in values.values())
    with store_home(home):
        model = synth(find_project(project), sandbox("bench"), "local").model
        forking = Host(model, HostOptions(fork_workers=True), LogSink(io.StringIO()), {})
        starting = Host(model, HostOptions(), LogSink(io.StringIO()), {})
        try:
            for host in (forking, starting):  # the parent's start, the store's first open
                cold_call(host, expected)
            samples = alternate(
                {
                    "skyfn": lambda: cold_call(forking, expected),
                    "started": lambda: cold_call(starting, expected),
                    "floor": lambda: run_timed(FLOOR, env, work),
                },
                repeat,
            )
            samples["host_read"] = [host_read(forking) for _ in range(repeat)]
        finally:
            forking.close()
            starting.close()
    return [
        Row(
            SANDBOX,
            cid,
            SANDBOX_TITLE,
            SANDBOX_CONTENDERS[cid],
            samples=s,
            baseline="floor" if cid in ("skyfn", "started") else None,
        )
        for cid, s in samples.items()
    ]


def oneshot(project: Path, env: dict[str, str]) -> tuple[float, float]:
    """One ``skyfn invoke ping``: the worker's cold start (REPORT) and the command's time."""
    start = time.perf_counter()
    done = run_skyfn("invoke", "ping", cwd=project, env=env, inherit_env=False)
    total = (time.perf_counter() - start) * 1000
    found = _REPORT.search(done.err)
    if done.code != 0 or found is None:
        raise SystemExit(f"bench: skyfn invoke failed:\n{done.err[-2000:]}")
    return float(found.group(1)) + float(found.group(2)), total


def oneshot_rows(work: Path, repeat: int) -> list[Row]:
    project = work / "oneshot"
    make_ping_project(project)
    env = clean_env(SKYFN_HOME=str(work / "oneshot-home"))
    oneshot(project, env)  # the first synth and the runtime folder
    runs: list[tuple[float, float]] = []

    def command() -> float:
        runs.append(oneshot(project, env))
        return runs[-1][1]

    samples = alternate({"command": command, "floor": lambda: run_timed(FLOOR, env, work)}, repeat)
    samples["worker"] = [worker for worker, _ in runs]
    return [
        Row(
            ONESHOT,
            cid,
            ONESHOT_TITLE,
            label,
            samples=samples[cid],
            baseline="floor" if cid != "floor" else None,
        )
        for cid, label in ONESHOT_CONTENDERS.items()
    ]


def rows(work: Path, repeat: int) -> list[Row]:
    return sandbox_rows(work, repeat) + oneshot_rows(work, repeat)


def goals(rows: list[Row]) -> list[Goal]:
    out: list[Goal] = []
    for bench_id, title, contender, limit in (
        (SANDBOX, SANDBOX_TITLE, "skyfn", 0.5),
        (ONESHOT, ONESHOT_TITLE, "worker", 2.0),
    ):
        row, floor = find(rows, bench_id, contender), find(rows, bench_id, "floor")
        if row and floor and row.samples and floor.samples:
            ratio = row.median / floor.median
            out.append(
                Goal(
                    bench_id,
                    title,
                    f"{contender} ≤ {limit} x python -I -S -c pass",
                    f"{row.median:.1f} ms vs {floor.median:.1f} ms: {ratio:.2f} x",
                    ratio <= limit,
                )
            )
    return out
