"""deploy/progress.py: one line per resource status change, with the elapsed time."""

from __future__ import annotations

from skyfn.deploy.progress import event_line


def test_event_line_names_resource_type_status_and_reason() -> None:
    event = {
        "LogicalResourceId": "FnSayHello",
        "ResourceType": "AWS::Lambda::Function",
        "ResourceStatus": "CREATE_FAILED",
        "ResourceStatusReason": "Role not ready",
    }
    assert event_line(event, 12.34) == (
        "     12.3s  FnSayHello (AWS::Lambda::Function) CREATE_FAILED: Role not ready"
    )


def test_user_initiated_is_not_repeated() -> None:
    event = {
        "LogicalResourceId": "st",
        "ResourceType": "AWS::CloudFormation::Stack",
        "ResourceStatus": "UPDATE_IN_PROGRESS",
        "ResourceStatusReason": "User Initiated",
    }
    assert event_line(event, 0).endswith("st (AWS::CloudFormation::Stack) UPDATE_IN_PROGRESS")
