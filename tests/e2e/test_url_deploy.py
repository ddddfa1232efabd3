"""``pipeline-deploy`` of functions with URLs (issue 24): the URL printed after the deploy,
read from the stack's output, and ``diff`` empty after it. moto 5's CloudFormation skips
``AWS::Lambda::Url``; tests/support/moto_urls.py adds it onto moto's own URL API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from skyfn.deploy import names
from tests.e2e.test_url_template import url_project
from tests.support.aws import Aws, aws  # noqa: F401
from tests.support.cli import run_skyfn
from tests.support.servers import moto_process


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto_process(log, module="tests.support.moto_urls_server") as endpoint:
        yield endpoint


def test_deploy_prints_each_url_and_then_diff_is_empty(aws: Aws, tmp_path: Path) -> None:  # noqa: F811
    root = url_project(tmp_path / "app")
    deployed = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert deployed.code == 0, deployed.out + deployed.err
    lam = boto3.client("lambda")
    for function in ("orders", "report"):
        physical = names.function_name("testapp", "main", function)
        url = lam.get_function_url_config(FunctionName=physical)["FunctionUrl"]
        assert f"url of {function}: {url}" in deployed.out
    assert (
        lam.get_function_url_config(FunctionName=names.function_name("testapp", "main", "orders"))[
            "AuthType"
        ]
        == "NONE"
    )
    assert "url of plain" not in deployed.out
    assert re.search(r"url of orders: https://\w+\.lambda-url\.", deployed.out)
    after = run_skyfn("diff", "--branch", "main", cwd=root, env=aws.env)
    assert after.code == 0 and "no changes" in after.out, after.out + after.err
