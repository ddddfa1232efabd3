"""skyfn's benchmark suite (issue 6): every comparison side by side, in one run.

    make bench            # or: .venv/bin/python bench/run.py [--repeat N] [--quick] [--only M]
                          #  or: .venv/bin/python -m bench ...

The machine is noisy, so contenders of a benchmark run alternately (rotating the order),
each several times, and the table reports medians and p95 with the ratio to the row's
baseline. The same table is written to bench/results/latest.json. The script starts and
stops its own moto_server; nothing is left running. Benchmarks are not tests: the goals are
checked here and reported, never asserted in pytest.

One module per benchmark (``rows(...)`` measures, ``goals(rows)`` checks); the shared
pieces are in bench/common.py and bench/report.py, the servers and projects in tests/support.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not __package__:  # run as a script: import bench and tests from the repository root
    sys.path[0] = str(ROOT)

from bench import (  # noqa: E402
    cold_many,
    cold_start_local,
    cold_start_ssm,
    deploy_nested,
    faults,
    fresh_secrets,
    host,
    packages,
    sandbox_scale,
    ssm_calls,
    synth,
    synth_branch,
    warm_memory,
)
from bench.common import Goal, Row  # noqa: E402
from bench.report import machine, table, write_results  # noqa: E402
from tests.support.env import aws_env  # noqa: E402
from tests.support.servers import moto_process  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.json"  # and latest.md beside it
BENCHMARKS = (
    cold_start_ssm,
    cold_start_local,
    ssm_calls,
    fresh_secrets,
    synth,
    synth_branch,
    host,
    warm_memory,
    sandbox_scale,
    cold_many,
    packages,
    deploy_nested,
    faults,
)  # goals in this order
NEEDS_MOTO = (cold_start_ssm, cold_start_local, ssm_calls, fresh_secrets, deploy_nested, faults)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per cold-start contender")
    parser.add_argument("--quick", action="store_true", help="few repeats, to try the script")
    parser.add_argument(
        "--only",
        choices=[module.__name__.rpartition(".")[2] for module in BENCHMARKS],
        help="run one benchmark module (its table is printed; latest.json is left as it is)",
    )
    options = parser.parse_args(argv)
    repeat = 3 if options.quick else options.repeat
    chosen = [m for m in BENCHMARKS if options.only in (None, m.__name__.rpartition(".")[2])]
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="skyfn-bench-") as tmp:
        work = Path(tmp)
        if any(module in NEEDS_MOTO for module in chosen):
            with moto_process(work / "moto.log") as endpoint:
                os.environ.update(aws_env(endpoint, "bench", isolated=True))
                print(f"moto_server at {endpoint}; {repeat} rounds per cold-start benchmark")
                if cold_start_ssm in chosen:
                    rows += cold_start_ssm.rows(endpoint, work, repeat)
                if cold_start_local in chosen:
                    rows += cold_start_local.rows(work, repeat)
                if ssm_calls in chosen:
                    rows += ssm_calls.rows(max(3, repeat // 2))
                if fresh_secrets in chosen:
                    rows += fresh_secrets.rows(endpoint, work, max(3, repeat // 2))
                if deploy_nested in chosen:
                    rows += deploy_nested.rows(work)
                if faults in chosen:
                    rows += faults.rows(endpoint, work, 3 if options.quick else 10)
        if host in chosen:
            rows += host.rows(work, repeat)
        if synth in chosen:
            rows += synth.rows(work, max(3, repeat // 3))
        if synth_branch in chosen:
            rows += synth_branch.rows(work, max(3, repeat // 3))
        if warm_memory in chosen:
            rows += warm_memory.rows(work, repeat)
        if sandbox_scale in chosen:
            rows += sandbox_scale.rows(work, max(3, repeat // 3))
        if cold_many in chosen:
            rows += cold_many.rows(work, max(1, repeat // 5))
        if packages in chosen:
            rows += packages.rows(work, max(5, repeat // 2))
    goal_list: list[Goal] = [goal for module in chosen for goal in module.goals(rows)]
    duration = time.perf_counter() - started
    print(table(rows, goal_list))
    print(f"\nwhole run: {duration:.0f} s on {machine()['cores']} cores")
    if options.only is None:
        write_results(RESULTS, rows, goal_list, duration)
        print(f"wrote {RESULTS.relative_to(ROOT)} and latest.md (paste it into README.md)")


if __name__ == "__main__":
    main()
