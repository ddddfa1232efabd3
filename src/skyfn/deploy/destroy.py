"""``skyfn destroy``: delete a branch's stack, following CloudFormation until it is gone,
and report each resource deleted or failed with CloudFormation's reason.

Only a stack found as every command finds it (``stacks``: the app's and branch's tags) is
deleted; bundles stay in the staging bucket (shared between branches, needed for
rollbacks), and the branch's secrets stay unless the caller removes them too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skyfn import aws
from skyfn.deploy import nested_events, progress, stack_writes
from skyfn.deploy.deployed import deployed_branch
from skyfn.errors import SkyfnError

Say = Callable[[str], None]
PERMISSIONS = (
    "cloudformation:DescribeStacks, GetTemplate, ListStackResources, DescribeStackEvents "
    "and DeleteStack, and the deletes of its resources (lambda:DeleteFunction, "
    "iam:DeleteRole, iam:DetachRolePolicy, iam:DeleteRolePolicy)"
)
_GONE = "DELETE_COMPLETE"


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    physical_id: str


@dataclass(frozen=True)
class Target:
    app_id: str
    branch: str
    stack_name: str
    stack_id: str
    functions: tuple[tuple[str, str], ...]  # skyfn name, Lambda name
    resources: tuple[Resource, ...]

    def describe(self) -> list[str]:
        lines = [f"app {self.app_id}, branch {self.branch}: stack {self.stack_name}"]
        lines += [f"  function {name} ({physical})" for name, physical in self.functions]
        others = [r for r in self.resources if r.type != "AWS::Lambda::Function"]
        lines += [f"  {r.type} {r.physical_id or r.logical_id}" for r in others]
        return lines


def find_target(cfn: Any, app_id: str, branch: str) -> Target:
    """The branch's stack and every resource it holds, those of its nested parts too."""
    deployed = deployed_branch(cfn, app_id, branch, "nothing was destroyed")
    resources: list[Resource] = []
    physical: dict[tuple[str, str], str] = {}  # (stack, logical id) -> physical id
    for stack in [deployed.stack_name, *(s.stack_id for s in deployed.stacks[1:])]:
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
            for r in page.get("StackResourceSummaries", []):
                found = Resource(
                    r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId", "")
                )
                resources.append(found)
                physical[(stack, found.logical_id)] = found.physical_id
    functions = tuple(
        (
            name,
            physical.get((deployed.homes.get(name, deployed.stack_name), state.logical_id))
            or state.physical_name
            or "?",
        )
        for name, state in sorted(deployed.deployment.functions.items())
    )
    stack_id = str(deployed.stack.get("StackId") or deployed.stack_name)
    return Target(app_id, branch, deployed.stack_name, stack_id, functions, tuple(resources))


def delete(cfn: Any, target: Target, say: Say) -> list[str]:
    """Delete the stack, printing its events as they come; returns one line per resource.
    A stack that ends other than deleted raises ``SkyfnError`` naming what failed."""
    seen = progress.event_ids(cfn, target.stack_id)
    started = time.monotonic()
    final: dict[str, tuple[str, str]] = {}

    def note(event: dict[str, Any]) -> None:
        final[str(event.get("LogicalResourceId"))] = (
            str(event.get("ResourceStatus", "")),
            str(event.get("ResourceStatusReason") or ""),
        )

    events: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> None:
        note(event)
        events.insert(0, event)  # newest first, as DescribeStackEvents gives them

    with aws.aws_errors(f"delete stack {target.stack_name}", PERMISSIONS):
        stack_writes.start(
            cfn, target.stack_id, lambda: cfn.delete_stack(StackName=target.stack_id)
        )
        status = progress.follow(cfn, target.stack_id, seen, say, started, on_event=keep)
        parts = nested_events.part_failures(cfn, events) if status != _GONE else []
    report: list[str] = []
    for resource in target.resources:
        state, reason = final.get(resource.logical_id, ("", ""))
        shown = f"{resource.logical_id} ({resource.type} {resource.physical_id})"
        if state == "DELETE_FAILED" or (status != _GONE and state != _GONE):
            report.append(f"  failed  {shown}: {reason or 'CloudFormation gave no reason'}")
        elif state == "DELETE_SKIPPED":
            report.append(f"  kept    {shown}: {reason or 'retained by its deletion policy'}")
        else:
            report.append(f"  deleted {shown}")
    if status != _GONE:
        lines = [f"deleting stack {target.stack_name} failed: the stack is {status}", *report]
        lines += parts
        lines.append(
            "fix the cause (or remove the failed resources yourself) and run "
            f"skyfn destroy --branch {target.branch} again"
        )
        raise SkyfnError("\n".join(lines))
    return report
