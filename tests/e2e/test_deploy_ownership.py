"""Whose stack is it (issue 22 finding 7): folders ``My_App_x`` and ``my.app.x`` both gave
app id ``my-app-x``, so project B read project A's branch secret and B's deploy replaced A's
stack. Now a branch deploy or secret needs an explicit app id, the stack carries the
project's id (``skyfn:project``), and a deploy that keeps none of a stack's functions needs
``--force``. Against a real moto_server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from skyfn.deploy import names
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource

STACK = names.stack_name("my-app-x", "main")
A_ID = "aaaaaaaa-0000-4000-8000-000000000001"
B_ID = "bbbbbbbb-0000-4000-8000-000000000002"


def project(root: Path, functions: list[str], settings: str) -> Path:
    make_project(root, {f: resource('{"PLAIN": "x"}', name=f) for f in functions})
    (root / "pyproject.toml").write_text(f"[tool.skyfn]\n{settings}", encoding="utf-8")
    return root


def deploy(root: Path, aws: Aws, *args: str) -> Result:
    return run_skyfn("pipeline-deploy", "--branch", "main", *args, cwd=root, env=aws.env)


def described() -> dict[str, Any]:
    stack: dict[str, Any] = boto3.client("cloudformation").describe_stacks(StackName=STACK)[
        "Stacks"
    ][0]
    return stack


def functions() -> list[str]:
    return sorted(o["Description"] for o in described().get("Outputs", []))


def project_tag() -> str | None:
    return {t["Key"]: t["Value"] for t in described()["Tags"]}.get("skyfn:project")


def refused(result: Result, *expected: str) -> None:
    assert result.code == 1, result
    lines = result.err.splitlines()  # notes (files left out of a bundle) may come first
    assert "Traceback" not in result.err and lines[-1].startswith("error: "), result.err
    assert sum(line.startswith("error: ") for line in lines) == 1, result.err
    for text in expected:
        assert text in lines[-1], result.err


def test_an_app_id_from_the_folder_name_is_refused_for_branches(tmp_path: Path) -> None:
    a = project(tmp_path / "My_App_x", ["alpha"], "")
    b = project(tmp_path / "my.app.x", ["beta"], "")
    line = 'app_id = "my-app-x"'
    for root in (a, b):
        refused(run_skyfn("pipeline-deploy", "--branch", "main", cwd=root), line)
        refused(run_skyfn("diff", "--branch", "main", cwd=root), line)
        refused(run_skyfn("destroy", "--branch", "main", "--yes", cwd=root), line)
        for command in (
            ("secret", "set", "K", "--branch", "feature"),
            ("secret", "get", "K", "--branch", "feature"),
            ("secret", "list", "--shared", "--store", "ssm"),
            ("invoke", "alpha", "--branch", "feature"),
            ("secret", "status", "--branch", "feature"),
        ):
            refused(run_skyfn(*command, cwd=root, stdin="v"), line, "[tool.skyfn]")
    # The sandbox on the local store, as `make demo` uses it, needs none.
    assert run_skyfn("secret", "set", "K", cwd=a, stdin="v").code == 0
    assert run_skyfn("invoke", "alpha", cwd=a).code == 0


def test_a_deploy_to_another_projects_stack_is_refused(tmp_path: Path, aws: Aws) -> None:
    a = project(tmp_path / "a", ["alpha"], f'app_id = "my-app-x"\nproject_id = "{A_ID}"\n')
    b = project(tmp_path / "b", ["beta"], f'app_id = "my-app-x"\nproject_id = "{B_ID}"\n')
    assert deploy(a, aws).code == 0
    assert project_tag() == A_ID
    refused(
        deploy(b, aws), f"stack {STACK} was deployed by another project", "nothing was deployed"
    )
    refused(deploy(b, aws, "--force"), "another project")
    diff = run_skyfn("diff", "--branch", "main", cwd=b, env=aws.env)
    refused(diff, "another project", "nothing was compared")
    no_id = project(tmp_path / "c", ["alpha"], 'app_id = "my-app-x"\n')
    refused(deploy(no_id, aws), "this project has no [tool.skyfn] project_id")
    assert functions() == ["ARN of function alpha"] and project_tag() == A_ID


def test_an_untagged_stack_is_adopted_by_the_first_deploy(tmp_path: Path, aws: Aws) -> None:
    old = project(tmp_path / "old", ["alpha"], 'app_id = "my-app-x"\n')
    assert deploy(old, aws).code == 0
    assert project_tag() is None
    a = project(tmp_path / "a", ["alpha"], f'app_id = "my-app-x"\nproject_id = "{A_ID}"\n')
    # A change besides the tag: moto (unlike CloudFormation) ignores an update of tags alone.
    resource_file = a / "backend" / "functions" / "alpha" / "resource.py"
    resource_file.write_text(resource_file.read_text().replace('"x"', '"y"'))
    adopted = deploy(a, aws)
    assert adopted.code == 0, adopted
    assert "has no project id yet" in adopted.out
    assert project_tag() == A_ID, adopted.out
    b = project(tmp_path / "b", ["alpha"], f'app_id = "my-app-x"\nproject_id = "{B_ID}"\n')
    refused(deploy(b, aws), "another project")


def test_a_deploy_that_removes_every_function_asks_for_force(tmp_path: Path, aws: Aws) -> None:
    settings = f'app_id = "my-app-x"\nproject_id = "{A_ID}"\n'
    assert deploy(project(tmp_path / "a", ["alpha", "beta"], settings), aws).code == 0
    renamed = project(tmp_path / "renamed", ["gamma"], settings)
    refused(
        deploy(renamed, aws),
        f"stack {STACK} holds 2 function(s) (Alpha, Beta)",
        "run again with --force",
    )
    assert functions() == ["ARN of function alpha", "ARN of function beta"]
    # Keeping one of them is an ordinary deploy; --force replaces them all.
    assert deploy(project(tmp_path / "kept", ["beta", "gamma"], settings), aws).code == 0
    forced = deploy(renamed, aws, "--force")
    assert forced.code == 0, forced
    assert functions() == ["ARN of function gamma"]
