"""Counts that robustness tests add up and ``make test`` prints at its end, one line per area.

A test calls ``report.add("bad inputs", tried=120, crashes=0)``; the conftest's terminal
summary prints every area that was recorded, e.g. ``bad inputs: 2314 tried, 0 crashes``.
"""

from __future__ import annotations

from collections import defaultdict

LINES: dict[str, str] = {
    "leaks": "leaks: {found} found in {files} files and {outputs} outputs",
    "store": "store: {acknowledged} acknowledged writes, {lost} lost, {killed} writers killed",
    "bad inputs": "bad inputs: {tried} tried, {crashes} crashes",
    "every option": (
        "every option: {backends} generated backends ({functions} functions) through "
        "{commands} commands, {answers} answers compared"
    ),
}

_counts: dict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))


def add(area: str, **counts: int) -> None:
    """Add to an area's counters (areas and their fields are the keys of ``LINES``)."""
    if area not in LINES:
        raise KeyError(f"unknown report area {area!r}; add it to tests/support/report.py LINES")
    for name, value in counts.items():
        _counts[area][name] += value


def lines() -> list[str]:
    return [LINES[area].format_map(_counts[area]) for area in LINES if area in _counts]
