"""A stack write (CreateStack, UpdateStack, DeleteStack) whose answer may be lost on the way.

When AWS's answer to the write is lost (a 5xx, a timeout, an answer cut short: see
``skyfn.aws``), the write may or may not have happened. It is never sent again blindly: the
stack is described first, and a stack that changed (created, a new status, a new update
time) means the operation started, so it is followed like any other; an unchanged one means
it did not, so the write is sent again (``ATTEMPTS`` in all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skyfn.deploy import stacks
from skyfn.errors import AwsUnavailable

ATTEMPTS = 3

State = tuple[str, str, str] | None  # (stack id, status, last updated), None: no stack


def state(cfn: Any, stack: str) -> State:
    found = stacks.describe_stack(cfn, stack)
    if found is None:
        return None
    return (
        str(found.get("StackId", "")),
        str(found.get("StackStatus", "")),
        str(found.get("LastUpdatedTime", "")),
    )


def start(cfn: Any, stack: str, write: Callable[[], Any]) -> Any:
    """``write()``'s answer; when it was lost, ``{"StackId": ...}`` of a stack that shows the
    operation started (``{}`` when the stack is gone: a delete). ``stack``: its name or id."""
    before = state(cfn, stack)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return write()
        except AwsUnavailable as exc:
            if not exc.uncertain:
                raise
            try:
                now = state(cfn, stack)
            except AwsUnavailable as unread:
                raise exc.with_message(
                    f"{exc}; whether it went through is unknown: reading the stack failed too "
                    f"({unread}); look at the stack in the AWS console and run again"
                ) from None
            if now != before:
                return {"StackId": now[0]} if now else {}
            if attempt == ATTEMPTS:
                raise exc.with_message(
                    f"{exc}; the stack shows it did not start ({ATTEMPTS} tries)"
                ) from None
    raise AssertionError("unreachable")
