"""function_ref deployed: the template (two functions referencing each other) passes
cfn-lint, deploys on moto with each function configured with the other's physical name and
its role granted lambda:InvokeFunction on it, and a diff right after shows no change."""

from __future__ import annotations

from pathlib import Path

import boto3
from cfnlint.api import lint

from skyfn import scope
from skyfn.deploy import names
from skyfn.deploy.template import dumps, render_template
from skyfn.project import find_project
from skyfn.synth.run import load_model
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.projects import make_project

MAILER = """\
from skyfn import define_function, function_ref
fn = define_function(name="mailer", environment={"ORDERS": function_ref("orders")})
"""
ORDERS = """\
from skyfn import define_function, function_ref
from functions.mailer.resource import fn as mailer
fn = define_function(name="orders", environment={"MAILER": function_ref(mailer)})
"""


def shop(root: Path) -> Path:
    return make_project(root, {"mailer": MAILER, "orders": ORDERS})


def test_the_template_passes_cfn_lint(tmp_path: Path) -> None:
    model = load_model(find_project(shop(tmp_path)), scope.branch("main"), "ssm")
    matches = lint(dumps(render_template(model)))
    assert [m for m in matches if m.rule.id.startswith(("E", "W"))] == [], "\n".join(
        str(m) for m in matches
    )


def test_deploy_then_diff_is_empty(aws: Aws, tmp_path: Path) -> None:
    root = shop(tmp_path / "app")
    deployed = run_skyfn("pipeline-deploy", "--branch", "main", cwd=root, env=aws.env)
    assert deployed.code == 0, deployed.out + deployed.err
    lam, iam = boto3.client("lambda"), boto3.client("iam")
    mailer = names.function_name("testapp", "main", "mailer")
    orders = names.function_name("testapp", "main", "orders")
    variables = lam.get_function_configuration(FunctionName=orders)["Environment"]["Variables"]
    assert variables["MAILER"] == mailer
    variables = lam.get_function_configuration(FunctionName=mailer)["Environment"]["Variables"]
    assert variables["ORDERS"] == orders
    role = lam.get_function_configuration(FunctionName=orders)["Role"].rsplit("/", 1)[1]
    # moto keeps a CloudFormation-made policy as the repr of the resolved document
    document = str(iam.get_role_policy(RoleName=role, PolicyName="skyfn-invoke")["PolicyDocument"])
    assert "lambda:InvokeFunction" in document and f"function:{mailer}" in document, document
    same = run_skyfn("diff", "--branch", "main", cwd=root, env=aws.env)
    assert same.code == 0, same.out + same.err
    assert "no changes: stack" in same.out, same.out
