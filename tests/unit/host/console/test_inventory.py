"""What the console shows of a function's secrets: external references as external (never
looked up in skyfn's own store), pinned versions as pinned."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import cast

import pytest

from skyfn import scope as scopes
from skyfn.host.console import inventory, pages
from skyfn.model import Model, SecretRef
from skyfn.secrets.store import SecretInfo, SecretStore

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Store:
    """A store listing like SSM's: a folder that is not an SSM path is refused."""

    name = "ssm"

    def __init__(self, infos: list[SecretInfo]) -> None:
        self.infos = infos

    def list(self, prefix: str) -> list[SecretInfo]:
        if not prefix.startswith("/"):
            raise AssertionError(f"listed {prefix!r}, which is no path of skyfn's store")
        return [i for i in self.infos if i.path.startswith(prefix)]


def listing(*infos: SecretInfo) -> SecretStore:
    return cast(SecretStore, Store(list(infos)))


@pytest.fixture()
def with_secrets(model: Model) -> Model:
    own = scopes.lookup_paths(model.app_id, model.scope, "OWN")
    refs = (
        SecretRef("OWN_KEY", "OWN", own),
        SecretRef("PINNED", "OWN", own, max_age=None, version=1),
        SecretRef("DB", "prod/db", ("sm:prod/db#password",), external="secretsmanager"),
        SecretRef("LEGACY", "/legacy/key", ("ssm:/legacy/key",), external="ssm"),
    )
    f = dataclasses.replace(model.functions[0], secrets=refs)
    return dataclasses.replace(model, functions=(f,))


def test_external_references_are_shown_as_external(with_secrets: Model) -> None:
    """Found by the every-option property test: on the ssm store, a function with an
    aws_secret showed "cannot list the ssm store" instead of its secrets (its id was listed
    as a folder of SSM); on the local store, "missing"."""
    f = with_secrets.functions[0]
    own = SecretInfo(f.secrets[0].paths[0], 3, WHEN)
    rows = {r.key: r for r in inventory.secret_rows(with_secrets, f, listing(own))}
    assert rows["DB"].found_in == "external (Secrets Manager)"
    assert rows["LEGACY"].found_in == "external (SSM Parameter Store)"
    assert rows["DB"].version is None and rows["DB"].changed is None
    page = pages.function(f, list(rows.values()), 1, 4096, "/_console")
    assert "external (Secrets Manager)" in page and ">None<" not in page  # no Python None


def test_a_pinned_secret_shows_its_pinned_version(with_secrets: Model) -> None:
    f = with_secrets.functions[0]
    own = SecretInfo(f.secrets[0].paths[0], 3, WHEN)
    rows = {r.key: r for r in inventory.secret_rows(with_secrets, f, listing(own))}
    assert (rows["OWN_KEY"].version, rows["OWN_KEY"].changed) == (3, WHEN)
    assert rows["PINNED"].version == 1 and rows["PINNED"].pinned
    assert rows["PINNED"].changed is None  # when version 1 was set is not in the listing
    assert "1 (pinned)" in pages.function(f, list(rows.values()), 1, 4096, "/_console")


def test_the_secrets_page_lists_only_skyfns_own_secrets(with_secrets: Model) -> None:
    """An external name (``prod/db``: no secret name of skyfn's) made the Secrets page
    "cannot list the store"; one without a slash was offered to be set in skyfn's store."""
    tables = inventory.scope_tables(with_secrets, listing())
    assert {row.name for table in tables for row in table.secrets} == {"OWN"}
