"""Which secret store a command uses. One rule for every command:

``--store``, else ``SKYFN_SECRET_STORE``, else the scope's default: a branch reads the store
it deploys from (``ssm``); a sandbox reads ``[tool.skyfn] secret_store``, else ``local``.

A branch's secrets, and any in a store on AWS, are found by the app id alone: they need one
chosen in ``[tool.skyfn] app_id``, not derived from the folder's name (``Project.require_app_id``).
"""

from __future__ import annotations

import os

from skyfn.errors import SkyfnError
from skyfn.model import Scope
from skyfn.project import Project
from skyfn.runtime import contract
from skyfn.runtime.stores import StoreName, default_store
from skyfn.secrets.registry import USER_STORES


def choose_secret_store(
    project: Project | None, scope: Scope | None, override: str | None = None
) -> StoreName:
    """The store for ``scope`` (``None``: the app's shared secrets, read like a sandbox's)."""
    kind = scope.kind if scope is not None else "sandbox"
    configured = project.settings.get("secret_store") if project and kind == "sandbox" else None
    chosen = _choose(kind, configured, override)
    if project is not None and scope is not None and scope.kind == "branch":
        project.require_app_id(f"branch {scope.name}'s secrets")
    elif project is not None and chosen != "local":
        project.require_app_id(f"a secret in the {chosen} store")
    return chosen


def _choose(kind: str, configured: object, override: str | None) -> StoreName:
    for source, value in (
        ("--store", override),
        (contract.STORE_VAR, os.environ.get(contract.STORE_VAR)),
        ("[tool.skyfn] secret_store", configured),
    ):
        if value is None or value == "":
            continue
        if value not in USER_STORES:
            raise SkyfnError(f"{source} is {value!r}; choose one of: {', '.join(USER_STORES)}")
        return value
    return default_store(kind)
