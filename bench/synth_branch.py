"""Branch synth + env generation at the scale of nested stacks (issue 17): 1,000 functions x
10 variables, ``skyfn synth --branch main`` (env modules, artifacts, the root template and
its 16 parts, every one checked against CloudFormation's quotas): cold, and a no-op re-synth
that must rewrite no file."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.common import PY, Goal, Row, alternate, find, run_timed
from bench.synth import snapshot
from tests.support.env import clean_env
from tests.support.projects import make_big_project

BENCH_ID = "synth_branch_1000"
TITLE = "synth --branch + env generation, 1,000 functions x 10 variables (nested stacks)"
CONTENDERS = {"cold": "cold (no outputs, no bytecode)", "noop": "no-op re-synth"}


def rows(work: Path, repeat: int, functions: int = 1000) -> list[Row]:
    project = work / "big-branch"
    make_big_project(project, functions)
    env = clean_env(SKYFN_HOME=str(work / "home-synth-branch"))
    synth = [PY, "-m", "skyfn", "synth", "--branch", "main"]
    output = project / ".skyfn"
    rewritten: list[int] = []

    def cold() -> float:
        shutil.rmtree(output, ignore_errors=True)
        for cache in (project / "backend").rglob("__pycache__"):
            shutil.rmtree(cache)
        return run_timed(synth, env, project)

    def noop() -> float:
        if not output.exists():
            run_timed(synth, env, project)
        before = snapshot(output)
        elapsed = run_timed(synth, env, project)
        after = snapshot(output)
        rewritten.append(sum(1 for k, v in after.items() if before.get(k) != v))
        return elapsed

    samples = alternate({"cold": cold, "noop": noop}, repeat)
    templates = len(list((output / "artifacts" / "branch-main").glob("template*.json")))
    extra = {
        "cold": {"templates": templates},
        "noop": {"files": len(snapshot(output)), "files_rewritten": max(rewritten)},
    }
    return [
        Row(BENCH_ID, cid, TITLE, label, samples=samples[cid], extra=extra[cid])
        for cid, label in CONTENDERS.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    cold, noop = find(rows, BENCH_ID, "cold"), find(rows, BENCH_ID, "noop")
    if not (cold and noop):
        return []
    rewritten = noop.extra["files_rewritten"]
    return [
        Goal(BENCH_ID, TITLE, "cold ≤ 3 s", f"{cold.median / 1000:.2f} s", cold.median <= 3000),
        Goal(
            BENCH_ID,
            TITLE,
            "no-op ≤ 1 s, no file rewritten",
            f"{noop.median / 1000:.2f} s, {rewritten} of {noop.extra['files']} rewritten",
            noop.median <= 1000 and rewritten == 0,
        ),
    ]
