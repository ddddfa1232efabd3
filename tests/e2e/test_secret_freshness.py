"""Secrets that change without a redeploy: one warm instance (skyfn's own worker, as the
host starts it) on the ssm store, against moto_server. A changed value reaches it within
max_age without a restart; a pinned version stays; a failed refresh keeps the old value."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from skyfn import scope as scopes
from skyfn.outputs import synth
from skyfn.project import open_project
from skyfn.runtime import EnvReader, bootstrap, contract, freshness
from tests.support.aws import Aws
from tests.support.projects import make_project, resource
from tests.support.traffic import Traffic
from tests.support.warm_worker import WarmWorker, warm_worker

SHARED = "/skyfn/testapp/shared"

HANDLER = """\
import os
from skyfn.runtime import refresh_secrets
from skyfn_env.fn import env

def handler(event, context):
    if event.get("refresh"):
        return {"changed": refresh_secrets()}
    api_key = env.API_KEY
    if event.get("log"):
        print("the key is", api_key)
    return {
        "api_key": api_key,
        "environ": os.environ["API_KEY"],
        "pinned": env.PINNED,
        "once": env.ONCE,
        "pid": os.getpid(),
    }
"""

ENVIRONMENT = (
    '{"API_KEY": secret("MY_API_KEY", max_age=1), '
    '"PINNED": secret("LEGACY_KEY", version=1), '
    '"ONCE": secret("ONCE_KEY", max_age=None)}'
)


def put(name: str, value: str) -> None:
    boto3.client("ssm").put_parameter(
        Name=f"{SHARED}/{name}", Value=value, Type="SecureString", Overwrite=True
    )


@pytest.fixture()
def worker(aws: Aws, tmp_path: Path) -> Any:
    root = make_project(tmp_path / "app", {"fn": resource(ENVIRONMENT, name="fn")}, {"fn": HANDLER})
    for name in ("MY_API_KEY", "LEGACY_KEY", "ONCE_KEY"):
        put(name, f"{name.lower()}-v1")
    put("LEGACY_KEY", "legacy_key-v2")  # the pin is version 1
    model = synth(open_project(root), scopes.branch("main"), "ssm").model
    with warm_worker(model, "fn", aws.env) as started:
        yield started


def until(worker: WarmWorker, done: Callable[[Any], bool], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        answer = worker.invoke()
        if done(answer):
            return answer
        assert time.monotonic() < deadline, (answer, worker.logs())
        time.sleep(0.2)


def test_a_changed_value_reaches_the_warm_function_within_max_age(worker: WarmWorker) -> None:
    first = worker.invoke()
    assert first["api_key"] == "my_api_key-v1"
    assert first["pinned"] == "legacy_key-v1"
    put("MY_API_KEY", "my_api_key-v2")
    put("LEGACY_KEY", "legacy_key-v3")
    put("ONCE_KEY", "once_key-v2")
    answer = until(worker, lambda a: a["api_key"] == "my_api_key-v2")
    assert answer["environ"] == "my_api_key-v2", "os.environ is updated too"
    assert answer["pid"] == first["pid"], "no restart"
    assert answer["pinned"] == "legacy_key-v1", "a pinned version does not change"
    assert answer["once"] == "once_key-v1", "max_age=None: read once per cold start"
    worker.invoke({"log": True})
    assert "my_api_key-v2" not in worker.logs(), "a refreshed value is masked in the logs"


def test_refresh_secrets_rereads_every_secret_now(worker: WarmWorker) -> None:
    assert worker.invoke()["once"] == "once_key-v1"
    put("ONCE_KEY", "once_key-v2")
    assert worker.invoke()["once"] == "once_key-v1"
    assert worker.invoke({"refresh": True}) == {"changed": ["ONCE"]}
    answer = worker.invoke()
    assert answer["once"] == "once_key-v2"
    assert answer["pinned"] == "legacy_key-v1"


def test_a_failed_refresh_keeps_the_last_value_and_warns_once(worker: WarmWorker) -> None:
    first = worker.invoke()
    boto3.client("ssm").delete_parameter(Name=f"{SHARED}/MY_API_KEY")
    time.sleep(1.2)  # past max_age: the next read refreshes, and fails
    answers = [worker.invoke() for _ in range(3)]
    assert [a["api_key"] for a in answers] == ["my_api_key-v1"] * 3
    assert all(a["pid"] == first["pid"] for a in answers)
    logs = worker.logs()
    warnings = [line for line in logs.splitlines() if "could not refresh" in line]
    assert len(warnings) == 1, logs  # one warning, then a back-off before the next try
    assert "MY_API_KEY" in warnings[0] and "API_KEY" in warnings[0]
    assert "my_api_key-v1" not in logs
    put("MY_API_KEY", "my_api_key-v2")  # back: after the back-off it is read again
    until(worker, lambda a: a["api_key"] == "my_api_key-v2", seconds=30)


def test_one_read_refreshes_every_due_secret_in_one_batched_round(
    aws: Aws, traffic: Traffic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process: 12 secrets due, one pinned: one read → ⌈12/10⌉ GetParameters."""
    ssm = boto3.client("ssm")
    spec: dict[str, list[object]] = {}
    for i in range(12):
        ssm.put_parameter(Name=f"{SHARED}/S{i}", Value=f"s{i}-v1", Type="SecureString")
        spec[f"S{i}"] = [f"{SHARED}/S{i}", 1]
    ssm.put_parameter(Name=f"{SHARED}/P", Value="p-v1", Type="SecureString")
    spec["P"] = [f"{SHARED}/P:1", None]
    monkeypatch.setattr(freshness, "_tracker", None)
    monkeypatch.setenv(contract.SECRETS_VAR, json.dumps(spec))
    monkeypatch.setenv(contract.STORE_VAR, "ssm")
    monkeypatch.setenv(contract.FUNCTION_VAR, "fn")
    for key in spec:
        monkeypatch.setenv(key, contract.secret_placeholder(key))
    bootstrap.resolve_secrets()
    env = EnvReader("fn")
    for i in range(12):
        ssm.put_parameter(
            Name=f"{SHARED}/S{i}", Value=f"s{i}-v2", Type="SecureString", Overwrite=True
        )
    ssm.put_parameter(Name=f"{SHARED}/P", Value="p-v2", Type="SecureString", Overwrite=True)
    before = traffic.get_parameters
    assert env.secret("S3", "S3") == "s3-v1", "fresh: served from memory, no call"
    assert traffic.get_parameters == before
    time.sleep(1.1)
    assert env.secret("S3", "S3") == "s3-v2"
    assert traffic.get_parameters == before + 2
    assert [os.environ[f"S{i}"] for i in range(12)] == [f"s{i}-v2" for i in range(12)]
    assert env.secret("P", "P") == "p-v1"
    assert traffic.get_parameters == before + 2
