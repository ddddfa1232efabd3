"""Synth's checks of ``permissions=``: IAM's action names, ARN shape, wildcards only when
allowed; each problem names the function and the statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import DefinitionError
from skyfn.permissions import (
    Permission,
    allow,
    dynamodb_table,
    s3_bucket,
    sns_topic,
    sqs_queue,
)
from skyfn.project import open_project
from skyfn.synth import iam_actions
from skyfn.synth.permissions import grants
from skyfn.synth.run import load_model
from tests.support.projects import make_project

TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"


def problems_of(*entries: object) -> list[str]:
    found: list[str] = []
    grants(list(entries), found.append)
    return found


def test_the_offline_action_list_knows_iam_s_actions() -> None:
    assert iam_actions.canonical("dynamodb:getitem") == "dynamodb:GetItem"
    assert iam_actions.canonical("dynamodb:GetItems") is None
    assert "s3:GetObject" in iam_actions.matching("s3:Get*")
    assert len(iam_actions.table()) > 300


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            allow(actions=["dynamodb:GetItems"], resources=[TABLE]),
            "is not an IAM action; did you mean dynamodb:GetItem?",
        ),
        (
            allow(actions=["dynamo:GetItem"], resources=[TABLE]),
            "did you mean the service dynamodb?",
        ),
        (allow(actions=["GetItem"], resources=[TABLE]), "is not service:Action"),
        (allow(actions=["dynamodb:*"], resources=[TABLE]), "has a wildcard; name each action"),
        (allow(actions=["dynamodb:GetItem"], resources=["*"]), "has a wildcard; name the resource"),
        (
            allow(actions=["dynamodb:GetItem"], resources=[TABLE + "/*"]),
            "has a wildcard; name the resource",
        ),
        (allow(actions=["dynamodb:GetItem"], resources=["orders"]), "is not an ARN"),
        (
            allow(actions=["dynamodb:GetItem"], resources=["arn:aws:dynamodb:eu:1:table/x"]),
            "is not an ARN",
        ),
        (
            allow(
                actions=["s3:GetObject"],
                resources=["arn:${AWS::Partition}:s3:::b/${AWS::StackName}"],
            ),
            "uses ${AWS::StackName}",
        ),
        (allow(actions=[], resources=[TABLE]), "actions must be a non-empty list"),
        (allow(actions="dynamodb:GetItem", resources=[TABLE]), "actions must be a non-empty"),
        (
            allow(actions=["s3:Nope*"], resources=["*"], allow_wildcard=True),
            "matches no IAM action",
        ),
        (
            allow(actions=["s3:GetObject"], resources=[TABLE], conditions={"StringEq": {"a": "b"}}),
            "'StringEq' is not an IAM condition operator",
        ),
        (
            allow(actions=["s3:GetObject"], resources=[TABLE], conditions={"Bool": {"a": None}}),
            "must map condition keys",
        ),
        (dynamodb_table("orders", access="admin"), "access 'admin' is not one of"),
        (dynamodb_table("o"), "is not a valid name"),
        (dynamodb_table("orders*"), "is not a valid name"),
        (dynamodb_table("arn:aws:sqs:eu-west-1:123456789012:q"), "is not the ARN of this kind"),
        (s3_bucket("Shop_Reports"), "is not a valid name"),
        (s3_bucket("arn:aws:s3:eu-west-1::b"), "is not the ARN of this kind"),
        (s3_bucket("b1b", prefix="a*"), "prefix must be"),
        (sqs_queue("q", access="receive"), "access 'receive' is not one of 'send', 'consume'"),
        ("dynamodb:GetItem", "permissions[1] is a str; use allow(...)"),
    ],
)
def test_each_wrong_statement_is_named_with_what_is_wrong(entry: object, expected: str) -> None:
    found = problems_of(entry)
    assert len(found) == 1, found
    assert expected in found[0]
    if isinstance(entry, Permission):
        assert found[0].startswith(f"permissions[1] {entry!r}: ")


def test_wildcards_pass_with_allow_wildcard() -> None:
    entry = allow(actions=["s3:Get*", "dynamodb:*"], resources=["*"], allow_wildcard=True)
    assert problems_of(entry) == []


def test_a_name_means_this_account_and_region_and_an_arn_is_taken_as_is() -> None:
    found = grants(
        [dynamodb_table("orders", access="write"), dynamodb_table(TABLE, access="write")], print
    )
    assert found[0].resources == (
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders",
    )
    assert found[1].resources == (TABLE,)
    assert grants([s3_bucket("shop-reports", access="write")], print)[0].resources == (
        "arn:${AWS::Partition}:s3:::shop-reports/*",
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sqs:eu-west-1:${AWS::AccountId}:mail-outbox",
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders",
        "arn:aws:sns:${AWS::Region}:123456789012:report-ready",
    ],
)
def test_a_helper_takes_an_arn_with_the_deploy_s_variables(arn: str) -> None:
    # found by the every-option property test: split on ":" cut ${AWS::AccountId} apart
    kind = arn.split(":")[2] if not arn.startswith("arn:$") else "dynamodb"
    helper = {"sqs": sqs_queue, "sns": sns_topic, "dynamodb": dynamodb_table}[kind]
    found = grants([helper(arn)], pytest.fail)
    assert arn in found[0].resources


def test_synth_names_the_function_and_the_statement(tmp_path: Path) -> None:
    body = (
        "from skyfn import allow, define_function, dynamodb_table\n"
        "fn = define_function(name='orders-api', permissions=[dynamodb_table('orders'),"
        " allow(actions=['dynamodb:GetItems'], resources=['*'])])\n"
    )
    root = make_project(tmp_path / "app", {"orders": body})
    with pytest.raises(DefinitionError) as caught:
        load_model(open_project(root), scope.branch("main"), "ssm")
    lines = str(caught.value).splitlines()
    assert lines == [
        "function orders-api: permissions[2] allow(actions=('dynamodb:GetItems',), "
        "resources=('*',)): action 'dynamodb:GetItems' is not an IAM action; did you mean "
        "dynamodb:GetItem?",
        "function orders-api: permissions[2] allow(actions=('dynamodb:GetItems',), "
        "resources=('*',)): resource '*' has a wildcard; name the resource, or pass "
        "allow_wildcard=True if you mean every resource it matches",
    ]
