"""A failed nested stack's own reasons, found from the root's events (shaped as
DescribeStackEvents returns them: newest first)."""

from __future__ import annotations

from typing import Any

from skyfn.deploy import nested_events

PART = "arn:aws:cloudformation:us-east-1:123456789012:stack/skyfn-app-main-abc-Part03-X1/uuid"
PART_NAME = "skyfn-app-main-abc-Part03-X1"


def event(logical: str, status: str, reason: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "LogicalResourceId": logical,
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
        "ResourceType": extra.pop("type", "AWS::Lambda::Function"),
        **extra,
    }


ROOT_EVENTS = [
    event(
        "Part03",
        "UPDATE_FAILED",
        "Embedded stack " + PART + " was not successfully updated",
        type="AWS::CloudFormation::Stack",
        PhysicalResourceId=PART,
    ),
    event("Part01", "UPDATE_COMPLETE", type="AWS::CloudFormation::Stack", PhysicalResourceId="p1"),
    event(
        "Part03",
        "UPDATE_FAILED",
        "again",
        type="AWS::CloudFormation::Stack",
        PhysicalResourceId=PART,
    ),
]
PART_EVENTS = [
    event(
        PART_NAME,
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed",
        type="AWS::CloudFormation::Stack",
    ),
    event(
        "FnSayHello",
        "UPDATE_FAILED",
        'Resource handler returned message: "Memory 99 is below the minimum of 128"',
    ),
    event("RoleSayHello", "UPDATE_COMPLETE", type="AWS::IAM::Role"),
    event(PART_NAME, "UPDATE_IN_PROGRESS", "User Initiated", type="AWS::CloudFormation::Stack"),
    event("FnOld", "CREATE_FAILED", "an older operation's failure"),
]


def test_the_failed_parts_of_the_root_each_once() -> None:
    assert nested_events.failed_parts(ROOT_EVENTS) == [("Part03", PART)]
    assert nested_events.stack_name_of(PART) == PART_NAME
    assert nested_events.stack_name_of("moto-style-name") == "moto-style-name"


def test_a_part_reports_its_failed_resources_of_the_latest_operation() -> None:
    assert nested_events.part_lines("Part03", PART, PART_EVENTS) == [
        f"  in nested stack Part03 ({PART_NAME}):",
        "    FnSayHello (AWS::Lambda::Function) UPDATE_FAILED: Resource handler returned "
        'message: "Memory 99 is below the minimum of 128"',
    ]
    assert nested_events.part_lines("Part03", PART, PART_EVENTS[2:4]) == [
        f"  in nested stack Part03 ({PART_NAME}):",
        "    (its events name no failed resource)",
    ]
