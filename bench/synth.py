"""Synth + env generation at scale (500 functions x 10 variables): cold, and a no-op re-synth
that must rewrite no file."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.common import PY, Goal, Row, alternate, find, run_timed
from tests.support.env import clean_env
from tests.support.projects import make_big_project

BENCH_ID = "synth_500"
TITLE = "synth + env generation, 500 functions x 10 variables"
CONTENDERS = {"cold": "cold (no outputs, no bytecode)", "noop": "no-op re-synth"}


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """path → (inode, mtime): a rewrite (even atomic, same bytes) changes one of them.
    The outputs only: ``.skyfn/cache/`` is skyfn's own (the definition cache)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] != "cache"
    }


def measure(
    project: Path, env: dict[str, str], command: list[str], repeat: int
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Alternating cold and no-op runs of ``command`` in ``project``: their samples, and
    the no-op's file counts (``files``, ``files_rewritten``)."""
    output = project / ".skyfn"
    rewritten: list[int] = []

    def cold() -> float:
        # Nothing cached: no outputs and no bytecode of the resource files.
        shutil.rmtree(output, ignore_errors=True)
        for cache in (project / "backend").rglob("__pycache__"):
            shutil.rmtree(cache)
        return run_timed(command, env, project)

    def noop() -> float:
        if not output.exists():
            run_timed(command, env, project)
        before = snapshot(output)
        elapsed = run_timed(command, env, project)
        after = snapshot(output)
        rewritten.append(sum(1 for k, v in after.items() if before.get(k) != v))
        return elapsed

    samples = alternate({"cold": cold, "noop": noop}, repeat)
    return samples, {"files": len(snapshot(output)), "files_rewritten": max(rewritten)}


def synth_goals(
    rows: list[Row], bench_id: str, title: str, cold_ms: float, noop_ms: float
) -> list[Goal]:
    """Cold within ``cold_ms``; a no-op within ``noop_ms`` that rewrites no file."""
    cold, noop = find(rows, bench_id, "cold"), find(rows, bench_id, "noop")
    if not (cold and noop):
        return []
    rewritten = noop.extra["files_rewritten"]
    return [
        Goal(
            bench_id,
            title,
            f"cold ≤ {cold_ms / 1000:g} s",
            f"{cold.median / 1000:.2f} s",
            cold.median <= cold_ms,
        ),
        Goal(
            bench_id,
            title,
            f"no-op ≤ {noop_ms / 1000:g} s, no file rewritten",
            f"{noop.median / 1000:.2f} s, {rewritten} of {noop.extra['files']} rewritten",
            noop.median <= noop_ms and rewritten == 0,
        ),
    ]


def rows(work: Path, repeat: int, functions: int = 500) -> list[Row]:
    project = work / "big"
    make_big_project(project, functions)
    env = clean_env(SKYFN_HOME=str(work / "home-synth"))
    samples, files = measure(project, env, [PY, "-m", "skyfn", "synth"], repeat)
    extra: dict[str, dict[str, int]] = {"noop": files}
    return [
        Row(BENCH_ID, cid, TITLE, label, samples=samples[cid], extra=extra.get(cid, {}))
        for cid, label in CONTENDERS.items()
    ]


def goals(rows: list[Row]) -> list[Goal]:
    return synth_goals(rows, BENCH_ID, TITLE, cold_ms=2000, noop_ms=500)
