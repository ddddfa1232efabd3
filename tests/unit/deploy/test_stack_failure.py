"""How a failed stack operation is reported, from events shaped as DescribeStackEvents
returns them (newest first). moto never fails a resource asynchronously, so the events
path is checked here; tests/e2e/test_deploy_aws.py checks a real failure through moto."""

from __future__ import annotations

from typing import Any

from skyfn.deploy.stack_failure import failure_message

STACK = "skyfn-app-main"


def event(logical: str, kind: str, status: str, reason: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "StackName": STACK,
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "ResourceStatus": status,
    }
    if reason is not None:
        found["ResourceStatusReason"] = reason
    return found


def test_names_each_failed_resource_of_the_latest_operation_with_its_reason() -> None:
    events = [  # newest first
        event(STACK, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE"),
        event("FnSayHello", "AWS::Lambda::Function", "UPDATE_FAILED", "Memory exceeds quota"),
        event("RoleSayHello", "AWS::IAM::Role", "UPDATE_COMPLETE"),
        event(STACK, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"),
        event("FnOld", "AWS::Lambda::Function", "CREATE_FAILED", "an older failure"),
        event(STACK, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
    ]
    message = failure_message(STACK, "Waiter StackUpdateComplete failed", events)
    assert message.splitlines()[0] == (
        f"deploying stack {STACK} failed: Waiter StackUpdateComplete failed"
    )
    assert "  FnSayHello (AWS::Lambda::Function) UPDATE_FAILED: Memory exceeds quota" in message
    assert "RoleSayHello" not in message
    assert "FnOld" not in message  # an earlier operation's failure is not this one's


def test_says_so_when_no_event_names_a_resource() -> None:
    message = failure_message(STACK, "Access denied", [])
    assert "Access denied" in message
    assert "no failed resource" in message
