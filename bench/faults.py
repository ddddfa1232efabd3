"""Issue 28: update deploys through the fault-injecting proxy (tests/support/faults.py) at
5%, 15% and 30% mixed faults (500s, throttling, 3-8 s delays, answers cut or dropped
mid-body), a row per rate. Each run must end in success or one clean error line; a
successful deploy must be followed by an empty ``diff``; a rerun without faults must
converge, and no secret value may be lost. Goal: at 15%, at least 90% succeed on their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import Goal, Row, find
from tests.support.faults import fault_proxy
from tests.support.projects import make_project

BENCH_ID = "faults"
TITLE = "update deploys under mixed AWS faults"
RATES = (0.05, 0.15, 0.30)
FUNCTIONS = 6
SECRETS = 3
RESOURCE = """\
from skyfn import define_function, secret
fn = define_function(name="f{i}", environment={{"GREETING": "{greeting}", {secrets}}})
"""


def _project(work: Path, greeting: str) -> Path:
    secrets = ", ".join(f'"S{j}": secret("S{j}")' for j in range(SECRETS))
    functions = {
        f"f{i}": RESOURCE.format(i=i, greeting=greeting, secrets=secrets) for i in range(FUNCTIONS)
    }
    return make_project(work / "faults-app", functions, app_id="faultapp")


def _skyfn(root: Path, endpoint: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    done = subprocess.run(
        [sys.executable, "-m", "skyfn", *args, "--branch", "main"],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=900,
    )
    return done.returncode, done.stderr.decode()


def _clean(code: int, err: str) -> bool:
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    return code == 1 and len(errors) == 1 and "Traceback" not in err and "internal" not in err


def rows(endpoint: str, work: Path, deploys: int) -> list[Row]:
    import boto3

    ssm = boto3.client("ssm")
    values = {
        f"/skyfn/faultapp/branch-main/S{j}": f"fault-secret-value-{j}" for j in range(SECRETS)
    }
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    found: list[Row] = []
    with fault_proxy(endpoint) as proxy:
        assert _skyfn(_project(work, "start"), proxy.url, "pipeline-deploy")[0] == 0
        for index, rate in enumerate(RATES):
            counts: dict[str, Any] = {"ok": 0, "clean": 0, "bad": 0, "diff_not_empty": 0}
            for n in range(deploys):
                root = _project(work, f"r{index}-{n}")
                proxy.faults.mixed(rate, seed=28_000 + 100 * index + n)
                code, err = _skyfn(root, proxy.url, "pipeline-deploy")
                proxy.faults.clear()
                if code == 0:
                    counts["ok"] += 1
                    if _skyfn(root, proxy.url, "diff")[0] != 0:
                        counts["diff_not_empty"] += 1
                elif _clean(code, err):
                    counts["clean"] += 1
                else:
                    counts["bad"] += 1
                    counts.setdefault("bad_errors", []).append(err[-400:])
            root = _project(work, f"r{index}-rerun")
            counts["rerun_converged"] = (
                _skyfn(root, proxy.url, "pipeline-deploy")[0] == 0
                and _skyfn(root, proxy.url, "diff")[0] == 0
            )
            counts["values_kept"] = all(
                ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == value
                for name, value in values.items()
            )
            counts["faults"] = sum(1 for _, fault in proxy.faults.log if fault)
            proxy.faults.log.clear()
            found.append(
                Row(
                    BENCH_ID,
                    f"rate_{round(rate * 100)}",
                    TITLE,
                    f"{round(rate * 100)}% faults: deploys succeeded",
                    unit="%",
                    samples=[100.0 * counts["ok"] / deploys],
                    extra=counts,
                )
            )
    return found


def goals(rows: list[Row]) -> list[Goal]:
    row = find(rows, BENCH_ID, "rate_15")
    if row is None:
        return []
    extra = row.extra
    ok = row.median >= 90 and extra["bad"] == 0 and extra["diff_not_empty"] == 0
    ok = ok and extra["rerun_converged"] and extra["values_kept"]
    return [
        Goal(
            BENCH_ID,
            TITLE,
            "15% faults: ≥ 90% succeed; every failure one error line; diff empty after",
            f"{row.median:.0f}% succeeded, {extra['clean']} clean failures, {extra['bad']} not",
            ok,
        )
    ]
