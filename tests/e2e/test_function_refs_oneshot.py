"""The one-shot commands serve a function's references too: ``skyfn invoke`` (which waits
for the Event calls its function made before it exits), ``skyfn run`` and the pytest
plugin each start a short-lived local Lambda endpoint, so the handler's unchanged
``boto3.client("lambda").invoke(FunctionName=env.MAILER, ...)`` reaches the local mailer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import write
from tests.support.refs_shop import make_shop


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    return make_shop(tmp_path / "shop")


# the environment of a developer without AWS credentials or a profile
NO_AWS = {"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"}


def test_invoke_reaches_the_mailer_and_waits_for_its_events(shop: Path, tmp_path: Path) -> None:
    synced = run_skyfn("invoke", "orders", "--event", '{"mode": "sync"}', cwd=shop, env=NO_AWS)
    assert synced.code == 0, synced.err
    assert json.loads(synced.out)["payload"] == {"sent": "alice"}
    mark = tmp_path / "mark.txt"
    event = json.dumps({"mode": "event", "mark": str(mark)})
    sent = run_skyfn("invoke", "orders", "--event", event, cwd=shop, env=NO_AWS)
    assert sent.code == 0, sent.err
    assert json.loads(sent.out)["status"] == 202
    assert mark.read_text() == "bob"  # ran before the command exited
    refused = run_skyfn(
        "invoke", "orders", "--event", '{"mode": "unreferenced"}', cwd=shop, env=NO_AWS
    )
    assert json.loads(refused.out)["error"] == "AccessDeniedException"


SCRIPT = (
    "import boto3, json; from skyfn_env.orders import env; "
    "answer = boto3.client('lambda').invoke(FunctionName=env.MAILER, Payload=b'{\"to\": \"x\"}'); "
    "print(json.loads(answer['Payload'].read()))"
)


@pytest.mark.parametrize("clean", [True, False])
def test_run_serves_the_referenced_functions(shop: Path, clean: bool) -> None:
    args = ["run", "orders", *(["--clean"] if clean else []), "--", sys.executable, "-c", SCRIPT]
    # without --clean the shell's credentials stay the command's (any will do locally)
    env = NO_AWS if clean else {**NO_AWS, "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    result = run_skyfn(*args, cwd=shop, env={**env, "AWS_DEFAULT_REGION": "us-east-1"})
    assert result.code == 0, result.err
    assert "{'sent': 'x'}" in result.out


PLUGIN_TEST = """\
def test_orders_mails(skyfn_invoke):
    assert skyfn_invoke("orders", {"mode": "sync"})["payload"] == {"sent": "alice"}
    assert skyfn_invoke("orders", {"mode": "unreferenced"})["error"] == "AccessDeniedException"
"""


def test_the_pytest_plugin_serves_the_referenced_functions(shop: Path) -> None:
    write(shop / "tests" / "test_orders.py", PLUGIN_TEST)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=shop,
        env={**os.environ, **NO_AWS},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
