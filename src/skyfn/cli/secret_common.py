"""What the secret commands share: how a time is shown, and what the backend's definitions
say about a secret (its description, its pattern).

``cli/secret.py`` (set, get, list, remove, import, rollback) and ``cli/secret_status.py``
(status) both import this module, which imports neither. A backend that does not load is
not consulted: managing secrets must keep working while the backend is broken.
"""

from __future__ import annotations

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
    references = _references(scope)
    if references is None:
        click.echo(
            f"warning: the backend does not load, so {name} was not checked against a "
            "pattern (run skyfn synth to see why)",
            err=True,
        )
        return
    for ref in references:
        if ref.name == name and ref.pattern is not None and not status.matches(ref.pattern, value):
            raise SkyfnError(
                f"the value given for secret {name} does not match its pattern "
                f"{ref.pattern!r} (used by {', '.join(ref.users)}); nothing was set"
            )


def warn_unreferenced(name: str, scope: Scope | None) -> None:
    """Secret ``name`` is referenced by no definition but close to one that is: most likely
    a typo, said as a warning (setting a secret before its definition exists is fine)."""
    from skyfn.runtime.hints import close_name

    references = _references(scope)
    referenced = {ref.name for ref in references or ()}
    if references is None or name in referenced:
        return
    near = close_name(name, referenced)
    if near is not None:
        click.echo(f"warning: no function references {name}; did you mean {near}?", err=True)
