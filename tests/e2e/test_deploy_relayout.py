"""Crossing the single-stack limit moves every function between stacks, which
CloudFormation cannot do for functions with fixed names: the deploy refuses, naming why,
unless ``--relayout`` lets it delete the stack and create it again. (The limit is lowered to
2 here, so three functions cross it.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest

from skyfn.deploy import layout, names
from skyfn.deploy.pipeline import deploy_branch
from skyfn.errors import SkyfnError
from skyfn.project import open_project
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource

STACK = names.stack_name("testapp", "main")


def resources() -> dict[str, str]:
    summaries = boto3.client("cloudformation").list_stack_resources(StackName=STACK)
    return {r["LogicalResourceId"]: r["ResourceType"] for r in summaries["StackResourceSummaries"]}


def test_crossing_the_limit_is_refused_then_done_with_relayout(
    tmp_path: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "SINGLE_STACK_MAX", 2)
    folders = {name: resource('{"NAME": "x"}', name=name) for name in ("alpha", "beta", "gamma")}
    root = make_project(tmp_path / "app", dict(list(folders.items())[:2]))
    deploy_branch(open_project(root), "main", None, lambda line: None)
    assert resources()["FnAlpha"] == "AWS::Lambda::Function"

    grown = make_project(tmp_path / "app", folders)
    with pytest.raises(SkyfnError) as refused:
        deploy_branch(open_project(grown), "main", None, lambda line: None)
    message = str(refused.value)
    assert message.startswith(f"stack {STACK}: the branch has 3 functions now (over 2), so")
    assert "move out of one stack into nested stacks" in message
    assert "Nothing was deployed" in message and "with --relayout" in message
    assert "FnAlpha" in resources()  # as it was

    said: list[str] = []
    deploy_branch(open_project(grown), "main", None, said.append, relayout=True)
    assert f"deleting stack {STACK}: the branch has 3 functions now (over 2)" in "\n".join(said)
    parts = resources()
    assert set(parts.values()) == {"AWS::CloudFormation::Stack"}
    lambdas = {f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]}
    assert lambdas == {names.function_name("testapp", "main", n) for n in folders}

    shutil.rmtree(grown / "backend" / "functions" / "gamma")
    shrunk = make_project(tmp_path / "app", dict(list(folders.items())[:2]))
    with pytest.raises(SkyfnError, match="so they move back into one stack"):
        deploy_branch(open_project(shrunk), "main", None, lambda line: None)


def test_the_cli_offers_relayout(tmp_path: Path) -> None:
    result = run_skyfn("pipeline-deploy", "--help", cwd=tmp_path)
    assert "--relayout" in result.out
