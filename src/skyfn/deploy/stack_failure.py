"""How a failed stack operation is reported: every resource that failed in the latest
operation, with CloudFormation's reason, and how to see all the events. Kept apart from the
deployer, which only calls it, so the report is a pure function of the events
(tests/unit/deploy/test_stack_failure.py checks it without a stack)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def latest_operation(
    stack_name: str, events: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The events of the latest operation: ``events`` come newest first (as
    ``DescribeStackEvents`` returns them); it starts at the newest stack-level
    "User Initiated" event."""
    latest: list[Mapping[str, Any]] = []
    for event in events:
        latest.append(event)
        if (
            event.get("LogicalResourceId") == stack_name
            and event.get("ResourceStatusReason") == "User Initiated"
        ):
            break
    return latest


def failure_message(
    stack_name: str,
    error: str,
    events: Sequence[Mapping[str, Any]],
    parts: Sequence[str] = (),
) -> str:
    """Name every resource that failed in the latest operation, with CloudFormation's
    reason; ``parts``: what failed inside each failed nested stack (nested_events)."""
    latest = latest_operation(stack_name, events)
    failed = [e for e in reversed(latest) if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    lines = [f"deploying stack {stack_name} failed: {error}"]
    for event in failed:
        if event.get("LogicalResourceId") == stack_name and not event.get("ResourceStatusReason"):
            continue
        lines.append(
            f"  {event.get('LogicalResourceId')} ({event.get('ResourceType')}) "
            f"{event.get('ResourceStatus')}: {event.get('ResourceStatusReason') or 'no reason given'}"
        )
    if not failed:
        lines.append("  (the stack events name no failed resource)")
    lines += parts
    lines.append(
        "fix the cause and run skyfn pipeline-deploy again; "
        f"all events: aws cloudformation describe-stack-events --stack-name {stack_name}"
    )
    return "\n".join(lines)
