"""The results of a run: the terminal table, bench/results/latest.json and latest.md."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import Goal, Row, find, ratio


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 1:
        return f"{value:.4f}{unit}" if value < 0.01 else f"{value:.2f}{unit}"
    return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"


def table(rows: list[Row], goal_list: list[Goal]) -> str:
    lines = [
        f"{'benchmark':<54} {'contender':<46} {'median':>9} {'p95':>9} {'x base':>7}  n",
        "-" * 134,
    ]
    last = ""
    for row in rows:
        bench = row.benchmark if row.bench_id != last else ""
        last = row.bench_id
        r = ratio(rows, row)
        extra = f"  calls={row.extra['calls']}" if "calls" in row.extra else ""
        if "requests_per_s_1_client" in row.extra:
            extra = (
                f"  {row.extra['requests_per_s_1_client']} req/s (1 client), "
                f"{row.extra['requests_per_s_8_clients']} (8)"
            )
        lines.append(
            f"{bench:<54} {row.contender:<46} {fmt(row.median, f' {row.unit}'):>9} "
            f"{fmt(row.p95, f' {row.unit}'):>9} {fmt(r) if r is not None else '—':>7}  "
            f"{len(row.samples)}{extra}"
        )
    lines += ["", "goals:"]
    for goal in goal_list:
        mark = "met" if goal.met else "MISSED"
        lines.append(f"  [{mark:^7}] {goal.benchmark}: {goal.goal} — {goal.measured}")
    return "\n".join(lines)


def markdown(rows: list[Row], goal_list: list[Goal], about: dict[str, Any], when: str) -> str:
    """The same table for the README."""
    lines = [
        f"Measured {when} on {about['cpu']}, {about['cores']} cores, Python {about['python']} "
        f"(load average {about['load_average'][0]:.1f}); medians of alternating runs.",
        "",
        "| benchmark | contender | median | p95 | x baseline | runs |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        r = ratio(rows, row)
        calls = f" ({row.extra['calls']} calls)" if "calls" in row.extra else ""
        lines.append(
            f"| {row.benchmark} | {row.contender}{calls} | {fmt(row.median, f' {row.unit}')} | "
            f"{fmt(row.p95, f' {row.unit}')} | {fmt(r) if r is not None else '—'} | {len(row.samples)} |"
        )
    lines += ["", "| goal | measured | |", "| --- | --- | --- |"]
    for goal in goal_list:
        mark = "met" if goal.met else "missed"
        lines.append(f"| {goal.benchmark}: {goal.goal} | {goal.measured} | {mark} |")
    return "\n".join(lines) + "\n"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def row_document(rows: list[Row], row: Row) -> dict[str, Any]:
    """One row of latest.json: the display labels as before, plus the stable ids."""
    base = find(rows, row.bench_id, row.baseline) if row.baseline else None
    return {
        "benchmark": row.benchmark,
        "contender": row.contender,
        "unit": row.unit,
        "baseline": base.contender if base else None,
        "extra": row.extra,
        "bench_id": row.bench_id,
        "contender_id": row.contender_id,
        "baseline_id": row.baseline,
        "median_ms": round(row.median, 2),
        "p95_ms": round(row.p95, 2),
        "ratio_to_baseline": (None if (r := ratio(rows, row)) is None else round(r, 3)),
        "samples_ms": [round(s, 2) for s in row.samples],
    }


def write_results(path: Path, rows: list[Row], goal_list: list[Goal], duration: float) -> None:
    """``path`` (JSON) and the markdown table beside it (same name, ``.md``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    about, when = machine(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    document = {
        "machine": about,
        "measured_at": when,
        "duration_s": round(duration, 1),
        "rows": [row_document(rows, row) for row in rows],
        "goals": [asdict(g) for g in goal_list],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    path.with_suffix(".md").write_text(markdown(rows, goal_list, about, when))
