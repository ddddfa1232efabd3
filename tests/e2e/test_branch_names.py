"""Branch names as git writes them (issue 30): ``--branch feature/login``, what CI systems
pass, is accepted and is ``feature-login`` in every command and place (secret paths,
``.env.<branch>``, artifacts, stack and Lambda names, tags); the name as given is kept in
the ``skyfn:branch-name`` tag, and a second branch with the same safe name is refused,
naming both. Through the real CLI, against a real moto_server and a real ``git``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyfn import scope
from skyfn.deploy import names
from skyfn.errors import SkyfnError
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE
from tests.support.projects import make_project, write

ALPHA = """\
import os
from skyfn import define_function, secret
fn = define_function(
    name="alpha",
    environment={"API_KEY": secret("API_KEY"), "LEVEL": os.environ.get("LEVEL", "unset")},
)
"""
SAFE = "feature-login"
STACK = names.stack_name("testapp", SAFE)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "app", {"alpha": ALPHA})


def skyfn(root: Path, aws: Aws, *args: str, stdin: str = "") -> Result:
    return run_skyfn(*args, cwd=root, env=aws.env, stdin=stdin)


def refused(result: Result, *expected: str) -> str:
    assert result.code == 1, result
    lines = result.err.splitlines()
    assert "Traceback" not in result.err and lines[-1].startswith("error: "), result.err
    for text in expected:
        assert text in lines[-1], result.err
    return lines[-1]


def tags_of(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def stack() -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("cloudformation").describe_stacks(StackName=STACK)[
        "Stacks"
    ][0]
    return found


def _git_accepts(name: str) -> bool:
    done = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    return done.returncode == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from("ab/-_.@{}~^:?*[\\ #!'\"é\x7f\t"), min_size=1, max_size=12))
def test_skyfn_refuses_exactly_the_names_git_refuses(name: str) -> None:
    """Names valid before (``main.``, ``HEAD``) stay accepted, whatever git says; of the
    others, skyfn accepts what ``git check-ref-format --branch`` accepts ("@" aside: git
    reads it as the current branch)."""
    if scope.valid_segment(name) or name == "@" or "\x00" in name:
        return
    try:
        scope.branch(name)
        accepted = True
    except SkyfnError:
        accepted = False
    assert accepted == _git_accepts(name), name


def test_secret_set_and_get_with_a_git_branch_name(root: Path, aws: Aws) -> None:
    done = skyfn(root, aws, "secret", "set", "API_KEY", "--branch", "feature/login", stdin="v1")
    assert done.code == 0, done
    assert done.out == f"Set API_KEY (version 1) for branch {SAFE}\n"
    assert f"note: branch feature/login is {SAFE}" in done.err
    assert "/skyfn/<app>/branch-feature-login/" in done.err
    parameter = boto3.client("ssm").get_parameter(
        Name=f"/skyfn/testapp/branch-{SAFE}/API_KEY", WithDecryption=True
    )
    assert parameter["Parameter"]["Value"] == "v1"
    got = skyfn(root, aws, "secret", "get", "API_KEY", "--branch", "feature/login")
    assert (got.code, got.out) == (0, "v1\n")
    # The safe name is the same scope (the README says so): one folder of secrets.
    same = skyfn(root, aws, "secret", "get", "API_KEY", "--branch", SAFE)
    assert (same.code, same.out, same.err) == (0, "v1\n", "")
    listed = json.loads(
        skyfn(root, aws, "secret", "list", "--branch", "feature/login", "--json").out
    )
    assert [item["name"] for item in listed] == ["API_KEY"]


def test_synth_uses_the_safe_name_everywhere(root: Path, aws: Aws) -> None:
    write(root / ".env.feature-login", "LEVEL=from-branch-file\n")
    done = skyfn(root, aws, "synth", "--branch", "feature/login")
    assert done.code == 0, done
    folder = root / ".skyfn" / "artifacts" / f"branch-{SAFE}"
    artifact = json.loads((folder / "alpha.json").read_text())
    assert artifact["environment"]["LEVEL"] == "from-branch-file"
    assert f"/skyfn/testapp/branch-{SAFE}/API_KEY" in json.dumps(artifact)
    template = json.loads((folder / "template.json").read_text())
    function = template["Resources"]["FnAlpha"]["Properties"]
    assert function["FunctionName"] == names.function_name("testapp", SAFE, "alpha")
    tags = tags_of(function["Tags"])
    assert tags["skyfn:branch"] == SAFE and tags["skyfn:branch-name"] == "feature/login"
    # A name valid before keeps its own, in every tag too.
    assert skyfn(root, aws, "synth", "--branch", "main").code == 0
    main = json.loads((root / ".skyfn/artifacts/branch-main/template.json").read_text())
    main_tags = tags_of(main["Resources"]["FnAlpha"]["Properties"]["Tags"])
    assert main_tags["skyfn:branch"] == main_tags["skyfn:branch-name"] == "main"


def test_deploy_diff_and_a_second_branch_of_the_same_safe_name(root: Path, aws: Aws) -> None:
    assert skyfn(root, aws, "secret", "set", "API_KEY", "--branch", "feature/login",
                 stdin=SECRET_VALUE).code == 0  # fmt: skip
    deployed = skyfn(root, aws, "pipeline-deploy", "--branch", "feature/login")
    assert deployed.code == 0, deployed
    assert f"note: branch feature/login is {SAFE}" in deployed.out
    stack_tags = tags_of(stack()["Tags"])
    assert stack_tags["skyfn:branch"] == SAFE
    assert stack_tags["skyfn:branch-name"] == "feature/login"
    physical = names.function_name("testapp", SAFE, "alpha")
    assert boto3.client("lambda").get_function(FunctionName=physical)  # there, by that name
    body = boto3.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    deployed_tags = tags_of(body["Resources"]["FnAlpha"]["Properties"]["Tags"])
    assert deployed_tags["skyfn:branch-name"] == "feature/login"  # moto keeps no Lambda tags

    same = skyfn(root, aws, "diff", "--branch", "feature/login")
    assert same.code == 0, same
    assert f"no changes: stack {STACK} is up to date" in same.out

    # feature-login is another git branch with the same safe name: refused, both named,
    # by every command that finds the stack; the stack stays feature/login's.
    before = stack()
    for command, did in (
        ("pipeline-deploy", "nothing was deployed"),
        ("diff", "nothing was compared"),
        ("destroy", "nothing was destroyed"),
    ):
        extra = ("--yes",) if command == "destroy" else ()
        line = refused(
            skyfn(root, aws, command, "--branch", SAFE, *extra),
            f"branch {SAFE} maps to the name {SAFE}, which branch feature/login already uses",
            f"stack {STACK}",
            did,
        )
        assert line.count("error: ") == 1
    logs = skyfn(root, aws, "logs", "alpha", "--branch", SAFE)
    refused(logs, "which branch feature/login already uses", "no logs were read")
    assert stack()["StackStatus"] == before["StackStatus"]
    assert tags_of(stack()["Tags"])["skyfn:branch-name"] == "feature/login"

    gone = skyfn(root, aws, "destroy", "--branch", "feature/login", "--yes")
    assert gone.code == 0, gone
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == [] or all(
        s["StackStatus"] == "DELETE_COMPLETE"
        for s in boto3.client("cloudformation").describe_stacks()["Stacks"]
    )


def test_a_stack_deployed_under_the_safe_name_refuses_the_git_name(root: Path, aws: Aws) -> None:
    """The other way round: ``feature-login`` deployed first (as any skyfn deployed it)."""
    assert skyfn(root, aws, "secret", "set", "API_KEY", "--branch", SAFE,
                 stdin=SECRET_VALUE).code == 0  # fmt: skip
    deployed = skyfn(root, aws, "pipeline-deploy", "--branch", SAFE)
    assert deployed.code == 0, deployed
    assert "in skyfn's names" not in deployed.out  # nothing mapped, nothing noted
    refused(
        skyfn(root, aws, "pipeline-deploy", "--branch", "feature/login"),
        f"branch feature/login maps to the name {SAFE}, which branch {SAFE} already uses",
        "nothing was deployed",
    )
