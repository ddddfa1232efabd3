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
PARTS = 16  # parts holding at least one of fn_000 .. fn_299 (all of them)
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


def minimum(calls: Counter[str], contender: str, parts: int) -> int:
    """The fewest calls the nested layout needs for what this deploy did: who am I (1); the
    bucket (HEAD, and on the first deploy its creation: create, public access block,
    encryption); the two staging folders listed (bundles, templates) when the bucket
    existed; one PutObject per object that changed and one HeadObject (its checksum) per
    object already there (both as counted); the stack looked up (1) and then either created
    or updated and followed to its end (2) or, unchanged, its template compared (1); and
    the functions' ARNs read from the parts (a listing and one describe a part). The diff
    printed before a deploy (a read of every part) is not counted: it is a feature."""
    bucket = 1 + (3 if contender == "create" else 0)
    listing = 0 if contender == "create" else 2
    objects = calls.get("s3.PutObject", 0) + calls.get("s3.HeadObject", 0)
    stack = 1 + (1 if contender == "noop" else 2)
    outputs = 1 + parts
    return 1 + bucket + listing + objects + stack + outputs


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
        extra = {
            "calls": sum(calls.values()),
            "minimum": minimum(calls, contender, PARTS),
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
