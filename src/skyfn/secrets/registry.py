"""The tooling's store registry: what ``skyfn secret ...`` manages each store with, and what
a local host reads the stores it hands over with (``skyfn.runtime.stores`` lists only what
ships in a bundle). Named as ``module:attribute`` strings, imported only when chosen."""

from __future__ import annotations

import importlib
from typing import Any

from skyfn.errors import SkyfnError
from skyfn.runtime.stores import StoreName
from skyfn.secrets.store import SecretStore

# What ``skyfn secret ...`` manages with: a zero-argument SecretStore class.
MANAGERS: dict[StoreName, str] = {
    "local": "skyfn.secrets.local:LocalStore",
    "ssm": "skyfn.secrets.ssm:SsmStore",
    "secretsmanager": "skyfn.secrets.secretsmanager:SecretsManagerStore",
}
USER_STORES: tuple[StoreName, ...] = tuple(MANAGERS)  # what --store and settings accept

# What a local host reads a handed-over store with (``skyfn.runtime.stores.HANDED_OVER``): a
# zero-argument factory of a ``skyfn.runtime.secrets.SecretReader``. ``inline`` (the pytest
# plugin's values) needs none: the host holds them.
HOST_READERS: dict[str, str] = {
    "local": "skyfn.secrets.local_reader:open_reader",
}


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def open_store(name: StoreName) -> SecretStore:
    target = MANAGERS.get(name)
    if target is None:
        raise SkyfnError(f"unknown secret store {name!r}; choose one of: {', '.join(MANAGERS)}")
    store: SecretStore = _load(target)()
    return store


def host_reader_factory(name: str) -> Any | None:
    """The factory of the host's reader of ``name``, or ``None`` when it has none."""
    target = HOST_READERS.get(name)
    return None if target is None else _load(target)
