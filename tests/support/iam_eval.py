"""A tiny evaluator of IAM ``Allow`` statements: an action glob and a resource glob, as IAM
matches them (``*`` any run of characters, ``?`` one; actions case-insensitively). Enough
to show what a generated policy allows; it knows no Deny and treats conditions as met."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, text: str) -> bool:
    # fnmatch's [...] classes are not IAM's; escape them
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))


def allows(statements: Iterable[Mapping[str, Any]], action: str, resource: str) -> bool:
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = _listed(statement["Action"])
        if not any(_glob(a.lower(), action.lower()) for a in actions):
            continue
        if any(_glob(r, resource) for r in _listed(statement["Resource"])):
            return True
    return False


def resolved(value: Any, subs: Mapping[str, str]) -> Any:
    """``value`` with each ``Fn::Sub`` filled in from ``subs``."""
    if isinstance(value, list):
        return [resolved(v, subs) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            text = str(value["Fn::Sub"])
            for name, filled in subs.items():
                text = text.replace(f"${{{name}}}", filled)
            return text.replace("${!", "${")
        return {k: resolved(v, subs) for k, v in value.items()}
    return value
