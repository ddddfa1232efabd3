"""function_ref grants exactly lambda:InvokeFunction on the referenced function's ARN: the
generated role policies, evaluated, allow that and no other Lambda action or function; two
functions that reference each other need no Ref/GetAtt of one another (no cycle)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skyfn import scope
from skyfn.deploy import names
from skyfn.deploy.template import render_template
from skyfn.project import find_project
from skyfn.synth.run import load_model
from tests.support.iam_eval import role_allows as allows
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
REPORT = """\
from skyfn import define_function
fn = define_function(name="report")
"""
ACTIONS = [
    "lambda:InvokeFunction",
    "lambda:InvokeAsync",
    "lambda:InvokeFunctionUrl",
    "lambda:InvokeWithResponseStream",
    "lambda:GetFunction",
    "lambda:UpdateFunctionCode",
    "lambda:DeleteFunction",
]


def template(root: Path) -> dict[str, Any]:
    make_project(root, {"mailer": MAILER, "orders": ORDERS, "report": REPORT}, app_id="shop")
    return render_template(load_model(find_project(root), scope.branch("main"), "ssm"))


def arn(function: str) -> str:
    physical = names.function_name("shop", "main", function)
    return f"arn:aws:lambda:us-east-1:123456789012:function:{physical}"


def test_each_role_may_invoke_exactly_what_it_references(tmp_path: Path) -> None:
    resources = template(tmp_path)["Resources"]
    granted = {
        (role, action, target)
        for role in ("Orders", "Mailer", "Report")
        for action in ACTIONS
        for target in ("orders", "mailer", "report")
        if allows(resources[f"Role{role}"], action, arn(target))
    }
    assert granted == {
        ("Orders", "lambda:InvokeFunction", "mailer"),
        ("Mailer", "lambda:InvokeFunction", "orders"),
    }
    orders = resources["RoleOrders"]
    # not a version or alias, nor another account's or region's function of that name
    assert not allows(orders, "lambda:InvokeFunction", arn("mailer") + ":1")
    assert not allows(
        orders, "lambda:InvokeFunction", arn("mailer").replace("us-east-1", "eu-west-1")
    )
    assert not allows(orders, "lambda:InvokeFunction", arn("mailer") + "x")


def test_mutual_references_make_no_dependency_between_the_functions(tmp_path: Path) -> None:
    resources = template(tmp_path)["Resources"]
    for own, other in (("Orders", "Mailer"), ("Mailer", "Orders")):
        text = json.dumps([resources[f"Role{own}"], resources[f"Fn{own}"]])
        assert f"Fn{other}" not in text and f"Role{other}" not in text
        assert "DependsOn" not in resources[f"Fn{own}"]
    policies = [p["PolicyName"] for p in resources["RoleReport"]["Properties"]["Policies"]]
    assert "skyfn-invoke" not in policies  # no reference, no grant
