"""A small evaluator of the identity policies skyfn writes: resolves ``Fn::Sub`` (pseudo
parameters only) and ``Fn::If`` (condition assumed true), then answers whether a role's
inline policies allow an action on a resource (explicit Allow, IAM's ``*``/``?`` wildcards,
case-insensitive actions; Deny and conditions are not modelled: skyfn writes neither
except kms:ViaService, which the callers here never ask about). moto has no IAM simulator."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
}


def resolve(value: Any) -> Any:
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO[m.group(1)], text)
    if isinstance(value, dict) and "Fn::If" in value:
        return resolve(value["Fn::If"][1])
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in role["Properties"]["Policies"]:
        yield from resolve(policy["PolicyDocument"])["Statement"]


def _match(pattern: str, text: str, case: bool) -> bool:
    regex = fnmatch.translate(pattern.replace("[", "[[]"))
    return re.fullmatch(regex, text, 0 if case else re.IGNORECASE) is not None


def allows(role: dict[str, Any], action: str, resource: str) -> bool:
    """Whether any Allow statement of the role's inline policies covers (action, resource)."""
    for statement in statements(role):
        if statement.get("Effect") != "Allow":
            continue
        actions = _listed(statement.get("Action", []))
        resources = _listed(statement.get("Resource", []))
        if any(_match(a, action, case=False) for a in actions) and any(
            _match(r, resource, case=True) for r in resources
        ):
            return True
    return False
