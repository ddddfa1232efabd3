"""Why a nested stack failed: its own events, not only the root's "Embedded stack ... was
not successfully created".

The root's events name each failed part (``AWS::CloudFormation::Stack``) and its physical
id, the part's stack id; that stack's events name the resources that failed in it, with
CloudFormation's reasons. Pure, but for ``part_failures``, which reads those events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import botocore.exceptions

from skyfn.errors import SkyfnError

NESTED_TYPE = "AWS::CloudFormation::Stack"
_STARTS = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"}

Event = Mapping[str, Any]


def stack_name_of(physical_id: str) -> str:
    """A stack's name from its id (``arn:...:stack/<name>/<uuid>``) or from its name."""
    if physical_id.startswith("arn:") and "/" in physical_id:
        return physical_id.split("/")[1]
    return physical_id


def failed_parts(events: Sequence[Event]) -> list[tuple[str, str]]:
    """(logical id, stack id) of each nested stack that failed among ``events``, in order,
    each once."""
    found: dict[str, str] = {}
    for event in events:
        if event.get("ResourceType") != NESTED_TYPE:
            continue
        if not str(event.get("ResourceStatus", "")).endswith("_FAILED"):
            continue
        physical = str(event.get("PhysicalResourceId") or "")
        if physical:
            found.setdefault(str(event.get("LogicalResourceId")), physical)
    return list(found.items())


def latest_failures(stack_name: str, events: Sequence[Event]) -> list[Event]:
    """The failed resources of a stack's latest operation, oldest first. ``events`` come
    newest first; the operation began at the stack's newest ``*_IN_PROGRESS`` event of
    create, update or delete."""
    latest: list[Event] = []
    for event in events:
        latest.append(event)
        if event.get("LogicalResourceId") == stack_name and event.get("ResourceStatus") in _STARTS:
            break
    return [
        e
        for e in reversed(latest)
        if str(e.get("ResourceStatus", "")).endswith("_FAILED")
        and e.get("LogicalResourceId") != stack_name
    ]


def part_lines(logical_id: str, stack_id: str, events: Sequence[Event]) -> list[str]:
    """What failed in one part, indented under the root's report."""
    name = stack_name_of(stack_id)
    failures = latest_failures(name, events)
    lines = [f"  in nested stack {logical_id} ({name}):"]
    for event in failures:
        lines.append(
            f"    {event.get('LogicalResourceId')} ({event.get('ResourceType')}) "
            f"{event.get('ResourceStatus')}: "
            f"{event.get('ResourceStatusReason') or 'no reason given'}"
        )
    if not failures:
        lines.append("    (its events name no failed resource)")
    return lines


def part_failures(cfn: Any, root_events: Sequence[Event]) -> list[str]:
    """The report lines of every failed part among the root's events (read from each part's
    own events; a part whose events cannot be read says so)."""
    lines: list[str] = []
    for logical_id, stack_id in failed_parts(root_events):
        try:
            events = _latest_events(cfn, stack_id)
        except (botocore.exceptions.ClientError, SkyfnError) as exc:
            lines.append(f"  in nested stack {logical_id}: its events could not be read ({exc})")
            continue
        lines += part_lines(logical_id, stack_id, events)
    return lines


def _latest_events(cfn: Any, stack_id: str) -> list[Event]:
    """A stack's events, newest first, back to the start of its latest operation."""
    name = stack_name_of(stack_id)
    events: list[Event] = []
    for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
        for event in page.get("StackEvents", []):
            events.append(event)
            if event.get("LogicalResourceId") == name and event.get("ResourceStatus") in _STARTS:
                return events
    return events
