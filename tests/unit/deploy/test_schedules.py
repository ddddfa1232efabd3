"""Schedules in the template (moto's CloudFormation skips AWS::Scheduler::Schedule, so the
rendered template is checked here and by cfn-lint) and in ``skyfn diff``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint

from skyfn import scope
from skyfn.deploy import layout, nested
from skyfn.deploy.diff import compare
from skyfn.deploy.schedules import INPUT
from skyfn.deploy.template import dumps, render_template
from skyfn.deploy.template_reader import describe
from skyfn.model import Model
from skyfn.model_schedules import FunctionSchedule
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.models import branch_model, numbered
from tests.support.shop import make_shop

PARIS = FunctionSchedule("0 2 * * ? *", "Europe/Paris", "0 2 * * ?")


@pytest.fixture()
def shop(tmp_path: Path) -> Model:
    return load_model(open_project(make_shop(tmp_path / "shop")), scope.branch("main"), "ssm")


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_the_nightly_report_deploys_with_its_schedule(shop: Model) -> None:
    template = render_template(shop)
    found = of_type(template, "AWS::Scheduler::Schedule")
    assert len(found) == 1
    (schedule,) = found.values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert props["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["State"] == "ENABLED"
    target = props["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["FnNightlyReport", "Arn"]}
    assert target["RoleArn"] == {"Fn::GetAtt": ["ScheduleRoleNightlyReport", "Arn"]}
    event = json.loads(target["Input"]["Fn::Sub"])
    assert event == {
        "version": "0",
        "id": "<aws.scheduler.execution-id>",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "${AWS::AccountId}",
        "time": "<aws.scheduler.scheduled-time>",
        "region": "${AWS::Region}",
        "resources": ["<aws.scheduler.schedule-arn>"],
        "detail": {},
    }


def test_the_scheduler_s_role_may_invoke_exactly_that_function(shop: Model) -> None:
    role = render_template(shop)["Resources"]["ScheduleRoleNightlyReport"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": ["FnNightlyReport", "Arn"]},
        }
    ]


def test_functions_without_schedules_get_no_scheduler_resources(shop: Model) -> None:
    template = render_template(shop)
    roles = [k for k in template["Resources"] if k.startswith("ScheduleRole")]
    assert roles == ["ScheduleRoleNightlyReport"]


def test_cfn_lint_passes_a_template_with_several_schedules() -> None:
    model = branch_model(["tick", "plain"])
    tick = dataclasses.replace(
        model.functions[0],
        schedules=(
            PARIS,
            FunctionSchedule("*/45 * * * ? *", "UTC", "every 45m"),
            FunctionSchedule("0 0 ? * 1 *", "America/New_York", "every week"),
        ),
    )
    model = dataclasses.replace(model, functions=(tick, model.functions[1]))
    template = render_template(model)
    assert len(of_type(template, "AWS::Scheduler::Schedule")) == 3
    matches = lint(dumps(template))
    errors = [m for m in matches if m.rule.id.startswith(("E", "W"))]
    assert errors == [], "\n".join(str(m) for m in matches)


def test_schedule_ids_follow_the_expression_not_the_order() -> None:
    model = branch_model(["tick"])
    other = FunctionSchedule("0 3 * * ? *", "UTC", "0 3 * * ?")
    one = dataclasses.replace(model.functions[0], schedules=(PARIS, other))
    two = dataclasses.replace(model.functions[0], schedules=(other, PARIS))
    ids = [
        set(render_template(dataclasses.replace(model, functions=(f,)))["Resources"])
        for f in (one, two)
    ]
    assert ids[0] == ids[1]


def test_the_nested_layout_counts_schedules_and_refuses_a_part_over_quota() -> None:
    model = branch_model(numbered(160))  # nested
    many = tuple(FunctionSchedule(f"{m} 2 * * ? *", "UTC", f"{m} 2 * * ?") for m in range(20))
    functions = tuple(dataclasses.replace(f, schedules=many) for f in model.functions)
    assert {layout.resources_of(f) for f in functions} == {2 + 21}
    templates = nested.render(dataclasses.replace(model, functions=functions))
    assert templates.nested
    assert any("resources" in p for p in templates.problems("branch main"))


def test_diff_shows_added_changed_and_removed_schedules(shop: Model) -> None:
    before = render_template(shop)
    report = shop.function("nightly-report")
    assert report is not None
    moved = dataclasses.replace(
        report, schedules=(FunctionSchedule("0 3 * * ? *", "Europe/Paris", "0 3 * * ?"),)
    )
    after_model = dataclasses.replace(
        shop, functions=tuple(moved if f is report else f for f in shop.functions)
    )
    old = describe(before, {})
    same = compare("s", old, describe(render_template(shop), {}))
    assert not same
    diff = compare("s", old, describe(render_template(after_model), {}))
    (changed,) = diff.changed
    assert changed.name == "nightly-report"
    assert "      schedule + cron(0 3 * * ? *) Europe/Paris" in diff.lines()
    assert any("schedule - cron(0 2 * * ? *) Europe/Paris" in line for line in diff.lines())
    assert diff.to_json()["changed"][0]["schedules"][0]["new"] == "cron(0 3 * * ? *) Europe/Paris"
    new_stack = compare("s", None, describe(before, {}))
    assert "      schedule cron(0 2 * * ? *) Europe/Paris" in new_stack.lines()


def test_the_input_is_valid_json_once_substituted() -> None:
    text = INPUT.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "eu-west-1")
    assert json.loads(text)["account"] == "123456789012"
