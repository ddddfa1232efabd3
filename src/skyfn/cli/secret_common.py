"""What the secret commands share: how a time is shown, and what the backend's definitions
say about a secret (its description, its pattern).

``cli/secret.py`` (set, get, list, remove, import, rollback) and ``cli/secret_status.py``
(status) both import this module, which imports neither. A backend that does not load is
not consulted: managing secrets must keep working while the backend is broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import click

from skyfn import scope as scopes
from skyfn.cli.common import current_project
from skyfn.errors import SkyfnError
from skyfn.model import Model, Scope
from skyfn.secrets import manage, status
from skyfn.secrets.choice import choose_secret_store
from skyfn.synth.run import load_model


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _model(scope: Scope | None) -> Model | None:
    """The backend loaded for ``scope`` (``None``: the shared secrets, loaded as the
    sandbox); ``None`` when the backend does not load."""
    project = current_project()
    loaded_for = scope if scope is not None else scopes.sandbox()
    try:
        return load_model(project, loaded_for, choose_secret_store(project, loaded_for))
    except SkyfnError:
        return None


def descriptions(scope: Scope | None) -> dict[str, str]:
    """Secret name → the description a definition gives it ({} when the backend does not
    load: listing secrets must work with a broken backend)."""
    model = _model(scope)
    refs = status.references(model) if model is not None else ()
    return {ref.name: ref.description for ref in refs if ref.description}


def write_rules(names: str | Sequence[str], scope: Scope | None) -> manage.Rules | None:
    """What the definitions say about writing secret ``names`` (``manage.set_checked``);
    ``None``, with a warning, when the backend does not load: it is then not checked."""
    model = _model(scope)
    if model is None:
        listed = [names] if isinstance(names, str) else list(names)
        click.echo(
            f"warning: the backend does not load, so {', '.join(listed)} "
            f"{'was' if len(listed) == 1 else 'were'} not checked against a pattern "
            "(run skyfn synth to see why)",
            err=True,
        )
        return None
    return manage.Rules(model)


def check_pattern(name: str, value: str, scope: Scope | None) -> None:
    """Refuse ``value`` for secret ``name`` when it does not match the pattern a definition
    gives it; the value is never shown. A backend that does not load is not checked."""
    rules = write_rules(name, scope)
    if rules is not None:
        rules.check_pattern(name, value)


def warn_unreferenced(name: str, rules: manage.Rules | None) -> None:
    """Secret ``name`` is referenced by no definition but close to one that is: most likely
    a typo, said as a warning (setting a secret before its definition exists is fine)."""
    from skyfn.runtime.hints import close_name

    if rules is None:
        return
    referenced = {ref.name for ref in status.references(rules.model)}
    near = close_name(name, referenced) if name not in referenced else None
    if near is not None:
        click.echo(f"warning: no function references {name}; did you mean {near}?", err=True)
