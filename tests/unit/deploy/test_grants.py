"""Each generated permission policy allows exactly the declared actions on the declared
resources and nothing else, checked by evaluating it (tests/support/iam_eval.py) against
every IAM action of the services involved and resources near the declared ones."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from skyfn.deploy.grants import permissions_policy
from skyfn.permissions import (
    Permission,
    allow,
    dynamodb_table,
    event_bus,
    s3_bucket,
    sns_topic,
    sqs_queue,
)
from skyfn.synth import iam_actions
from skyfn.synth.permissions import grants
from tests.support.iam_eval import allows, resolved
from tests.support.models import function as plain_function

SUBS = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}
ACCOUNT = "arn:aws:{service}:eu-west-1:123456789012:"


def statements(*entries: Permission) -> list[dict[str, Any]]:
    problems: list[str] = []
    found = grants(list(entries), problems.append)
    assert problems == []
    fn = dataclasses.replace(plain_function("fn"), grants=found)
    policy = permissions_policy(fn)
    assert policy is not None
    return list(resolved(policy["Statement"], SUBS))


def allowed(
    policy: list[dict[str, Any]], services: list[str], probes: list[str]
) -> set[tuple[str, str]]:
    every = [f"{s}:{name}" for s in services for name in iam_actions.table()[s].values()]
    return {(a, r) for a in every for r in probes if allows(policy, a, r)}


TABLE = ACCOUNT.format(service="dynamodb") + "table/orders"
TABLE_PROBES = [
    TABLE,
    TABLE + "/index/by-customer",
    TABLE + "/stream/2024",
    TABLE + "s",  # another table whose name starts alike
    ACCOUNT.format(service="dynamodb") + "table/order",
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders",  # another region
    "arn:aws:dynamodb:eu-west-1:999999999999:table/orders",  # another account
]
READ = {"BatchGetItem", "ConditionCheckItem", "DescribeTable", "GetItem", "Query", "Scan"}
WRITE = {"BatchWriteItem", "ConditionCheckItem", "DeleteItem", "DescribeTable", "PutItem"}
WRITE |= {"UpdateItem"}


@pytest.mark.parametrize("access", ["read", "write", "read_write"])
def test_a_table_allows_its_actions_on_it_and_reads_on_its_indexes(access: str) -> None:
    policy = statements(dynamodb_table("orders", access=access))
    reads = READ if "read" in access else set()
    writes = WRITE if "write" in access else set()
    expected = {(f"dynamodb:{a}", TABLE) for a in reads | writes}
    expected |= {(f"dynamodb:{a}", TABLE + "/index/by-customer") for a in reads}
    assert allowed(policy, ["dynamodb"], TABLE_PROBES) == expected


BUCKET = "arn:aws:s3:::shop-reports"
S3_PROBES = [
    BUCKET,
    BUCKET + "/nightly/2024-01-01.csv",
    BUCKET + "/nightly/",
    BUCKET + "/other/x.csv",
    BUCKET + "/nightlyx",
    "arn:aws:s3:::shop-reports-old/nightly/x.csv",
    "arn:aws:s3:::shop-reportsx",
]


@pytest.mark.parametrize("access", ["read", "write", "read_write"])
def test_a_bucket_prefix_allows_its_objects_only(access: str) -> None:
    policy = statements(s3_bucket("shop-reports", prefix="nightly/", access=access))
    objects = [BUCKET + "/nightly/2024-01-01.csv", BUCKET + "/nightly/"]
    actions = (["s3:GetObject"] if "read" in access else []) + (
        ["s3:DeleteObject", "s3:PutObject"] if "write" in access else []
    )
    expected = {(a, o) for a in actions for o in objects}
    if "read" in access:
        expected.add(("s3:ListBucket", BUCKET))  # with a condition on s3:prefix
        listing = next(s for s in policy if s["Action"] == ["s3:ListBucket"])
        assert listing["Condition"] == {"StringLike": {"s3:prefix": ["nightly/*"]}}
    assert allowed(policy, ["s3"], S3_PROBES) == expected


def test_a_whole_bucket_by_arn() -> None:
    policy = statements(s3_bucket("arn:aws:s3:::shop-reports", access="write"))
    expected = {(a, o) for a in ("s3:DeleteObject", "s3:PutObject") for o in S3_PROBES[1:4]}
    expected |= {(a, BUCKET + "/nightlyx") for a in ("s3:DeleteObject", "s3:PutObject")}
    assert allowed(policy, ["s3"], S3_PROBES) == expected


QUEUE = ACCOUNT.format(service="sqs") + "mail-outbox"
QUEUE_PROBES = [QUEUE, QUEUE + "-dlq", ACCOUNT.format(service="sqs") + "mail"]


def test_a_queue_sends_or_consumes() -> None:
    send = statements(sqs_queue("mail-outbox", access="send"))
    names = {"GetQueueAttributes", "GetQueueUrl", "SendMessage"}
    assert allowed(send, ["sqs"], QUEUE_PROBES) == {(f"sqs:{a}", QUEUE) for a in names}
    consume = statements(sqs_queue("mail-outbox", access="consume"))
    names = {"ChangeMessageVisibility", "DeleteMessage", "GetQueueAttributes", "GetQueueUrl"}
    names |= {"ReceiveMessage"}
    assert allowed(consume, ["sqs"], QUEUE_PROBES) == {(f"sqs:{a}", QUEUE) for a in names}


def test_a_topic_and_a_bus() -> None:
    topic = "arn:aws:sns:us-east-1:111122223333:report-ready"
    probes = [topic, topic + "-2", ACCOUNT.format(service="sns") + "report-ready"]
    assert allowed(statements(sns_topic(topic)), ["sns"], probes) == {("sns:Publish", topic)}
    bus = ACCOUNT.format(service="events") + "event-bus/shop"
    probes = [bus, bus + "2", ACCOUNT.format(service="events") + "event-bus/default"]
    assert allowed(statements(event_bus("shop")), ["events"], probes) == {("events:PutEvents", bus)}


def test_allow_is_taken_as_written() -> None:
    identity = ACCOUNT.format(service="ses") + "identity/shop.example"
    policy = statements(
        allow(
            actions=["ses:sendemail"],  # IAM's own spelling is restored
            resources=[
                "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/shop.example"
            ],
            conditions={"StringEquals": {"ses:FromAddress": "orders@shop.example"}},
        )
    )
    assert policy[0]["Action"] == ["ses:SendEmail"]
    assert policy[0]["Condition"] == {"StringEquals": {"ses:FromAddress": "orders@shop.example"}}
    probes = [identity, identity + "x", ACCOUNT.format(service="ses") + "identity/other"]
    assert allowed(policy, ["ses"], probes) == {("ses:SendEmail", identity)}


def test_an_iam_policy_variable_is_left_for_iam() -> None:
    policy = permissions_policy(
        dataclasses.replace(
            plain_function("fn"),
            grants=grants(
                [
                    allow(
                        actions=["s3:GetObject"],
                        resources=["arn:${AWS::Partition}:s3:::b/${aws:username}/x"],
                    )
                ],
                print,
            ),
        )
    )
    assert policy is not None
    assert policy["Statement"][0]["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::b/${!aws:username}/x"}
    ]
