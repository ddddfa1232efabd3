"""diff, logs and destroy of a branch deployed as nested stacks, against a real
moto_server: every part is read, and only the function that changed is named. (The
single-stack limit is lowered to 2, so four functions make a root and its parts.)"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from skyfn.deploy import destroy, layout, names
from skyfn.deploy.deployed import deployed_branch
from skyfn.deploy.pipeline import branch_diff, deploy_branch
from skyfn.project import open_project
from tests.support.aws import Aws
from tests.support.projects import make_project, resource

FUNCTIONS = ("alpha", "beta", "gamma", "delta")
STACK = names.stack_name("testapp", "main")


def project(root: Path, gamma_name: str = "x") -> Path:
    return make_project(
        root,
        {
            n: resource(f'{{"NAME": "{gamma_name if n == "gamma" else "x"}"}}', name=n)
            for n in FUNCTIONS
        },
    )


@pytest.fixture()
def nested_branch(tmp_path: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(layout, "SINGLE_STACK_MAX", 2)
    root = project(tmp_path / "app")
    deploy_branch(open_project(root), "main", None, lambda line: None)
    parts = {layout.part_of(n) for n in FUNCTIONS}
    assert len(parts) > 1, "the four functions should fall into more than one part"
    return root


def test_diff_reads_every_part_and_names_only_what_changed(nested_branch: Path) -> None:
    unchanged = branch_diff(open_project(nested_branch), "main", None, lambda line: None)
    assert not unchanged, unchanged.lines()
    changed_root = project(nested_branch, gamma_name="y")
    changed = branch_diff(open_project(changed_root), "main", None, lambda line: None)
    assert [fn.name for fn in changed.changed] == ["gamma"]
    assert not changed.added and not changed.removed
    assert "NAME: x -> y" in "\n".join(changed.lines())


def test_logs_and_destroy_find_functions_in_their_parts(nested_branch: Path) -> None:
    cfn = boto3.client("cloudformation")
    deployed = deployed_branch(cfn, "testapp", "main", "nothing was read")
    assert sorted(deployed.deployment.functions) == sorted(FUNCTIONS)
    for name in FUNCTIONS:
        state = deployed.function(name)
        assert deployed.homes[name] != STACK  # it lives in a part
        assert deployed.physical_name(cfn, state) == names.function_name("testapp", "main", name)

    target = destroy.find_target(cfn, "testapp", "main")
    assert dict(target.functions) == {
        n: names.function_name("testapp", "main", n) for n in FUNCTIONS
    }
    kinds = [r.type for r in target.resources]
    assert kinds.count("AWS::Lambda::Function") == 4 and "AWS::CloudFormation::Stack" in kinds
    destroy.delete(cfn, target, lambda line: None)
    stacks = cfn.list_stacks()["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks)
    assert boto3.client("lambda").list_functions()["Functions"] == []
