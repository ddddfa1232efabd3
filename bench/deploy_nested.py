"""``pipeline-deploy`` of 300 functions to moto_server (issue 17): the first deploy, a second
one that adds a function and removes another, and a third with nothing changed. Each row
reports the time and the AWS calls made (counted by a botocore ``before-call`` hook on every
session the deploy opens), beside the fewest calls the layout needs (``minimum``).

moto runs no Lambda code and applies a template in-process, so the times say what skyfn
costs (bundling, checks, uploads, API round trips), not how long CloudFormation would take.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session

from bench.common import Goal, Row, find
from tests.support.projects import BIG_RESOURCE, make_big_project, write

BENCH_ID = "deploy_300"
TITLE = "pipeline-deploy, 300 functions, moto_server (nested stacks)"
FUNCTIONS = 300
CONTENDERS = {
    "create": "first deploy",
    "change": "second: one function added, one removed",
    "noop": "third: nothing changed",
}


@contextlib.contextmanager
def counting_calls() -> Iterator[Counter[str]]:
    """Every AWS call made by sessions opened inside the block, by ``service.Operation``."""
    calls: Counter[str] = Counter()
    original = botocore.session.get_session

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.endpoint_prefix}.{model.name}"] += 1

    def counted_session(env_vars: Any = None) -> Any:
        session = original(env_vars)
        session.register("before-call", count)
        return session

    botocore.session.get_session = counted_session
    try:
        yield calls
    finally:
        botocore.session.get_session = original


def minimum(calls: Counter[str], puts: int, creates: bool) -> int:
    """The fewest calls the nested layout needs for what this deploy changed: who am I,
    the bucket, the bundles and templates put, the stack looked up, and one create or update
    followed to its end (one poll) and its parts' outputs read (a listing and one describe
    a part); checksums of reused objects (one HeadObject each) and nothing else."""
    bucket = 4 if creates else 1  # create + public access block + encryption + policy; else HEAD
    listing = 0 if creates else 2  # the bundles' and templates' folders
    stack = 1 + 1 + 1  # DescribeStacks, CreateStack/UpdateStack, one poll
    outputs = 1 + 16
    heads = calls.get("s3.HeadObject", 0)
    return 1 + bucket + listing + puts + heads + stack + outputs


def rows(work: Path) -> list[Row]:
    from skyfn.deploy.pipeline import deploy_branch
    from skyfn.project import open_project

    project = make_big_project(work / "deploy-300", FUNCTIONS)
    functions = project / "backend" / "functions"
    rows: list[Row] = []
    for contender, label in CONTENDERS.items():
        if contender == "change":
            shutil.rmtree(functions / "fn_007")
            write(functions / "fn_new" / "resource.py", BIG_RESOURCE.format(i=999))
            write(
                functions / "fn_new" / "handler.py", "def handler(event, context):\n    return 2\n"
            )
            backend = (project / "backend" / "backend.py").read_text()
            backend = backend.replace("from functions.fn_007.", "from functions.fn_new.")
            (project / "backend" / "backend.py").write_text(backend)
        lines: list[str] = []
        with counting_calls() as calls:
            start = time.perf_counter()
            deploy_branch(open_project(project), "main", None, lines.append)
            elapsed = (time.perf_counter() - start) * 1000
        puts = calls.get("s3.PutObject", 0)
        extra = {
            "calls": sum(calls.values()),
            "minimum": minimum(calls, puts, contender == "create"),
            "by_operation": dict(sorted(calls.items())),
        }
        rows.append(Row(BENCH_ID, contender, TITLE, label, samples=[elapsed], extra=extra))
    return rows


def goals(rows: list[Row]) -> list[Goal]:
    goals: list[Goal] = []
    for contender in CONTENDERS:
        row = find(rows, BENCH_ID, contender)
        if row is None:
            continue
        calls, least = row.extra["calls"], row.extra["minimum"]
        goals.append(
            Goal(
                BENCH_ID,
                TITLE,
                f"{contender}: calls ≤ 1.5 x the layout's minimum",
                f"{row.median / 1000:.1f} s, {calls} calls (minimum {least})",
                calls <= 1.5 * least,
            )
        )
    return goals
