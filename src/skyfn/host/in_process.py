"""A function's environment for code that runs in this process (the pytest plugin's
``skyfn_env``): its plain values (with the test's overrides), its secrets resolved through
the one host resolver (``secret_resolver``) from the test's inline values, and the
variables Lambda provides, so a handler imported by a test reads what a worker would.

It runs in the test's own interpreter and virtualenv: none of a worker's isolation (a
clean environment, its own process, the bundle's files only).
"""

from __future__ import annotations

from collections.abc import Mapping

from skyfn.errors import SkyfnError
from skyfn.host import secret_resolver
from skyfn.host.environment import (
    Overrides,
    check_overrides,
    lambda_variables,
    override_values,
)
from skyfn.model import Model
from skyfn.project import backend_dir
from skyfn.runtime.errors import SecretNotFound, SecretStoreError


def variables(
    model: Model, name: str, overrides: Overrides, region: str = "us-east-1"
) -> dict[str, str]:
    """Name -> value, everything the function's process would see of its own."""
    function = model.function(name)
    if function is None:
        known = ", ".join(f.name for f in model.functions) or "none"
        raise SkyfnError(f"no function named {name!r} in this backend (functions: {known})")
    inline = check_overrides(function, overrides) or {}
    found: dict[str, str] = lambda_variables(function, region, backend_dir(model.project_root))
    found.update({value.key: value.deployed for value in function.environment})
    found.update(override_values(overrides))
    if function.secrets:
        contract: Mapping[str, str] = function.variables("inline")
        try:
            found.update(
                secret_resolver.resolve(contract, environ={}, inline=inline, external=False).values
            )
        except (SecretNotFound, SecretStoreError) as exc:
            raise SkyfnError(str(exc)) from None
    return found
