"""A tiny evaluator of the IAM ``Allow`` statements skyfn writes (moto has no IAM simulator):
an action glob and a resource glob, as IAM matches them (``*`` any run of characters, ``?``
one; actions case-insensitively). Enough to show what a generated policy allows: it knows no
Deny and treats conditions as met (skyfn writes neither, but for kms:ViaService, which no
caller here asks about).

``allows`` reads statements; ``role_allows`` every inline policy of a role resource, with
``Fn::Sub`` filled in from pseudo parameters and ``Fn::If`` taken as true.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

# The pseudo parameters a role's policies are resolved with by default.
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, text: str) -> bool:
    # fnmatch's [...] classes are not IAM's; escape them
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))


def allows(statements: Iterable[Mapping[str, Any]], action: str, resource: str) -> bool:
    """Whether any Allow statement covers (action, resource)."""
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = _listed(statement.get("Action", []))
        if not any(_glob(a.lower(), action.lower()) for a in actions):
            continue
        if any(_glob(r, resource) for r in _listed(statement.get("Resource", []))):
            return True
    return False


def resolved(value: Any, subs: Mapping[str, str]) -> Any:
    """``value`` with each ``Fn::Sub`` filled in from ``subs`` and each ``Fn::If`` taken as
    its condition being true."""
    if isinstance(value, list):
        return [resolved(v, subs) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            text = str(value["Fn::Sub"])
            for name, filled in subs.items():
                text = text.replace(f"${{{name}}}", filled)
            return text.replace("${!", "${")
        if set(value) == {"Fn::If"}:
            return resolved(value["Fn::If"][1], subs)
        return {k: resolved(v, subs) for k, v in value.items()}
    return value


def role_statements(role: Mapping[str, Any], subs: Mapping[str, str] = PSEUDO) -> list[Any]:
    """Every statement of a role resource's inline policies, resolved."""
    found: list[Any] = []
    for policy in role["Properties"]["Policies"]:
        found += resolved(policy["PolicyDocument"], subs)["Statement"]
    return found


def role_allows(
    role: Mapping[str, Any], action: str, resource: str, subs: Mapping[str, str] = PSEUDO
) -> bool:
    """Whether any Allow statement of the role's inline policies covers (action, resource)."""
    return allows(role_statements(role, subs), action, resource)
