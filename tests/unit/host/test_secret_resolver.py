"""``skyfn.host.secret_resolver``: the host resolves a function's secrets as its cold start
would, external references (read from their own stores) included."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from skyfn.host import secret_resolver
from skyfn.runtime import contract, secrets

OWN = "/skyfn/app/shared/OWN"
EXTERNAL = {
    "LEGACY": "ssm:/legacy/api-key",
    "PINNED": "ssm:/legacy/api-key:1",
    "DB": "sm:prod/db#password",
}
IN_AWS = {
    ("ssm", "/legacy/api-key"): "legacy-2",
    ("ssm", "/legacy/api-key:1"): "legacy-1",
    ("secretsmanager", "prod/db#password"): "pw",
}


class FakeAws:
    """What an AWS store's lean reader returns: ids within the store, not SKYFN_SECRETS paths."""

    def __init__(self, store: str) -> None:
        self.store = store

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        return {p: IN_AWS[(self.store, p)] for p in paths if (self.store, p) in IN_AWS}


def test_external_references_resolve_beside_the_functions_own_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the every-option property test: ``skyfn run`` of a function with an external
    reference stopped with a StopIteration traceback (the path each value came from was
    looked up under the store's own id, not the SKYFN_SECRETS path)."""
    monkeypatch.setattr(secrets, "open_reader", lambda store, environ=None: FakeAws(store))
    entries = {"OWN": contract.SecretEntry((OWN,))}
    entries.update({key: contract.SecretEntry((path,)) for key, path in EXTERNAL.items()})
    variables = {
        **contract.secret_variables(entries, "inline", "branch:main"),
        contract.FUNCTION_VAR: "fn",
    }
    resolution = secret_resolver.resolve(variables, inline={OWN: "own"})
    assert resolution.values == {
        "OWN": "own",
        "LEGACY": "legacy-2",
        "PINNED": "legacy-1",
        "DB": "pw",
    }
    # each under the path its own store answers by (a worker's reader of it looks that up)
    assert resolution.paths == {
        "OWN": OWN,
        "LEGACY": "/legacy/api-key",
        "PINNED": "/legacy/api-key:1",
        "DB": "prod/db#password",
    }
