"""CloudFormation's quotas, checked on a template before anything reaches AWS."""

from __future__ import annotations

from typing import Any

from skyfn.deploy import quotas
from skyfn.deploy.template import render_template
from tests.support.models import branch_model, numbered


def test_a_small_template_is_within_every_quota() -> None:
    assert quotas.check(render_template(branch_model(numbered(3))), "template.json") == []


def test_the_single_stack_of_260_functions_names_each_quota_it_exceeds() -> None:
    # The report: 520 resources, 261 parameters, 260 outputs; nothing said a word.
    problems = quotas.check(render_template(branch_model(numbered(260))), "template.json")
    assert len(problems) == 3
    resources, parameters, outputs = problems
    assert resources.startswith("template.json: 520 resources, over CloudFormation's quota of 500")
    assert "261 parameters, over CloudFormation's quota of 200" in parameters
    assert "260 outputs, over CloudFormation's quota of 200" in outputs
    assert all("split the backend" in p for p in problems)


def test_size_names_descriptions_and_mappings() -> None:
    template: dict[str, Any] = {
        "Description": "d" * 1025,
        "Mappings": {"M": {f"k{i}": {"v": "x"} for i in range(201)}},
        "Resources": {
            "R" * 256: {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "x" * 999_000}}
        },
        "Outputs": {"O": {"Description": "é" * 513, "Value": "x"}},
    }
    problems = "\n".join(quotas.check(template, "t.json"))
    assert "Resources name RRRR" in problems and "256 characters" in problems
    assert "mapping M has 201 attributes, over CloudFormation's quota of 200" in problems
    assert "description has 1025 bytes, over CloudFormation's quota of 1024" in problems
    assert "output O's description has 1026 bytes" in problems
    assert "over CloudFormation's quota of 1,000,000 bytes for a template read from S3" in problems


def test_the_resources_of_a_whole_nested_tree_are_counted() -> None:
    part = {"Resources": {f"R{i}": {"Type": "AWS::SNS::Topic"} for i in range(400)}}
    tree = {f"part{i}": (part, "{}") for i in range(7)}
    assert quotas.check_nested(tree, "root") == [
        "root: 2800 resources in the stack and its nested stacks, over CloudFormation's quota "
        "of 2500 resources one operation on nested stacks may create, update or delete; "
        f"{quotas.SPLIT}"
    ]
