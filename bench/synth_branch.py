"""Branch synth + env generation at the scale of nested stacks (issue 17): 1,000 functions x
10 variables, ``skyfn synth --branch main`` (env modules, artifacts, the root template and
its 16 parts, every one checked against CloudFormation's quotas): cold, and a no-op re-synth
that must rewrite no file; the no-op again with the definition cache and the output
manifest switched off (the baseline of issue 27's goal: a no-op within 0.3 s)."""

from __future__ import annotations

from pathlib import Path

from bench.common import PY, Goal, Row, find, run_timed
from bench.synth import measure, synth_goals
from tests.support.env import clean_env
from tests.support.projects import make_big_project

BENCH_ID = "synth_branch_1000"
TITLE = "synth --branch + env generation, 1,000 functions x 10 variables (nested stacks)"
CONTENDERS = {"cold": "cold (no outputs, no bytecode)", "noop": "no-op re-synth"}
UNCACHED = "no-op re-synth, definition cache and output manifest off (baseline)"
NOOP_GOAL_MS = 300  # issue 27


def rows(work: Path, repeat: int, functions: int = 1000) -> list[Row]:
    project = work / "big-branch"
    make_big_project(project, functions)
    env = clean_env(SKYFN_HOME=str(work / "home-synth-branch"))
    command = [PY, "-m", "skyfn", "synth", "--branch", "main"]
    samples, files = measure(project, env, command, repeat)
    artifacts = project / ".skyfn" / "artifacts" / "branch-main"
    extra = {"cold": {"templates": len(list(artifacts.glob("template*.json")))}, "noop": files}
    off = env | {"SKYFN_NO_DEFINITION_CACHE": "1", "SKYFN_NO_OUTPUT_CACHE": "1"}
    uncached = [run_timed(command, off, project) for _ in range(repeat)]
    return [
        Row(BENCH_ID, cid, TITLE, label, samples=samples[cid], extra=extra[cid])
        for cid, label in CONTENDERS.items()
    ] + [Row(BENCH_ID, "noop_uncached", TITLE, UNCACHED, samples=uncached)]


def goals(rows: list[Row]) -> list[Goal]:
    found = synth_goals(rows, BENCH_ID, TITLE, cold_ms=3000, noop_ms=1000)
    noop, uncached = find(rows, BENCH_ID, "noop"), find(rows, BENCH_ID, "noop_uncached")
    if noop and uncached:
        found.append(
            Goal(
                BENCH_ID,
                TITLE,
                f"no-op ≤ {NOOP_GOAL_MS / 1000:g} s (issue 27)",
                f"{noop.median / 1000:.2f} s (caches off: {uncached.median / 1000:.2f} s)",
                noop.median <= NOOP_GOAL_MS,
            )
        )
    return found
