"""What every benchmark shares: rows and goals keyed by stable ids, alternating runs, timing
a fresh process, and the constants of the benchmark app."""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
APP = "/skyfn/benchapp"

# A fresh function process: skyfn's bootstrap resolves the secrets, then calls the handler.
SKYFN = "import skyfn.runtime.bootstrap as b\nprint(b.handler({}, None))"

# A handler that proves it saw every secret: the sum of their lengths.
SECRETS_HANDLER = """\
import os
KEYS = {keys!r}
def handler(event, context):
    return sum(len(os.environ[k]) for k in KEYS)
"""


@dataclass
class Row:
    """One contender of one benchmark. ``bench_id`` and ``contender_id`` are stable names that
    goals and baselines refer to; ``benchmark`` and ``contender`` are only for display."""

    bench_id: str
    contender_id: str
    benchmark: str
    contender: str
    unit: str = "ms"
    samples: list[float] = field(default_factory=list)
    baseline: str | None = None  # contender_id of the same benchmark this is compared to
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Goal:
    bench_id: str
    benchmark: str  # the display label of the benchmark
    goal: str
    measured: str
    met: bool


def find(rows: list[Row], bench_id: str, contender_id: str) -> Row | None:
    return next(
        (r for r in rows if r.bench_id == bench_id and r.contender_id == contender_id), None
    )


def ratio(rows: list[Row], row: Row) -> float | None:
    base = find(rows, row.bench_id, row.baseline) if row.baseline else None
    if base is None or not base.samples or not row.samples:
        return None
    return row.median / base.median


def alternate(contenders: dict[str, Callable[[], float]], repeat: int) -> dict[str, list[float]]:
    """Run each contender ``repeat`` times, interleaved, rotating who goes first."""
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(contenders[name]())
    return samples


def run_timed(args: list[str], env: dict[str, str], cwd: Path, expect: str | None = None) -> float:
    """Milliseconds for a fresh process to run ``args``; checks what it printed."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    elapsed = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args[:3])} failed:\n{proc.stderr[-3000:]}")
    if expect is not None and proc.stdout.strip() != expect:
        raise SystemExit(f"bench: expected {expect!r}, got {proc.stdout.strip()!r}")
    return elapsed


def put_parameters(values: dict[str, str]) -> None:
    import boto3

    ssm = boto3.client("ssm")
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
