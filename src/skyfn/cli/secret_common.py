"""What the secret commands share: how a time is shown, and what the backend's definitions
say about a secret (its description, its pattern).

``cli/secret.py`` (set, get, list, remove, import, rollback) and ``cli/secret_status.py``
(status) both import this module, which imports neither. A backend that does not load is
not consulted: managing secrets must keep working while the backend is broken.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import click

from skyfn import scope as scopes
from skyfn.cli.common import current_project
from skyfn.errors import SkyfnError
from skyfn.model import Scope
from skyfn.secrets import status
from skyfn.secrets.choice import choose_secret_store
from skyfn.synth.run import load_model


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _references(scope: Scope | None) -> tuple[status.Reference, ...] | None:
    """The secrets the backend references, loaded for ``scope`` (``None``: the shared
    secrets, loaded as the sandbox); ``None`` when the backend does not load."""
    project = current_project()
    loaded_for = scope if scope is not None else scopes.sandbox()
    try:
        model = load_model(project, loaded_for, choose_secret_store(project, loaded_for))
    except SkyfnError:
        return None
    return status.references(model)


def descriptions(scope: Scope | None) -> dict[str, str]:
    """Secret name → the description a definition gives it ({} when the backend does not
    load: listing secrets must work with a broken backend)."""
    return {ref.name: ref.description for ref in _references(scope) or () if ref.description}


def check_pattern(name: str, value: str, scope: Scope | None) -> None:
    """Refuse ``value`` for secret ``name`` when it does not match the pattern a definition
    gives it; the value is never shown. A backend that does not load is not checked."""
    problem = pattern_problems({name: value}, scope).get(name)
    if problem:
        raise SkyfnError(f"{problem}; nothing was set")


def pattern_problems(values: Mapping[str, str], scope: Scope | None) -> dict[str, str]:
    """Name → why its value breaks its pattern, for every value that does, with one load of
    the backend (a backend that does not load checks nothing, and a warning says so)."""
    references = _references(scope)
    if references is None:
        click.echo(
            f"warning: the backend does not load, so {', '.join(values)} "
            f"{'was' if len(values) == 1 else 'were'} not checked against a pattern "
            "(run skyfn synth to see why)",
            err=True,
        )
        return {}
    found: dict[str, str] = {}
    for ref in references:
        value = values.get(ref.name)
        if value is None or ref.pattern is None or status.matches(ref.pattern, value):
            continue
        found[ref.name] = (
            f"the value given for secret {ref.name} does not match its pattern "
            f"{ref.pattern!r} (used by {', '.join(ref.users)})"
        )
    return found
