"""Issue 23's shop on moto_server: every permission helper and setting deploys, ``diff``
then finds nothing to change, ``skyfn logs`` reads the log group the stack created (named
by CloudFormation), and a destroy keeps that group while a redeploy makes a new one.

moto's CloudFormation ignores Architectures, EphemeralStorage, Layers and LoggingConfig,
evaluates no IAM policy and has no GetAccountSettings: the rendered properties, the
policies and the concurrency check are proven in tests/unit/deploy (test_function_settings,
test_grants, test_concurrency); here the account's unreserved concurrency is the one seam.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest

from skyfn.deploy import concurrency
from skyfn.deploy.pipeline import deploy_branch
from skyfn.project import find_project
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.shop import make_shop


def deploy(root: Path, said: list[str]) -> None:
    deploy_branch(find_project(root), "main", None, said.append)


def own_groups() -> list[str]:
    groups = boto3.client("logs").describe_log_groups()["logGroups"]
    return sorted(g["logGroupName"] for g in groups if "LogGroupOrdersApi" in g["logGroupName"])


def test_the_shop_deploys_diffs_clean_logs_and_redeploys(
    tmp_path: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(concurrency, "unreserved", lambda client: 1000)
    root = make_shop(tmp_path / "shop")
    said: list[str] = []
    deploy(root, said)
    preview = "\n".join(said)
    assert "grant allow dynamodb:BatchGetItem, dynamodb:ConditionCheckItem" in preview
    assert "log retention: 30 days (own log group)" in preview
    assert "reserved concurrency: 2" in preview
    # issue 24: the nightly report deploys with its schedule (moto's CloudFormation skips
    # AWS::Scheduler::Schedule; tests/unit/deploy/test_schedules.py checks the template)
    assert "schedule cron(0 2 * * ? *) Europe/Paris" in preview
    # the orders API holds the mailer's deployed name and may invoke exactly it
    template = json.loads((root / ".skyfn/artifacts/branch-main/template.json").read_text())
    orders = next(
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Description"] == "skyfn function orders-api"
    )
    mailer_name = orders["Environment"]["Variables"]["MAILER"]
    assert mailer_name.startswith("shop-main-mailer-")
    deployed = boto3.client("lambda").get_function(FunctionName=mailer_name)
    assert deployed["Configuration"]["FunctionName"] == mailer_name

    same = run_skyfn("diff", "--branch", "main", cwd=root, env=aws.env)
    assert same.code == 0, same.out + same.err
    assert "is up to date" in same.out

    [group] = own_groups()
    assert (
        boto3.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"][0][
            "retentionInDays"
        ]
        == 30
    )
    logs = boto3.client("logs")
    logs.create_log_stream(logGroupName=group, logStreamName="2026/01/01/[$LATEST]abc")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/01/01/[$LATEST]abc",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "order 42 placed"}],
    )
    shown = run_skyfn(
        "logs", "orders-api", "--branch", "main", "--since", "1h", cwd=root, env=aws.env
    )
    assert shown.code == 0, shown.err
    assert f"logs of orders-api ({group})" in shown.err
    assert "order 42 placed" in shown.out

    gone = run_skyfn("destroy", "--branch", "main", "--yes", cwd=root, env=aws.env)
    assert gone.code == 0, gone.err
    assert own_groups() == [group]  # Retain: the logs outlive the stack
    deploy(root, said)
    again = own_groups()
    assert len(again) == 2 and group in again  # a new group, no name clash
    same = run_skyfn("diff", "--branch", "main", cwd=root, env=aws.env)
    assert same.code == 0, same.out + same.err


def test_a_reservation_the_account_cannot_give_deploys_nothing(
    tmp_path: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(concurrency, "unreserved", lambda client: 101)
    root = make_shop(tmp_path / "shop")
    with pytest.raises(Exception, match="function mailer: reserved_concurrency=2 would leave"):
        deploy(root, [])
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []
    assert boto3.client("s3").list_buckets()["Buckets"] == []
