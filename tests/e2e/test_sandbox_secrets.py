"""Secrets in the local host, from the real local store: each function gets only its own,
and a value set or removed in another process reaches the next call, without a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

HANDLER = """\
import os

AT_IMPORT = sorted(k for k in ("SKYFN_HOME", "SKYFN_MASTER_KEY", "HOME") if k in os.environ)

def handler(event, context):
    return {
        "token": os.environ["TOKEN"], "env": dict(os.environ), "pid": os.getpid(),
        "at_import": AT_IMPORT,
    }
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "app",
        {
            "alpha": resource('{"TOKEN": secret("ALPHA_TOKEN")}', name="alpha"),
            "beta": resource('{"TOKEN": secret("BETA_TOKEN")}', name="beta"),
        },
        {"alpha": HANDLER, "beta": HANDLER},
    )


def set_secret(project: Path, name: str, value: str) -> None:
    result = run_skyfn("secret", "set", name, "--identifier", "tester", cwd=project, stdin=value)
    assert result.code == 0, result.err
    assert value not in result.out + result.err


@pytest.fixture()
def sandbox(project: Path) -> Iterator[Sandbox]:
    set_secret(project, "ALPHA_TOKEN", "alpha-1")
    set_secret(project, "BETA_TOKEN", "beta-1")
    with running_sandbox(project, "--identifier", "tester") as box:
        yield box


def call(box: Sandbox, name: str) -> tuple[bool, Any]:
    response = box.client().invoke(FunctionName=name, Payload=b"{}")
    return "FunctionError" in response, json.loads(response["Payload"].read())


def until(box: Sandbox, name: str, check: Any) -> Any:
    """Poll until ``check(failed, body)``; the store change is picked up asynchronously."""
    deadline = time.monotonic() + 30
    while True:
        failed, body = call(box, name)
        if check(failed, body):
            return body
        assert time.monotonic() < deadline, (failed, body, box.logs())
        time.sleep(0.05)


def test_each_function_gets_only_its_own_secret(sandbox: Sandbox) -> None:
    failed, alpha = call(sandbox, "alpha")
    assert not failed, alpha
    assert alpha["token"] == "alpha-1"
    values = set(alpha["env"].values())
    assert "beta-1" not in values
    # what the reader needed to open the store is gone before the handler runs
    for name in ("SKYFN_HOME", "SKYFN_MASTER_KEY", "HOME"):
        assert name not in alpha["env"]
    assert alpha["at_import"] == [], "the module saw the store's variables while importing"
    assert call(sandbox, "beta")[1]["token"] == "beta-1"
    assert "alpha-1" not in sandbox.logs() and "beta-1" not in sandbox.logs()


def test_secret_set_and_removed_elsewhere_reach_the_next_call(
    sandbox: Sandbox, project: Path
) -> None:
    assert call(sandbox, "alpha")[1]["token"] == "alpha-1"
    beta_pid = call(sandbox, "beta")[1]["pid"]
    set_secret(project, "ALPHA_TOKEN", "alpha-2")
    until(sandbox, "alpha", lambda failed, body: not failed and body["token"] == "alpha-2")
    removed = run_skyfn("secret", "remove", "ALPHA_TOKEN", "--identifier", "tester", cwd=project)
    assert removed.code == 0, removed.err
    error = until(sandbox, "alpha", lambda failed, body: failed)
    assert "ALPHA_TOKEN" in error["errorMessage"]
    assert "skyfn secret set ALPHA_TOKEN --identifier tester" in error["errorMessage"]
    # beta was not affected: same value, and its warm worker was not restarted
    beta = call(sandbox, "beta")[1]
    assert beta["token"] == "beta-1" and beta["pid"] == beta_pid


def test_reading_the_store_does_not_recycle_warm_workers(sandbox: Sandbox) -> None:
    """A cold start opens and closes the store, which touches its files; only a real change
    of a secret may restart a function's workers."""
    pids = []
    for _ in range(3):
        pids.append(call(sandbox, "alpha")[1]["pid"])
        time.sleep(1)  # well past the watcher's debounce: any file event has been handled
    assert len(set(pids)) == 1, sandbox.logs()
    assert "secrets changed" not in sandbox.logs()


def test_invoke_reads_the_local_store(project: Path) -> None:
    missing = run_skyfn("invoke", "alpha", "--identifier", "tester", cwd=project)
    assert missing.code == 1
    assert "ALPHA_TOKEN" in missing.err
    assert "skyfn secret set ALPHA_TOKEN --identifier tester" in missing.err
    set_secret(project, "ALPHA_TOKEN", "from-the-store")
    result = run_skyfn("invoke", "alpha", "--identifier", "tester", cwd=project)
    assert result.code == 0, result.err
    assert json.loads(result.out)["token"] == "from-the-store"
    assert "from-the-store" not in result.err


def test_a_change_reaches_the_very_next_call(sandbox: Sandbox, project: Path) -> None:
    """No waiting for the watcher: a call that starts after ``skyfn secret`` returns gets
    the new value (set, then remove), even from a function with a warm worker."""
    for round_ in range(3):
        failed, before = call(sandbox, "alpha")  # a warm worker on the current value
        assert not failed, before
        set_secret(project, "ALPHA_TOKEN", f"next-{round_}")
        failed, after = call(sandbox, "alpha")
        assert not failed and after["token"] == f"next-{round_}", (after, sandbox.logs())
    removed = run_skyfn("secret", "remove", "ALPHA_TOKEN", "--identifier", "tester", cwd=project)
    assert removed.code == 0, removed.err
    failed, body = call(sandbox, "alpha")
    assert failed and "ALPHA_TOKEN" in body["errorMessage"], body
