"""A branch of 300 functions deployed to a real moto_server as a root stack and nested
parts; a second deploy adds one function and removes another and replaces no other.

moto applies a changed nested stack by deleting and creating it again (moto's
``Stack.update_from_cloudformation_json``), where CloudFormation updates it in place and
touches only the resources whose properties changed. So: functions in the parts the change
does not touch must be exactly as they were in Lambda (same ARN, code, revision, last
modified); in the two parts it touches, every other function's resources and code key must
be exactly as deployed before, which is what CloudFormation compares.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import boto3

from skyfn.deploy import layout, names, tree
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import BIG_RESOURCE, make_big_project, write

FUNCTIONS = 300
STACK = names.stack_name("bench", "main")


def lambdas() -> dict[str, tuple[str, str, str, str]]:
    """Lambda name → (ARN, code sha256, revision, last modified)."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for page in boto3.client("lambda").get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            found[f["FunctionName"]] = (
                f["FunctionArn"],
                f["CodeSha256"],
                f.get("RevisionId", ""),
                f["LastModified"],
            )
    return found


def per_function(stacks: list[tree.DeployedStack]) -> dict[str, tuple[Any, ...]]:
    """skyfn name → its part, role, function resource and code key, as deployed."""
    result: dict[str, tuple[Any, ...]] = {}
    for stack in stacks[1:]:
        resources = stack.template["Resources"]
        for logical, resource in resources.items():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            base = logical.removeprefix("Fn")
            name = resource["Properties"]["Description"].removeprefix("skyfn function ")
            key = stack.parameters[f"CodeKey{base}"]
            result[name] = (stack.part, resources[f"Role{base}"], resource, key)
    return result


def deployed_tree() -> list[tree.DeployedStack]:
    cfn = boto3.client("cloudformation")
    return tree.read_tree(cfn, STACK, cfn.describe_stacks(StackName=STACK)["Stacks"][0])


def test_300_functions_deploy_and_a_change_replaces_no_other(tmp_path: Path, aws: Aws) -> None:
    project = make_big_project(tmp_path / "big", FUNCTIONS)
    first = run_skyfn("pipeline-deploy", "--branch", "main", cwd=project, env=aws.env)
    assert first.code == 0, first.err
    parts = len(layout.assign(f"fn_{i:03}" for i in range(FUNCTIONS)))
    assert f"uploaded {FUNCTIONS + parts} of {FUNCTIONS + parts}: " in first.out
    before_lambda, before = lambdas(), per_function(deployed_tree())
    assert len(before_lambda) == len(before) == FUNCTIONS

    # Remove fn_007, add fn_new.
    functions = project / "backend" / "functions"
    shutil.rmtree(functions / "fn_007")
    write(functions / "fn_new" / "resource.py", BIG_RESOURCE.format(i=1000))
    write(functions / "fn_new" / "handler.py", "def handler(event, context):\n    return 2\n")
    backend = project / "backend" / "backend.py"
    backend.write_text(backend.read_text().replace("functions.fn_007.", "functions.fn_new."))
    second = run_skyfn("pipeline-deploy", "--branch", "main", cwd=project, env=aws.env)
    assert second.code == 0, second.err
    assert "uploaded 1 of " in second.out and f"of {FUNCTIONS}" not in second.out
    after_lambda, after = lambdas(), per_function(deployed_tree())
    assert set(after) == set(before) - {"fn_007"} | {"fn_new"}
    assert names.function_name("bench", "main", "fn_new") in after_lambda
    assert names.function_name("bench", "main", "fn_007") not in after_lambda

    touched = {layout.part_id(layout.part_of(n)) for n in ("fn_007", "fn_new")}
    untouched = 0
    for name, state in before.items():
        if name == "fn_007":
            continue
        assert after[name] == state, f"{name} changed in its part's template or parameters"
        if state[0] not in touched:
            physical = names.function_name("bench", "main", name)
            assert after_lambda[physical] == before_lambda[physical], name
            untouched += 1
    assert untouched > FUNCTIONS // 2
