"""Store name → the management store. Each store's module is imported only when chosen."""

from __future__ import annotations

from skyfn.errors import SkyfnError
from skyfn.project import STORES
from skyfn.secrets.store import SecretStore


def open_store(name: str) -> SecretStore:
    if name == "local":
        from skyfn.secrets.local import LocalStore

        return LocalStore()
    if name == "ssm":
        from skyfn.secrets.ssm import SsmStore

        return SsmStore()
    raise SkyfnError(f"unknown secret store {name!r}; choose one of: {', '.join(STORES)}")
