"""Store name → the management store (``skyfn.runtime.stores.MANAGERS``), imported only
when chosen."""

from __future__ import annotations

import importlib

from skyfn.errors import SkyfnError
from skyfn.runtime.stores import MANAGERS, StoreName
from skyfn.secrets.store import SecretStore


def open_store(name: StoreName) -> SecretStore:
    target = MANAGERS.get(name)
    if target is None:
        raise SkyfnError(f"unknown secret store {name!r}; choose one of: {', '.join(MANAGERS)}")
    module_name, _, attribute = target.partition(":")
    store: SecretStore = getattr(importlib.import_module(module_name), attribute)()
    return store
