"""Finding a branch's stack: the one lookup ``pipeline-deploy``, ``diff``, ``logs`` and
``destroy`` share, so they always agree on which stack is the branch's.

A stack under the current name (``names.stack_name``) must carry the app's and branch's
``skyfn:app``/``skyfn:branch`` tags, or it is refused. When none exists under that name, a
stack under the legacy name with matching tags is the branch's (taken over, not orphaned);
one with other tags or none belongs to someone else and is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import botocore.exceptions

from skyfn.deploy import names
from skyfn.errors import SkyfnError

APP_TAG = "skyfn:app"
BRANCH_TAG = "skyfn:branch"


def owner_tags_of(tags: Mapping[str, str]) -> dict[str, str]:
    return {APP_TAG: tags.get(APP_TAG, ""), BRANCH_TAG: tags.get(BRANCH_TAG, "")}


def owner_tags(stack: Mapping[str, Any]) -> dict[str, str]:
    return owner_tags_of({t["Key"]: t["Value"] for t in stack.get("Tags", [])})


def describe_stack(cfn: Any, stack_name: str) -> dict[str, Any] | None:
    """The stack's description, ``None`` when there is none (or only a deleted one)."""
    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def find_stack(
    cfn: Any,
    stack_name: str,
    legacy_stack_name: str | None,
    wanted: Mapping[str, str],
    refusal: str = "nothing was deployed",
) -> tuple[str, dict[str, Any] | None]:
    """The stack of the (app, branch) in ``wanted`` (owner tags) and its description;
    ``(stack_name, None)`` when there is none. A stack under ``stack_name`` with other
    tags raises ``SkyfnError``, saying ``refusal`` (what did not happen). A name other than
    ``stack_name`` in the answer is the legacy one: an earlier skyfn named that stack."""
    stack = describe_stack(cfn, stack_name)
    if stack is not None:
        check_owner(stack_name, stack, wanted, refusal)
        return stack_name, stack
    if legacy_stack_name and legacy_stack_name != stack_name:
        old = describe_stack(cfn, legacy_stack_name)
        if old is not None and owner_tags(old) == owner_tags_of(wanted):
            return legacy_stack_name, old
    return stack_name, None


def branch_stack(
    cfn: Any, app_id: str, branch: str, refusal: str
) -> tuple[str, dict[str, Any] | None]:
    """``find_stack`` for an app id and branch."""
    return find_stack(
        cfn,
        names.stack_name(app_id, branch),
        names.legacy_stack_name(app_id, branch),
        {APP_TAG: app_id, BRANCH_TAG: branch},
        refusal,
    )


def check_owner(
    name: str, stack: Mapping[str, Any], wanted: Mapping[str, str], refusal: str
) -> None:
    found, want = owner_tags(stack), owner_tags_of(wanted)
    if found == want:
        return
    if not any(found.values()):
        whose = "skyfn did not create it (it has no skyfn:app/skyfn:branch tags)"
    else:
        whose = f"it belongs to app {found[APP_TAG] or '?'}, branch {found[BRANCH_TAG] or '?'}"
    raise SkyfnError(
        f"stack {name} exists and {whose}; {refusal}. It is not app {want[APP_TAG]}'s "
        f"branch {want[BRANCH_TAG]}: choose another app id (--app-id or [tool.skyfn] app_id) "
        "or remove that stack yourself"
    )
