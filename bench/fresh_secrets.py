"""Secrets Manager and freshness: a cold start with 10 Secrets Manager secrets (skyfn's lean
reader, boto3 ``batch_get_secret_value``, Powertools ``SecretsProvider``); reading ``env.X``
while it is fresh against ``os.environ["X"]``; one refresh of 10 due SSM secrets in a warm
process against Powertools ``get_parameters_by_name`` with ``max_age``."""

from __future__ import annotations

import json
import os
import time
import timeit
from collections.abc import Callable
from pathlib import Path

from bench.common import APP, PY, SECRETS_HANDLER, SKYFN, Goal, Row, alternate, find, run_timed
from tests.support.env import aws_env, clean_env

COLD = "cold_start_secretsmanager_10"
READ = "env_read_fresh"
REFRESH = "refresh_10_due"

BOTO3 = """\
import os, boto3
by_id = {by_id!r}
reply = boto3.client("secretsmanager").batch_get_secret_value(SecretIdList=list(by_id))
os.environ.update({{by_id[s["Name"]]: s["SecretString"] for s in reply["SecretValues"]}})
import bench_handler
print(bench_handler.handler({{}}, None))
"""

POWERTOOLS = """\
import os
from aws_lambda_powertools.utilities.parameters import SecretsProvider
provider = SecretsProvider()
by_id = {by_id!r}
os.environ.update({{key: provider.get(name) for name, key in by_id.items()}})
import bench_handler
print(bench_handler.handler({{}}, None))
"""


def cold_rows(endpoint: str, work: Path, repeat: int) -> list[Row]:
    import boto3

    client = boto3.client("secretsmanager")
    keys = {f"SECRET_{i}": f"{APP}/sm/branch-main/S{i}" for i in range(10)}
    values = {name: f"value-{i}-" + "x" * (20 + i) for i, name in enumerate(keys.values())}
    for name, value in values.items():
        client.create_secret(Name=name, SecretString=value)
    expected = str(sum(len(v) for v in values.values()))
    (work / "bench_handler.py").write_text(SECRETS_HANDLER.format(keys=list(keys)))
    by_id = {name: key for key, name in keys.items()}
    env = clean_env(**aws_env(endpoint, "bench", isolated=True), PYTHONPATH=str(work))
    skyfn_env = {
        **env,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "SKYFN_HANDLER": "bench_handler.handler",
        "SKYFN_SECRETS": json.dumps({k: [p] for k, p in keys.items()}),
        "SKYFN_SECRET_STORE": "secretsmanager",
        "SKYFN_FUNCTION": "bench",
    }
    contenders: dict[str, Callable[[], float]] = {
        "skyfn": lambda: run_timed([PY, "-c", SKYFN], skyfn_env, work, expected),
        "boto3": lambda: run_timed([PY, "-c", BOTO3.format(by_id=by_id)], env, work, expected),
        "powertools": lambda: run_timed(
            [PY, "-c", POWERTOOLS.format(by_id=by_id)], env, work, expected
        ),
    }
    names = {
        "skyfn": "skyfn runtime",
        "boto3": "boto3 batch_get_secret_value",
        "powertools": "Powertools SecretsProvider",
    }
    title = "cold start to first result, 10 secrets in Secrets Manager"
    return [
        Row(COLD, cid, title, names[cid], samples=s, baseline="boto3")
        for cid, s in alternate(contenders, repeat).items()
    ]


def read_rows(repeat: int) -> list[Row]:
    """ns per read, in this process: a secret tracked for refresh but not due."""
    from skyfn.runtime import EnvReader, freshness
    from skyfn.runtime.secrets import Wanted

    os.environ["BENCH_KEY"] = "a-secret-value"
    freshness.track({"BENCH_KEY": ["/p"]}, Wanted("bench", "ssm", ages={"BENCH_KEY": 300.0}))
    env = EnvReader("bench")
    loops = 200_000

    def skyfn() -> float:
        return timeit.timeit(lambda: env.secret("BENCH_KEY", "K"), number=loops) / loops * 1e9

    def environ() -> float:
        return timeit.timeit(lambda: os.environ["BENCH_KEY"], number=loops) / loops * 1e9

    samples = alternate({"skyfn": skyfn, "environ": environ}, repeat)
    freshness._tracker = None
    names = {"skyfn": "skyfn env.X (fresh)", "environ": 'os.environ["X"]'}
    return [
        Row(READ, c, "reading a secret when fresh", names[c], "ns", s, baseline="environ")
        for c, s in samples.items()
    ]


