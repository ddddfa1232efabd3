"""Cold start with 10 secrets in the local (embedded) store, against a bare ``python -c pass``."""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import PY, SECRETS_HANDLER, SKYFN, Goal, Row, alternate, find, run_timed
from tests.support.cli import run_skyfn
from tests.support.env import clean_env
from tests.support.projects import make_ping_project

BENCH_ID = "cold_start_local"
TITLE = "cold start, 10 secrets, local store"
CONTENDERS = {"skyfn": "skyfn", "floor": "floor: python -c pass"}


def rows(work: Path, repeat: int) -> list[Row]:
    project, home = work / "local", work / "home"
    make_ping_project(project)
    env = clean_env(SKYFN_HOME=str(home), PYTHONPATH=str(work))
    keys = {f"SECRET_{i}": f"S{i}" for i in range(10)}
    values = {name: f"local-{i}-" + "y" * (20 + i) for i, name in enumerate(keys.values())}
    for name, value in values.items():  # through the CLI, as a developer would
        done = run_skyfn(
            "secret", "set", name, "--branch", "main",
            stdin=value, env=env, cwd=project, inherit_env=False,
        )  # fmt: skip
        if done.code != 0:
            raise SystemExit(f"bench: skyfn secret set failed:\n{done.err[-2000:]}")
    (work / "bench_local_handler.py").write_text(SECRETS_HANDLER.format(keys=list(keys)))
    spec = {
        k: [f"/skyfn/bench/branch-main/{n}", f"/skyfn/bench/shared/{n}"] for k, n in keys.items()
    }
    skyfn_env = {
        **env,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "SKYFN_HANDLER": "bench_local_handler.handler",
        "SKYFN_SECRETS": json.dumps(spec),
        "SKYFN_SECRET_STORE": "local",
        "SKYFN_FUNCTION": "bench",
    }
    expected = str(sum(len(v) for v in values.values()))
    samples = alternate(
        {
            "skyfn": lambda: run_timed([PY, "-c", SKYFN], skyfn_env, work, expected),
            "floor": lambda: run_timed([PY, "-c", "pass"], env, work),
        },
        repeat,
    )
    return [
        Row(BENCH_ID, cid, TITLE, CONTENDERS[cid], samples=s, baseline="floor")
        for cid, s in samples.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    local, floor = find(rows, BENCH_ID, "skyfn"), find(rows, BENCH_ID, "floor")
    if not (local and floor):
        return []
    r_local = local.median / floor.median
    return [Goal(BENCH_ID, TITLE, "skyfn ≤ 2 x floor", f"{r_local:.2f} x", r_local <= 2)]
