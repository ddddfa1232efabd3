"""Issue 23 in the template: every setting and grant rendered as Lambda, IAM and CloudWatch
expect them (moto's CloudFormation ignores Architectures, EphemeralStorage, Layers and
LoggingConfig, so they are checked here and by cfn-lint), the nested layout counting each
function's resources from the model, and the roles' policies against IAM's size quota."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from skyfn import scope
from skyfn.deploy import layout, nested, policy_size
from skyfn.deploy.template import dumps, render_template
from skyfn.errors import DefinitionError
from skyfn.model import Model
from skyfn.model_grants import Grant
from skyfn.model_settings import Settings
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.models import branch_model, numbered
from tests.support.shop import LAYER, make_shop


@pytest.fixture()
def shop(tmp_path: Path) -> Model:
    return load_model(open_project(make_shop(tmp_path / "shop")), scope.branch("main"), "ssm")


def props(template: dict[str, Any], logical: str) -> dict[str, Any]:
    return dict(template["Resources"][logical]["Properties"])


def test_every_setting_is_rendered(shop: Model) -> None:
    template = render_template(shop)
    orders = props(template, "FnOrdersApi")
    assert orders["Architectures"] == ["arm64"]
    assert orders["LoggingConfig"] == {"LogGroup": {"Ref": "LogGroupOrdersApi"}}
    group = template["Resources"]["LogGroupOrdersApi"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["DeletionPolicy"] == group["UpdateReplacePolicy"] == "Retain"
    assert group["Properties"]["RetentionInDays"] == 30
    assert "LogGroupName" not in group["Properties"]  # CloudFormation names it
    report = props(template, "FnNightlyReport")
    assert report["EphemeralStorage"] == {"Size": 2048}
    assert report["Layers"] == [LAYER]
    assert props(template, "FnMailer")["ReservedConcurrentExecutions"] == 2
    for unset in ("Architectures", "EphemeralStorage", "Layers", "LoggingConfig"):
        assert unset not in props(template, "FnMailer")


def test_the_own_log_group_is_the_only_one_its_role_may_write(shop: Model) -> None:
    template = render_template(shop)
    logs = props(template, "RoleOrdersApi")["Policies"][0]
    assert logs["PolicyName"] == "skyfn-logs"
    assert logs["PolicyDocument"]["Statement"] == [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                "log-group:${LogGroupOrdersApi}:*"
            },
        }
    ]
    mailer = props(template, "RoleMailer")["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert "/aws/lambda/" in mailer["Resource"][0]["Fn::Sub"]


def test_a_function_without_the_new_options_renders_as_before(tmp_path: Path) -> None:
    model = branch_model(["plain"])
    resource = render_template(model)["Resources"]
    assert sorted(resource) == ["FnPlain", "RolePlain"]
    assert [p["PolicyName"] for p in resource["RolePlain"]["Properties"]["Policies"]] == [
        "skyfn-logs"
    ]


def test_cfn_lint_passes_the_template_with_every_option(shop: Model) -> None:
    matches = lint(dumps(render_template(shop)))
    errors = [m for m in matches if m.rule.id.startswith("E")]
    assert errors == [], "\n".join(str(m) for m in matches)


def test_the_layout_counts_each_function_s_resources_from_the_model(
    shop: Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mailer; nightly-report with its schedule and the scheduler's role; orders-api's group
    assert [layout.resources_of(f) for f in shop.functions] == [2, 4, 3]
    monkeypatch.setattr(layout, "SINGLE_STACK_MAX", 1)
    templates = nested.render(shop)
    assert templates.nested
    held = {i for part in templates.parts for i in part.template["Resources"]}
    assert "LogGroupOrdersApi" in held and "ScheduleRoleNightlyReport" in held
    assert len(held) == 9
    assert templates.problems("branch main") == []


def test_a_full_branch_of_functions_with_log_groups_stays_within_the_quotas() -> None:
    with_groups = dataclasses.replace(
        branch_model(numbered(layout.MAX_FUNCTIONS_EACH_WITH_ALL)),
    )
    functions = tuple(
        dataclasses.replace(f, settings=Settings(log_retention_days=7))
        for f in with_groups.functions
    )
    largest = max(len(h) for h in layout.assign(f.name for f in functions).values())
    assert largest * layout.MAX_RESOURCES_PER_FUNCTION <= 500 * 0.6
    total = sum(layout.resources_of(f) for f in functions) + layout.PARTS
    assert total <= 2500


def with_grants(count: int, arn_chars: int) -> Model:
    model = branch_model(["big"])
    arns = tuple(f"arn:aws:s3:::bucket/{i:04d}" + "k" * arn_chars for i in range(count))
    grant = Grant("allow(...)", 1, 1, ("s3:GetObject",), arns)
    fn = dataclasses.replace(model.functions[0], grants=(grant,))
    return dataclasses.replace(model, functions=(fn,))


def test_the_role_policies_are_checked_against_iam_s_size_quota() -> None:
    policy_size.check(with_grants(40, 150))  # about 8,000 characters: fits
    with pytest.raises(DefinitionError) as caught:
        nested.render(with_grants(60, 150))
    assert str(caught.value).startswith("function big: its role's inline policies could take ")
    assert (
        "over IAM's quota of 10,240 per role; the largest statement is permissions[1] allow(...)"
        in str(caught.value)
    )


def test_the_log_group_name_is_counted_at_its_longest() -> None:
    # A policy that fits with /aws/lambda/<name> does not with a generated group name of
    # 512 characters counted for each of its uses.
    model = with_grants(54, 150)
    policy_size.check(model)
    fn = dataclasses.replace(model.functions[0], settings=Settings(log_retention_days=1))
    with pytest.raises(DefinitionError, match=f"function {fn.name}: its role's inline policies"):
        policy_size.check(dataclasses.replace(model, functions=(fn,)))
