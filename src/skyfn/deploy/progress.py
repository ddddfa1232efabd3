"""Following a CloudFormation operation: each resource's status as it changes, with the
time since the operation began, until the stack settles (instead of a silent waiter).

Events are told apart by id, not by clock: the ids a stack had before the operation are
collected first, and every event not among them is new.

Following never decides the outcome: events that cannot be read (throttled, cut) are
skipped and read again on the next round; the outcome is the stack's final status, read
until it settles. Only when the status itself cannot be read ``STATUS_FAILURES`` rounds
in a row does following stop, saying the operation may still be running. A stack
operation's own deadline is ``MAX_SECONDS`` (3 hours), apart from the per-call timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import botocore.exceptions

from skyfn.errors import AwsUnavailable, SkyfnError

Say = Callable[[str], None]
DELAY_SECONDS = 5.0
MAX_SECONDS = 3 * 3600
STATUS_FAILURES = 5


def event_ids(cfn: Any, stack: str) -> set[str]:
    """The ids of the stack's newest events (none when it does not exist): enough to tell
    new events apart, since ``new_events`` stops at the first page holding a known one."""
    try:
        events = cfn.describe_stack_events(StackName=stack).get("StackEvents", [])
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return set()
        raise
    return {e["EventId"] for e in events}


def event_line(event: Mapping[str, Any], elapsed: float) -> str:
    reason = event.get("ResourceStatusReason")
    shown = f": {reason}" if reason and reason != "User Initiated" else ""
    return (
        f"  {elapsed:7.1f}s  {event.get('LogicalResourceId')} ({event.get('ResourceType')}) "
        f"{event.get('ResourceStatus')}{shown}"
    )


def new_events(cfn: Any, stack: str, seen: set[str]) -> list[dict[str, Any]]:
    """Events not in ``seen``, oldest first; adds them to ``seen``."""
    fresh: list[dict[str, Any]] = []
    for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack):
        events = page.get("StackEvents", [])
        fresh += [e for e in events if e["EventId"] not in seen]
        if any(e["EventId"] in seen for e in events):
            break  # newest first: the rest were seen before
    seen.update(e["EventId"] for e in fresh)
    return list(reversed(fresh))


def follow(
    cfn: Any,
    stack: str,
    seen: set[str],
    say: Say,
    started: float,
    delay: float = DELAY_SECONDS,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> str:
    """Print each new event until the stack's status no longer ends in ``_IN_PROGRESS``;
    returns that status (``DELETE_COMPLETE`` when the stack is gone). ``stack`` should be
    the stack's id, which still answers after a delete."""
    failures = 0
    while True:
        _show(cfn, stack, seen, say, started, on_event)
        try:
            status = stack_status(cfn, stack)
        except AwsUnavailable as exc:
            failures += 1
            if failures >= STATUS_FAILURES:
                raise exc.with_message(
                    f"cannot tell how stack {stack} ended: {exc}, {failures} rounds in a row; "
                    "the operation may still be running: see the stack in the AWS console"
                ) from None
            time.sleep(delay)
            continue
        failures = 0
        if not status.endswith("_IN_PROGRESS"):
            _show(cfn, stack, seen, say, started, on_event)  # the last ones, with the status
            return status
        if time.monotonic() - started > MAX_SECONDS:
            return status
        time.sleep(delay)


def _show(
    cfn: Any,
    stack: str,
    seen: set[str],
    say: Say,
    started: float,
    on_event: Callable[[dict[str, Any]], None] | None,
) -> None:
    """Print the new events; ones that cannot be read now are read on the next round."""
    try:
        fresh = new_events(cfn, stack, seen)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, SkyfnError):
        return
    for event in fresh:
        say(event_line(event, time.monotonic() - started))
        if on_event is not None:
            on_event(event)


def stack_status(cfn: Any, stack: str) -> str:
    try:
        stacks: Iterable[Mapping[str, Any]] = cfn.describe_stacks(StackName=stack)["Stacks"]
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return "DELETE_COMPLETE"
        raise
    for found in stacks:
        return str(found["StackStatus"])
    return "DELETE_COMPLETE"
