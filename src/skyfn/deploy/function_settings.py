"""A function's Lambda settings in its template: ``Architectures``, ``EphemeralStorage``,
``Layers``, ``ReservedConcurrentExecutions``, and, with ``log_retention_days``, a log group
of its own.

That log group is named by CloudFormation (``/aws/lambda/<name>`` exists already for any
function that ran, so the stack could not create it), kept when the stack is deleted or
the group replaced (``Retain``: logs outlive a redeploy), and the function writes to it
through ``LoggingConfig.LogGroup``. ``skyfn logs`` finds it through the stack, and the
role may write to it alone (``policy.own_group_logs_policy``).
"""

from __future__ import annotations

from typing import Any

from skyfn.deploy import layers
from skyfn.model import Function

Json = dict[str, Any]
LOG_GROUP_TYPE = "AWS::Logs::LogGroup"


def log_group_logical_id(logical_base: str) -> str:
    return f"LogGroup{logical_base}"


def has_log_group(function: Function) -> bool:
    return function.settings.log_retention_days is not None


def properties(function: Function) -> Json:
    """The function resource's properties for the settings that are set (none: ``{}``,
    and the template is exactly as before)."""
    s = function.settings
    out: Json = {}
    if s.architecture is not None:
        out["Architectures"] = [s.architecture]
    if s.ephemeral_storage_mb is not None:
        out["EphemeralStorage"] = {"Size": s.ephemeral_storage_mb}
    if s.layers:
        out["Layers"] = [layers.reference(entry) for entry in s.layers]
    if s.reserved_concurrency is not None:
        out["ReservedConcurrentExecutions"] = s.reserved_concurrency
    return out


def logging_group(function: Function, logical_base: str) -> Json:
    """What ``LoggingConfig`` gets for the function's own log group (none: ``{}``)."""
    if not has_log_group(function):
        return {}
    return {"LogGroup": {"Ref": log_group_logical_id(logical_base)}}


def log_group(function: Function, tag_list: list[Json]) -> Json | None:
    if not has_log_group(function):
        return None
    return {
        "Type": LOG_GROUP_TYPE,
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "RetentionInDays": function.settings.log_retention_days,
            "Tags": tag_list,
        },
    }
