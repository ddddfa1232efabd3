"""``skyfn destroy`` against a real moto_server: removes the branch's stack after naming
what goes, keeps bundles and (unless --secrets) secrets, refuses another app's stack."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from skyfn.deploy import names
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE
from tests.support.projects import make_project

STACK = names.stack_name("testapp", "main")
ALPHA = """\
from skyfn import define_function, secret
fn = define_function(name="alpha", environment={"API_KEY": secret("API_KEY")})
"""
SECRET = "/skyfn/testapp/branch-main/API_KEY"


def skyfn(root: Path, aws: Aws, *args: str) -> Result:
    return run_skyfn(*args, cwd=root, env=aws.env, stdin="")


def stack_names() -> list[str]:
    stacks = boto3.client("cloudformation").describe_stacks()["Stacks"]
    return [s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]


def parameters() -> list[str]:
    return [p["Name"] for p in boto3.client("ssm").describe_parameters()["Parameters"]]


def objects() -> list[str]:
    s3 = boto3.client("s3")
    return [
        o["Key"]
        for b in s3.list_buckets()["Buckets"]
        for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])
    ]


@pytest.fixture()
def deployed(tmp_path: Path, aws: Aws) -> Path:
    boto3.client("ssm").put_parameter(Name=SECRET, Value=SECRET_VALUE, Type="SecureString")
    root = make_project(tmp_path / "app", {"alpha": ALPHA})
    result = skyfn(root, aws, "pipeline-deploy", "--branch", "main")
    assert result.code == 0, result.err
    return root


def test_destroy_removes_the_stack_and_keeps_bundles_and_secrets(deployed: Path, aws: Aws) -> None:
    bundles = objects()
    result = skyfn(deployed, aws, "destroy", "--branch", "main", "--yes")
    assert result.code == 0, result.err
    physical = names.function_name("testapp", "main", "alpha")
    assert f"app testapp, branch main: stack {STACK}" in result.err
    assert f"function alpha ({physical})" in result.err
    assert f"deleted FnAlpha (AWS::Lambda::Function {physical})" in result.out
    assert "deleted RoleAlpha (AWS::IAM::Role" in result.out
    assert STACK not in stack_names()
    assert boto3.client("lambda").list_functions()["Functions"] == []
    assert objects() == bundles  # bundles stay
    assert parameters() == [SECRET]  # secrets stay unless --secrets
    assert "1 secret(s) of branch main stay in SSM (API_KEY)" in result.out
    again = skyfn(deployed, aws, "destroy", "--branch", "main", "--yes")
    assert again.code == 0, again.err  # a stack already deleted: done, and said so
    assert f"stack {STACK} of branch main is already deleted; nothing to do" in again.out


def test_a_branch_that_is_not_deployed_is_named_with_the_deployed_ones(
    deployed: Path, aws: Aws
) -> None:
    """A typo (``mian``) on diff, logs and destroy names the deployed branches; a first
    deploy of a new branch goes ahead with a note."""
    named = "deployed branches of app testapp: main (did you mean main?)"
    diff = skyfn(deployed, aws, "diff", "--branch", "mian")
    assert diff.code == 2 and f"note: branch mian is not deployed ({named})" in diff.err
    logs = skyfn(deployed, aws, "logs", "alpha", "--branch", "mian")
    assert logs.code == 1 and named in logs.err
    gone = skyfn(deployed, aws, "destroy", "--branch", "mian", "--yes")
    assert gone.code == 1 and "has no deployed stack for branch mian" in gone.err
    assert named in gone.err and STACK in stack_names()
    boto3.client("ssm").put_parameter(
        Name=SECRET.replace("branch-main", "branch-dev"), Value=SECRET_VALUE, Type="SecureString"
    )
    first = skyfn(deployed, aws, "pipeline-deploy", "--branch", "dev")
    assert first.code == 0, first.err
    assert "note: branch dev is not deployed (deployed branches of app testapp: main)" in (
        first.out + first.err
    )


def test_destroy_with_secrets_removes_them_too(deployed: Path, aws: Aws) -> None:
    result = skyfn(deployed, aws, "destroy", "--branch", "main", "--yes", "--secrets")
    assert result.code == 0, result.err
    assert "secrets of branch main in SSM: API_KEY" in result.err
    assert "removed secret API_KEY from branch main" in result.out
    assert parameters() == []
    assert SECRET_VALUE not in result.out + result.err


def test_destroy_without_a_terminal_or_yes_refuses(deployed: Path, aws: Aws) -> None:
    result = skyfn(deployed, aws, "destroy", "--branch", "main")
    assert result.code == 1
    assert "needs a confirmation: run it on a terminal, or add --yes" in result.err
    assert STACK in stack_names()


def test_branch_is_required(deployed: Path, aws: Aws) -> None:
    result = skyfn(deployed, aws, "destroy", "--yes")
    assert result.code == 2 and "--branch" in result.err
    assert STACK in stack_names()


@pytest.mark.parametrize(
    "tags",
    [
        [{"Key": "skyfn:app", "Value": "shop"}, {"Key": "skyfn:branch", "Value": "main"}],
        [],
    ],
    ids=["another-app", "not-skyfn"],
)
def test_destroy_refuses_a_stack_that_is_not_this_apps(
    tmp_path: Path, aws: Aws, tags: list[dict[str, str]]
) -> None:
    boto3.client("cloudformation").create_stack(
        StackName=STACK,
        TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
        Tags=tags,
    )
    root = make_project(tmp_path / "app", {"alpha": ALPHA})
    result = skyfn(root, aws, "destroy", "--branch", "main", "--yes")
    assert result.code == 1, result.out
    assert f"stack {STACK} exists and" in result.err and "nothing was destroyed" in result.err
    assert "Traceback" not in result.err
    assert STACK in stack_names()
