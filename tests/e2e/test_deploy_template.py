"""The CloudFormation template: a pure function of the model, written by branch synth,
valid for cfn-lint, least privilege per function."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cfnlint.api import lint

from skyfn import scope
from skyfn.deploy import names
from skyfn.deploy.template import dumps, render_template
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.cli import run_skyfn
from tests.support.deploy import copy_example
from tests.support.projects import make_project, resource


def two_functions(root: Path) -> Path:
    return make_project(
        root,
        {
            "alpha": resource('{"AK": secret("ALPHA_KEY"), "NUM": 1}', name="alpha"),
            "beta": resource('{"BK": secret("BETA_KEY"), "TOKEN": secret("SHARED_TOKEN")}'),
            "gamma": resource('{"PLAIN": "x"}'),
        },
    )


def role_resources(template: dict[str, Any], logical: str) -> list[str]:
    policies = template["Resources"][logical]["Properties"].get("Policies", [])
    return [
        arn["Fn::Sub"].split(":parameter", 1)[1]
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Action"] == "ssm:GetParameters"
        for arn in statement["Resource"]
    ]


def test_branch_synth_writes_the_template_that_deploy_uses(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    result = run_skyfn("synth", "--branch", "main", cwd=root)
    assert result.code == 0, result.err
    written = root / ".skyfn" / "artifacts" / "branch-main" / "template.json"
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    assert written.read_text() == dumps(render_template(model))
    variables = json.loads(written.read_text())["Resources"]["FnSayHello"]["Properties"][
        "Environment"
    ]["Variables"]
    assert variables["SKYFN_SECRET_STORE"] == "ssm"  # even when synth used the local store
    assert variables["API_KEY"] == "<skyfn secret MY_API_KEY>"
    # A second synth leaves it alone; a sandbox synth writes no template.
    again = run_skyfn("synth", "--branch", "main", cwd=root)
    assert "template.json" not in again.out
    run_skyfn("synth", "--identifier", "alice", cwd=root)
    assert not (root / ".skyfn" / "artifacts" / "sandbox-alice" / "template.json").exists()


def test_cfn_lint_finds_no_errors(tmp_path: Path) -> None:
    for root in (copy_example(tmp_path), two_functions(tmp_path / "two")):
        model = load_model(open_project(root), scope.branch("feature_x.2"), "ssm")
        matches = lint(dumps(render_template(model)))
        errors = [m for m in matches if m.rule.id.startswith("E")]
        assert errors == [], "\n".join(str(m) for m in matches)


def test_each_role_may_read_only_its_own_secrets(tmp_path: Path) -> None:
    model = load_model(open_project(two_functions(tmp_path)), scope.branch("main"), "ssm")
    template = render_template(model)
    assert role_resources(template, "RoleAlpha") == [
        "/skyfn/testapp/branch-main/ALPHA_KEY",
        "/skyfn/testapp/shared/ALPHA_KEY",
    ]
    assert role_resources(template, "RoleBeta") == [
        "/skyfn/testapp/branch-main/BETA_KEY",
        "/skyfn/testapp/branch-main/SHARED_TOKEN",
        "/skyfn/testapp/shared/BETA_KEY",
        "/skyfn/testapp/shared/SHARED_TOKEN",
    ]
    # No secrets, no secret policy at all (its own logs only).
    policies = template["Resources"]["RoleGamma"]["Properties"]["Policies"]
    assert [p["PolicyName"] for p in policies] == ["skyfn-logs"]


def test_each_role_may_write_only_its_own_log_group(tmp_path: Path) -> None:
    """Issue 22 finding 6: every role had AWSLambdaBasicExecutionRole (``logs:*`` on ``*``)."""
    model = load_model(open_project(two_functions(tmp_path)), scope.branch("main"), "ssm")
    template = render_template(model)
    for function in model.functions:
        base = names.function_ids(model)[function.name]
        role = template["Resources"][f"Role{base}"]["Properties"]
        assert "ManagedPolicyArns" not in role
        physical = names.function_name("testapp", "main", function.name)
        assert template["Resources"][f"Fn{base}"]["Properties"]["FunctionName"] == physical
        group = (
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
            f"/aws/lambda/{physical}"
        )
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
        logs = [s for s in statements if "logs" in json.dumps(s["Action"])]
        assert logs == [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [{"Fn::Sub": group}, {"Fn::Sub": f"{group}:*"}],
            }
        ]


def test_stack_names_follow_cloudformation_rules_without_collisions() -> None:
    assert names.stack_name("say-hello", "main").startswith("skyfn-say-hello-main-")
    # Two (app, branch) pairs that read alike never share a stack.
    assert names.stack_name("shop", "pay-main") != names.stack_name("shop-pay", "main")
    assert names.legacy_stack_name("shop", "pay-main") == names.legacy_stack_name(
        "shop-pay", "main"
    )
    dotted, underscored = names.stack_name("a", "feat.x"), names.stack_name("a", "feat_x")
    assert dotted != underscored
    long = names.stack_name("a" * 40, "b" * 64 + "_c" * 20)
    for name in (dotted, underscored, long):
        assert len(name) <= 128 and name[0].isalpha()
        assert all(c.isalnum() or c == "-" for c in name)


def test_functions_sharing_logical_ids_are_refused_at_synth(tmp_path: Path) -> None:
    """Issue 22 finding 5: the template held two of three such functions, the deploy
    succeeded. Now synth (branch or sandbox) names both and writes nothing."""
    root = make_project(
        tmp_path / "p",
        {
            "a": resource(name="say-hello"),
            "b": resource(name="sayHello"),
            "c": resource(name="SayHello" + names._short_hash("sayHello")),
        },
    )
    for scope_args in (("--branch", "main"), ()):
        result = run_skyfn("synth", *scope_args, cwd=root)
        assert result.code == 1 and "Traceback" not in result.err
        assert result.err.startswith("error: functions say-hello and sayHello would share")
        assert result.err.count("\n") == 1
    assert not (root / ".skyfn" / "artifacts").exists()
