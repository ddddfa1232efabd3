"""What ``diff`` reads of issue 23's options from a template: a function's own grants (its
role's ``skyfn-permissions`` statements, one line each) and its Lambda settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from skyfn.deploy import diff_layers
from skyfn.deploy.grants import POLICY_NAME

# Function properties shown as settings (not as "other settings").
SETTING_PROPERTIES = frozenset(
    {"Architectures", "EphemeralStorage", "Layers", "ReservedConcurrentExecutions"}
)


def grants(resources: Mapping[str, Any], role: Any, subs: Mapping[str, str]) -> frozenset[str]:
    """``allow dynamodb:GetItem, ... on arn:... [if {...}]``, one per statement."""
    if not (isinstance(role, dict) and "Fn::GetAtt" in role):
        return frozenset()
    props = resources.get(str(role["Fn::GetAtt"][0]), {}).get("Properties", {})
    out: set[str] = set()
    for policy in props.get("Policies", []):
        if policy.get("PolicyName") != POLICY_NAME:
            continue
        for statement in policy.get("PolicyDocument", {}).get("Statement", []):
            out.add(_shown(statement, subs))
    return frozenset(out)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(item: Any, subs: Mapping[str, str]) -> str:
    text = item.get("Fn::Sub", "") if isinstance(item, dict) else str(item)
    text = text if isinstance(text, str) else json.dumps(text)
    for name, value in subs.items():
        text = text.replace(f"${{{name}}}", value)
    return text.replace("${!", "${")


def _shown(statement: Mapping[str, Any], subs: Mapping[str, str]) -> str:
    actions = ", ".join(str(a) for a in _listed(statement.get("Action", [])))
    resources = ", ".join(_text(r, subs) for r in _listed(statement.get("Resource", [])))
    condition = statement.get("Condition")
    when = f" if {json.dumps(condition, sort_keys=True)}" if condition else ""
    return f"allow {actions} on {resources}{when}"


def settings(
    resources: Mapping[str, Any],
    props: Mapping[str, Any],
    template: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """``template``: the whole one, to name the defined layers a function lists."""
    out: dict[str, str] = {}
    if "Architectures" in props:
        out["architecture"] = ", ".join(map(str, _listed(props["Architectures"])))
    storage = props.get("EphemeralStorage")
    if isinstance(storage, dict) and "Size" in storage:
        out["ephemeral storage"] = f"{storage['Size']} MB"
    if props.get("Layers"):
        out["layers"] = diff_layers.entries(template or {"Resources": resources}, props["Layers"])
    if "ReservedConcurrentExecutions" in props:
        out["reserved concurrency"] = str(props["ReservedConcurrentExecutions"])
    group = log_group_id(props)
    if group:
        days = resources.get(group, {}).get("Properties", {}).get("RetentionInDays")
        out["log retention"] = f"{days} days (own log group)"
    return out


def log_group_id(props: Mapping[str, Any]) -> str:
    """The logical id of the function's own log group (``""``: it logs to Lambda's)."""
    config = props.get("LoggingConfig")
    group = config.get("LogGroup") if isinstance(config, dict) else None
    return str(group["Ref"]) if isinstance(group, dict) and "Ref" in group else ""


def other_logging(props: Mapping[str, Any]) -> dict[str, str]:
    """``LoggingConfig`` without the log group (shown as a setting): ``{}`` when nothing
    else is left."""
    config = props.get("LoggingConfig")
    if not isinstance(config, dict):
        return {}
    rest = {k: v for k, v in config.items() if k != "LogGroup"}
    return {"LoggingConfig": json.dumps(rest, sort_keys=True)} if rest else {}