def refresh_rows(repeat: int) -> list[Row]:
    """One refresh of 10 due SSM secrets in a warm process (clients already made)."""
    from aws_lambda_powertools.utilities.parameters import get_parameters_by_name

    from bench.common import put_parameters
    from skyfn.runtime import freshness
    from skyfn.runtime.secrets import Wanted

    paths = {f"R{i}": f"{APP}/refresh/S{i}" for i in range(10)}
    put_parameters({p: f"value-{i}" for i, p in enumerate(paths.values())})
    os.environ["SKYFN_SECRET_STORE"] = "ssm"
    freshness.track(
        {k: [p] for k, p in paths.items()}, Wanted("bench", "ssm", ages=dict.fromkeys(paths, 1.0))
    )
    tracker = freshness._tracker
    assert tracker is not None
    sent: list[int] = []

    def skyfn() -> float:
        for key in tracker.due:
            tracker.due[key] = 0.0  # all due
        start = time.perf_counter()
        tracker.refresh_due()
        elapsed = (time.perf_counter() - start) * 1000
        sent.append(sum(1 for key in paths if os.environ.get(key)))
        return elapsed

    by_name: dict[str, dict[str, object]] = {p: {} for p in paths.values()}
    get_parameters_by_name(by_name, decrypt=True, max_age=1)  # warm: client made, cached

    def powertools() -> float:
        time.sleep(1.05)  # its cache entries (max_age=1) expire: the next call fetches again
        start = time.perf_counter()
        values = get_parameters_by_name(by_name, decrypt=True, max_age=1)
        elapsed = (time.perf_counter() - start) * 1000
        if len(values) != 10:
            raise SystemExit("bench: Powertools did not return 10 secrets")
        return elapsed

    samples = alternate({"skyfn": skyfn, "powertools": powertools}, repeat)
    freshness._tracker = None
    if sent and min(sent) != 10:
        raise SystemExit("bench: the skyfn refresh did not deliver 10 secrets")
    names = {"skyfn": "skyfn lazy refresh", "powertools": "Powertools get_parameters_by_name"}
    return [
        Row(REFRESH, c, "one refresh of 10 due secrets", names[c], samples=s, baseline="powertools")
        for c, s in samples.items()
    ]


def rows(endpoint: str, work: Path, repeat: int) -> list[Row]:
    return cold_rows(endpoint, work, repeat) + read_rows(repeat) + refresh_rows(repeat)


def goals(rows: list[Row]) -> list[Goal]:
    found: list[Goal] = []
    checks = (
        (COLD, "skyfn", "boto3", 0.25, "cold start, 10 Secrets Manager secrets"),
        (READ, "skyfn", "environ", 3.0, "reading a secret when fresh"),
        (REFRESH, "skyfn", "powertools", 1.0, "one refresh of 10 due secrets"),
    )
    for bench_id, ours, theirs, limit, title in checks:
        mine, other = find(rows, bench_id, ours), find(rows, bench_id, theirs)
        if mine and other:
            r = mine.median / other.median
            goal = f"skyfn ≤ {limit:g} x {theirs}"
            found.append(Goal(bench_id, title, goal, f"{r:.3f} x", r <= limit))
    return found


def main() -> None:
    """Run only this module's rows: ``python -m bench.fresh_secrets``."""
    import tempfile

    from bench.report import table
    from tests.support.servers import moto_process

    with tempfile.TemporaryDirectory(prefix="skyfn-bench-") as tmp:
        work = Path(tmp)
        with moto_process(work / "moto.log") as endpoint:
            os.environ.update(aws_env(endpoint, "bench", isolated=True))
            found = rows(endpoint, work, 9)
    print(table(found, goals(found)))


if __name__ == "__main__":
    main()
