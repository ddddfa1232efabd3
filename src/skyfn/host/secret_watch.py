"""Which functions' secrets changed in the store since the last look.

Compares the versions of every path the model reads (names and versions from the store's
listing, never a value), so a change restarts only the functions that read it.
"""

from __future__ import annotations

from skyfn.model import Model
from skyfn.runtime.stores import StoreName
from skyfn.secrets.check import versions
from skyfn.secrets.registry import open_store
from skyfn.secrets.store import SecretStore


class SecretVersions:
    def __init__(self, store_name: StoreName) -> None:
        self._store_name = store_name
        self._store: SecretStore | None = None  # opened when a function first has secrets
        self._seen: dict[str, int] = {}

    def changed_functions(self, model: Model) -> list[str]:
        paths = {p for f in model.functions for ref in f.secrets for p in ref.paths}
        if not paths:
            self._seen = {}
            return []
        if self._store is None:
            self._store = open_store(self._store_name)
        now = versions(self._store, paths)
        before, self._seen = self._seen, now
        changed = {p for p in paths if before.get(p) != now.get(p)}
        return [
            f.name
            for f in model.functions
            if any(p in changed for ref in f.secrets for p in ref.paths)
        ]
