"""Finding a branch's stack: the one lookup ``pipeline-deploy``, ``diff``, ``logs`` and
``destroy`` share, so they always agree on which stack is the branch's.

A stack under the current name (``names.stack_name``) must carry the app's and branch's
``skyfn:app``/``skyfn:branch`` tags, or it is refused. When none exists under that name, a
stack under the legacy name with matching tags is the branch's (taken over, not orphaned);
one with other tags or none belongs to someone else and is left alone.

A deploy (and its diff) also checks the ``skyfn:project`` tag: the ``[tool.skyfn]
project_id`` of the project that deployed the stack. Another project's id is refused (two
projects can share an app id: folder names that normalise alike, or a copied pyproject);
a stack without the tag is adopted by the first deploy with its app id and branch, which
tags it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import botocore.exceptions

from skyfn.deploy import names
from skyfn.errors import SkyfnError

APP_TAG = "skyfn:app"
BRANCH_TAG = "skyfn:branch"
PROJECT_TAG = "skyfn:project"


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
    check_project: bool = False,
) -> tuple[str, dict[str, Any] | None]:
    """The stack of the (app, branch) in ``wanted`` (owner tags) and its description;
    ``(stack_name, None)`` when there is none. A stack under ``stack_name`` with other
    tags raises ``SkyfnError``, saying ``refusal`` (what did not happen). A name other than
    ``stack_name`` in the answer is the legacy one: an earlier skyfn named that stack.
    ``check_project``: also refuse a stack another project deployed (``wanted``'s
    ``skyfn:project``, absent when the project has no id)."""
    stack = describe_stack(cfn, stack_name)
    if stack is not None:
        check_owner(stack_name, stack, wanted, refusal)
        found: tuple[str, dict[str, Any] | None] = stack_name, stack
    else:
        found = stack_name, None
        if legacy_stack_name and legacy_stack_name != stack_name:
            old = describe_stack(cfn, legacy_stack_name)
            if old is not None and owner_tags(old) == owner_tags_of(wanted):
                found = legacy_stack_name, old
    if check_project and found[1] is not None:
        check_project_tag(found[0], found[1], wanted.get(PROJECT_TAG), refusal)
    return found


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


def check_project_tag(
    name: str, stack: Mapping[str, Any], project_id: str | None, refusal: str
) -> None:
    """Refuse a stack whose ``skyfn:project`` tag names another project than ``project_id``
    (a stack without the tag: any project of its app id and branch may adopt it)."""
    tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    deployed = tags.get(PROJECT_TAG)
    if deployed is None or deployed == project_id:
        return
    mine = (
        "this project has no [tool.skyfn] project_id"
        if project_id is None
        else "this project's [tool.skyfn] project_id is another"
    )
    raise SkyfnError(
        f"stack {name} was deployed by another project with the same app id (its "
        f"{PROJECT_TAG} tag is {deployed}; {mine}); {refusal}. Give this project an app id "
        "of its own ([tool.skyfn] app_id), or, if it is that project, copy its project_id"
    )
