"""``reserved_concurrency``: checked against the account before a deploy changes anything.

Lambda keeps at least ``UNRESERVED_MINIMUM`` (100) of a region's concurrency unreserved
and refuses a reservation that would take more; inside a CloudFormation update that
refusal comes after other resources changed, and the rollback undoes them. So
``pipeline-deploy`` reads ``GetAccountSettings`` and each function's current reservation
first, and refuses, naming the function, what its reservation would leave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions

from skyfn import aws, aws_faults
from skyfn.deploy import names
from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.runtime.lambda_platform import UNRESERVED_MINIMUM

PERMISSIONS = "lambda:GetAccountSettings and lambda:GetFunctionConcurrency"


def unreserved(client: Any) -> int:
    """The account's unreserved concurrency in the client's region, now."""
    limit = client.get_account_settings()["AccountLimit"]
    return int(limit["UnreservedConcurrentExecutions"])


def current(client: Any, physical_name: str) -> int:
    """What the deployed function reserves now (0: nothing, or not deployed yet)."""
    try:
        found = client.get_function_concurrency(FunctionName=physical_name)
    except botocore.exceptions.ClientError as exc:
        if aws_faults.error_code(exc) == "ResourceNotFoundException":
            return 0
        raise
    return int(found.get("ReservedConcurrentExecutions") or 0)


def check(model: Model, make_client: Callable[[], Any]) -> None:
    """Refuse (``SkyfnError``, before any change) reservations that would leave the account
    less than Lambda's unreserved minimum; nothing to read when no function reserves any
    (``make_client``: Lambda's client, made only then)."""
    wanted = {
        f.name: f.settings.reserved_concurrency
        for f in model.functions
        if f.settings.reserved_concurrency is not None
    }
    if not wanted:
        return
    with aws.aws_errors(f"check the reserved concurrency of {model.scope.label}", PERMISSIONS):
        client = make_client()
        free = unreserved(client)
        more = {
            name: amount
            - current(client, names.function_name(model.app_id, model.scope.name, name))
            for name, amount in wanted.items()
        }
    left = free - sum(more.values())
    if left >= UNRESERVED_MINIMUM:
        return
    growing = sorted(name for name, extra in more.items() if extra > 0)
    shown = ", ".join(f"function {n}: reserved_concurrency={wanted[n]}" for n in growing)
    raise SkyfnError(
        f"{shown} would leave the account {left} unreserved concurrent executions in this "
        f"region (it has {free} unreserved now); Lambda keeps at least {UNRESERVED_MINIMUM}. "
        "Nothing was deployed. Lower reserved_concurrency, free reservations elsewhere, or "
        "ask AWS for a higher concurrency quota"
    )
