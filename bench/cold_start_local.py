"""Cold start with 10 secrets in the local (embedded) store, against a bare ``python -c pass``.

A local worker does not open the store: its host reads the function's secrets in its
already-running process and hands them over a pipe. So two rows: the worker's cold start
(process start to the handler's first result, receiving its secrets on the pipe included),
against the floor; and the host's cost per cold start of reading and decrypting them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from bench.common import PY, SECRETS_HANDLER, SKYFN, Goal, Row, alternate, find, run_timed
from tests.support.cli import run_skyfn
from tests.support.env import clean_env
from tests.support.projects import make_ping_project

BENCH_ID = "cold_start_local"
TITLE = "cold start, 10 secrets, local store"
CONTENDERS = {
    "skyfn": "skyfn worker, secrets over the pipe",
    "floor": "floor: python -c pass",
    "host_read": "host: read + decrypt them (per cold start)",
}


def run_with_pipe(
    args: list[str], env: dict[str, str], cwd: Path, message: bytes, expect: str
) -> float:
    """Milliseconds for a fresh worker-like process that gets ``message`` on an inherited
    pipe, as the host hands it over (written as the process starts)."""
    read, write = os.pipe()
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        env={**env, "SKYFN_SECRETS_FD": str(read)},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=(read,),
    )
    os.close(read)
    os.write(write, message)
    os.close(write)
    out, err = proc.communicate(timeout=120)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0 or out.strip() != expect:
        raise SystemExit(f"bench: the pipe worker failed ({out.strip()!r}):\n{err[-3000:]}")
    return elapsed


def host_read(variables: dict[str, str], home: Path) -> float:
    """Milliseconds for the host (already running, its imports done) to read the secrets."""
    from skyfn.host import secret_resolver

    saved = os.environ.get("SKYFN_HOME")
    os.environ["SKYFN_HOME"] = str(home)
    try:
        start = time.perf_counter()
        secret_resolver.message(variables)
        return (time.perf_counter() - start) * 1000
    finally:
        if saved is None:
            os.environ.pop("SKYFN_HOME", None)
        else:
            os.environ["SKYFN_HOME"] = saved


def rows(work: Path, repeat: int) -> list[Row]:
    project, home = work / "local", work / "home"
    make_ping_project(project)
    env = clean_env(SKYFN_HOME=str(home), PYTHONPATH=str(work))
    keys = {f"SECRET_{i}": f"S{i}" for i in range(10)}
    values = {name: f"local-{i}-" + "y" * (20 + i) for i, name in enumerate(keys.values())}
    for name, value in values.items():  # through the CLI, as a developer would
        done = run_skyfn(
            "secret", "set", name, "--branch", "main", "--store", "local",
            stdin=value, env=env, cwd=project, inherit_env=False,
        )  # fmt: skip
        if done.code != 0:
            raise SystemExit(f"bench: skyfn secret set failed:\n{done.err[-2000:]}")
    (work / "bench_local_handler.py").write_text(SECRETS_HANDLER.format(keys=list(keys)))
    spec = {
        k: [f"/skyfn/bench/branch-main/{n}", f"/skyfn/bench/shared/{n}"] for k, n in keys.items()
    }
    contract = {
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "SKYFN_HANDLER": "bench_local_handler.handler",
        "SKYFN_SECRETS": json.dumps(spec),
        "SKYFN_FUNCTION": "bench",
        "SKYFN_SECRET_STORE": "local",  # what the host reads; the worker reads its pipe
    }
    # The worker's environment: no SKYFN_HOME, no master key; its store is the pipe.
    worker_env = {
        **{k: v for k, v in env.items() if k not in ("SKYFN_HOME", "HOME")},
        **contract,
        "SKYFN_SECRET_STORE": "pipe",
    }
    host_read(contract, home)  # the host's imports (sqlite3, cryptography) happen once
    from skyfn.host import secret_resolver

    os.environ["SKYFN_HOME"], saved = str(home), os.environ.get("SKYFN_HOME")
    message = secret_resolver.message(contract)
    if saved is None:
        os.environ.pop("SKYFN_HOME")
    else:
        os.environ["SKYFN_HOME"] = saved
    expected = str(sum(len(v) for v in values.values()))
    samples = alternate(
        {
            "skyfn": lambda: run_with_pipe([PY, "-c", SKYFN], worker_env, work, message, expected),
            "floor": lambda: run_timed([PY, "-c", "pass"], env, work),
        },
        repeat,
    )
    samples["host_read"] = [host_read(contract, home) for _ in range(repeat)]
    return [
        Row(
            BENCH_ID,
            cid,
            TITLE,
            CONTENDERS[cid],
            samples=s,
            baseline="floor" if cid == "skyfn" else None,
        )
        for cid, s in samples.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    local, floor = find(rows, BENCH_ID, "skyfn"), find(rows, BENCH_ID, "floor")
    if not (local and floor):
        return []
    r_local = local.median / floor.median
    return [Goal(BENCH_ID, TITLE, "worker ≤ 1.5 x floor", f"{r_local:.2f} x", r_local <= 1.5)]
