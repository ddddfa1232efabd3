"""Which branches of an app are deployed, so a mistyped ``--branch`` is named as such:
``diff``, ``logs`` and ``destroy`` name the deployed branches, ``pipeline-deploy`` notes
them on a first deploy (a new branch is legitimate there), and ``destroy`` tells a stack
already deleted from one that never existed."""

from __future__ import annotations

from typing import Any

from skyfn.deploy import names
from skyfn.deploy.stacks import APP_TAG, BRANCH_TAG, owner_tags
from skyfn.runtime.hints import close_name


def deployed_branches(cfn: Any, app_id: str) -> list[str]:
    """The branches of ``app_id`` that have a live stack (by the ``skyfn:app`` tag)."""
    found: set[str] = set()
    for page in cfn.get_paginator("describe_stacks").paginate():
        for stack in page.get("Stacks", []):
            tags = owner_tags(stack)
            if stack["StackStatus"] != "DELETE_COMPLETE" and tags[APP_TAG] == app_id:
                found.add(tags[BRANCH_TAG])
    return sorted(b for b in found if b)


def describe(app_id: str, branch: str, deployed: list[str]) -> str:
    """``deployed branches of app A: main, dev (did you mean main?)``."""
    if not deployed:
        return f"app {app_id} has no deployed branch"
    near = close_name(branch, deployed)
    hint = f" (did you mean {near}?)" if near else ""
    return f"deployed branches of app {app_id}: {', '.join(deployed)}{hint}"


def new_branch_note(cfn: Any, app_id: str, branch: str, what: str) -> str | None:
    """A note when ``branch`` is not deployed (``None`` when it is): ``what`` says what
    happens then, e.g. "this deploy creates its stack"."""
    deployed = deployed_branches(cfn, app_id)
    if branch in deployed:
        return None
    return f"note: branch {branch} is not deployed ({describe(app_id, branch, deployed)}); {what}"


def was_deleted(cfn: Any, app_id: str, branch: str) -> bool:
    """Whether the branch had a stack that is deleted now (a ``DELETE_COMPLETE`` stack of
    its name, current or legacy), as opposed to never having one."""
    wanted = {names.stack_name(app_id, branch), names.legacy_stack_name(app_id, branch)}
    for page in cfn.get_paginator("list_stacks").paginate(StackStatusFilter=["DELETE_COMPLETE"]):
        if any(s["StackName"] in wanted for s in page.get("StackSummaries", [])):
            return True
    return False
