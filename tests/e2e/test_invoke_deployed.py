"""``skyfn invoke FN --deployed --branch B``: the deployed function, invoked with the
caller's credentials through skyfn's session, against moto_server. ``--branch`` alone still
runs locally.

What moto can and cannot give (checked, moto 5): without docker, its default Lambda answers
every invoke with ``FunctionError: Handled`` and the text of its docker error, and an empty
``LogResult``; its docker-less backend (``use_docker: false``) answers with a result queued
through its API, and no ``LogResult`` at all. Neither runs Python here, so no real log
tail exists: the one test of the tail's masking and format adds ``LogResult`` to moto's
real answer with a botocore hook (mocked: only that header)."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from skyfn import aws
from skyfn.cli import main
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.deploy import SECRET_VALUE
from tests.support.projects import make_project, resource


def moto_api(aws: Aws, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{aws.endpoint}/moto-api/{path}", json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture()
def simple_lambda(aws: Aws) -> Iterator[Aws]:
    """moto's docker-less Lambda (set before the deploy: functions live in its backend)."""
    moto_api(aws, "config", {"lambda": {"use_docker": False}})
    try:
        yield aws
    finally:
        moto_api(aws, "config", {"lambda": {"use_docker": True}})


def deployed(aws: Aws, root: Path) -> Path:
    make_project(root, {"fn": resource('{"GREETING": "hi", "API_KEY": secret("API_KEY")}')})
    boto3.client("ssm").put_parameter(
        Name="/skyfn/testapp/branch-main/API_KEY", Value=SECRET_VALUE, Type="SecureString"
    )
    result = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert result.code == 0, result.out + result.err
    return root


def test_the_deployed_function_answers_on_stdout(simple_lambda: Aws, tmp_path: Path) -> None:
    root = deployed(simple_lambda, tmp_path / "app")
    moto_api(
        simple_lambda,
        "static/lambda-simple/response",
        {"results": [json.dumps({"from": "aws"})], "region": "us-east-1"},
    )
    result = run_skyfn(
        "invoke", "fn", "--deployed", "--branch", "main", "--event", '{"a": 1}',
        cwd=root, env=simple_lambda.env,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"from": "aws"}


def test_a_function_error_exits_1_and_says_so(aws: Aws, tmp_path: Path) -> None:
    root = deployed(aws, tmp_path / "app")  # moto's docker Lambda: FunctionError, always
    result = run_skyfn("invoke", "fn", "--deployed", "--branch", "main", cwd=root, env=aws.env)
    assert result.code == 1, result.out + result.err
    assert "error: function fn (branch main) failed: Error: error running docker" in result.err
    assert "Traceback" not in result.err


TAIL = (
    "START RequestId: 8f5c Version: $LATEST\n"
    f"the key is {SECRET_VALUE}\n"
    "END RequestId: 8f5c\n"
    "REPORT RequestId: 8f5c\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 40 MB\t\n"
)


def test_the_log_tail_is_masked_on_stderr(
    simple_lambda: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = deployed(simple_lambda, tmp_path / "app")
    moto_api(
        simple_lambda,
        "static/lambda-simple/response",
        {"results": [json.dumps("done")], "region": "us-east-1"},
    )
    asked: list[str] = []
    make_session = aws.session

    def session() -> aws.Session:
        made = make_session()

        def add_tail(parsed: dict[str, Any], model: Any, **_: Any) -> None:
            asked.append(model.name)
            parsed["LogResult"] = base64.b64encode(TAIL.encode()).decode()  # mocked

        made.events.register("after-call.lambda.Invoke", add_tail)
        return made

    monkeypatch.setattr(aws, "session", session)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["invoke", "fn", "--deployed", "--branch", "main"])
    assert result.exit_code == 0, result.output
    assert asked == ["Invoke"]
    assert json.loads(result.stdout) == "done"
    assert SECRET_VALUE not in result.stderr
    lines = result.stderr.splitlines()
    assert "the key is ****" in lines
    assert lines[-1].startswith("REPORT RequestId: 8f5c\tDuration: 1.00 ms")


def test_deployed_needs_a_branch_and_branch_alone_stays_local(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", {"fn": resource('{"GREETING": "hi"}')})
    alone = run_skyfn("invoke", "fn", "--deployed", cwd=root)
    assert alone.code == 2 and "--deployed needs --branch B" in alone.err
    both = run_skyfn(
        "invoke", "fn", "--deployed", "--branch", "main", "--identifier", "x", cwd=root
    )
    assert both.code == 2 and "--identifier: only for a local run" in both.err
    local = run_skyfn("invoke", "fn", "--branch", "main", "--store", "local", cwd=root)
    assert local.code == 0, local.err
    assert json.loads(local.out) == "ok"
