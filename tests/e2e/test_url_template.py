"""A function URL in the branch template (issue 24): ``AWS::Lambda::Url``, the permissions
AWS requires of a new public URL (``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``
only via the URL), its address as a stack output; valid for cfn-lint. moto's CloudFormation
skips ``AWS::Lambda::Url`` and fails on a ``FunctionUrl`` output, so the rendered templates
are what is checked."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cfnlint.api import lint

from skyfn import scope
from skyfn.deploy import layout, names, nested
from skyfn.deploy.template import dumps, render_template
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.projects import make_project

HEAD = "from skyfn import Cors, FunctionUrl, define_function\n"
ORDERS = HEAD + (
    'fn = define_function(url=FunctionUrl(auth="none", cors=Cors(allow_origins=['
    '"https://shop.example.com"], allow_methods=["GET", "POST"], allow_headers=["content-type"],'
    " max_age=600)))\n"
)
REPORT = HEAD + "fn = define_function(url=True)\n"
PLAIN = HEAD + "fn = define_function()\n"


def url_project(root: Path) -> Path:
    return make_project(root, {"orders": ORDERS, "report": REPORT, "plain": PLAIN})


def template_of(root: Path) -> dict[str, Any]:
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    return render_template(model)


def test_a_public_url_may_invoke_only_through_the_url(tmp_path: Path) -> None:
    template = template_of(url_project(tmp_path))
    resources = template["Resources"]
    url = resources["FnUrlOrders"]
    assert url["Type"] == "AWS::Lambda::Url"
    assert url["Properties"] == {
        "AuthType": "NONE",
        "TargetFunctionArn": {"Fn::GetAtt": ["FnOrders", "Arn"]},
        "Cors": {
            "AllowOrigins": ["https://shop.example.com"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["content-type"],
            "MaxAge": 600,
        },
    }
    public = resources["FnUrlPublicOrders"]["Properties"]
    assert public == {
        "Action": "lambda:InvokeFunctionUrl",
        "FunctionName": {"Ref": "FnOrders"},
        "FunctionUrlAuthType": "NONE",
        "Principal": "*",
    }
    direct = resources["FnUrlInvokeOrders"]["Properties"]
    assert direct == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": "FnOrders"},
        "InvokedViaFunctionUrl": True,
        "Principal": "*",
    }
    # No other statement opens any function to the public.
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert len(permissions) == 2
    assert template["Outputs"]["UrlOrders"]["Value"] == {
        "Fn::GetAtt": ["FnUrlOrders", "FunctionUrl"]
    }


def test_an_iam_url_adds_no_resource_policy(tmp_path: Path) -> None:
    template = template_of(url_project(tmp_path))
    resources = template["Resources"]
    assert resources["FnUrlReport"]["Properties"]["AuthType"] == "AWS_IAM"
    assert "Cors" not in resources["FnUrlReport"]["Properties"]
    assert not any("Report" in k for k in resources if k.startswith("FnUrlP"))
    assert "UrlReport" in template["Outputs"]
    assert not any("Plain" in k for k in resources if k.startswith("FnUrl"))
    assert "UrlPlain" not in template["Outputs"]


def test_cfn_lint_passes_templates_with_urls(tmp_path: Path) -> None:
    matches = lint(dumps(template_of(url_project(tmp_path))))
    errors = [m for m in matches if m.rule.id.startswith(("E", "W"))]
    assert errors == [], "\n".join(str(m) for m in matches)


def test_the_nested_layout_counts_url_resources_and_keeps_outputs_in_each_part(
    tmp_path: Path,
) -> None:
    root = url_project(tmp_path)
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    counts = {f.name: layout.resources_of(f) for f in model.functions}
    assert counts == {"orders": 5, "plain": 2, "report": 3}
    # many URL functions: each part's template holds each one's URL, permissions and output
    many = tuple(
        dataclasses.replace(model.functions[0], name=f"orders{i}", module_name=f"orders{i}")
        for i in range(200)
    )
    big = dataclasses.replace(model, functions=many)
    rendered = nested.render(big)
    assert rendered.parts and rendered.problems("main") == []
    ids = names.function_ids(big)
    for part in rendered.parts:
        for function in part.model.functions:
            assert f"Url{ids[function.name]}" in part.template["Outputs"]
            assert f"FnUrlInvoke{ids[function.name]}" in part.template["Resources"]


def test_diff_says_which_functions_have_a_url_and_what_changed(tmp_path: Path) -> None:
    from skyfn.deploy.diff import compare
    from skyfn.deploy.template_reader import describe

    before = template_of(url_project(tmp_path / "a"))
    changed = url_project(tmp_path / "b")
    (changed / "backend" / "functions" / "report" / "resource.py").write_text(
        HEAD + 'fn = define_function(url=FunctionUrl(auth="none"))\n'
    )
    (changed / "backend" / "functions" / "plain" / "resource.py").write_text(REPORT)
    after = template_of(changed)
    old, new = describe(before, {}), describe(after, {})
    assert old.functions["orders"].settings["url"].startswith("auth NONE, cors {")
    assert old.functions["report"].settings["url"] == "auth AWS_IAM"
    assert "url" not in old.functions["plain"].settings
    lines = "\n".join(compare("stack", old, new).lines())
    assert "+ url: auth AWS_IAM" in lines  # plain gets one
    assert "~ url: auth AWS_IAM -> auth NONE" in lines  # report's opens up
    assert "orders" not in lines  # unchanged
    assert not compare("stack", old, describe(before, {}))  # same template: no diff
