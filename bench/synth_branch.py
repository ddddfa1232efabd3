"""Branch synth + env generation at the scale of nested stacks (issue 17): 1,000 functions x
10 variables, ``skyfn synth --branch main`` (env modules, artifacts, the root template and
its 16 parts, every one checked against CloudFormation's quotas): cold, and a no-op re-synth
that must rewrite no file."""

from __future__ import annotations

from pathlib import Path

from bench.common import PY, Goal, Row
from bench.synth import measure, synth_goals
from tests.support.env import clean_env
from tests.support.projects import make_big_project

BENCH_ID = "synth_branch_1000"
TITLE = "synth --branch + env generation, 1,000 functions x 10 variables (nested stacks)"
CONTENDERS = {"cold": "cold (no outputs, no bytecode)", "noop": "no-op re-synth"}


def rows(work: Path, repeat: int, functions: int = 1000) -> list[Row]:
    project = work / "big-branch"
    make_big_project(project, functions)
    env = clean_env(SKYFN_HOME=str(work / "home-synth-branch"))
    command = [PY, "-m", "skyfn", "synth", "--branch", "main"]
    samples, files = measure(project, env, command, repeat)
    artifacts = project / ".skyfn" / "artifacts" / "branch-main"
    extra = {"cold": {"templates": len(list(artifacts.glob("template*.json")))}, "noop": files}
    return [
        Row(BENCH_ID, cid, TITLE, label, samples=samples[cid], extra=extra[cid])
        for cid, label in CONTENDERS.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    return synth_goals(rows, BENCH_ID, TITLE, cold_ms=3000, noop_ms=1000)
