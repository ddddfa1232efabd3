"""Which functions' Vault values changed: a worker got them once over its pipe, so the host
re-reads the version of each referenced secret every ``max_age`` (never a pinned one, nor
one of ``max_age=None``) and restarts the functions whose version moved."""

from __future__ import annotations

import time
from collections.abc import Callable

from skyfn.model import Model
from skyfn.runtime import contract

Where = tuple[str, str]  # (mount, path)


class VaultVersions:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._seen: dict[Where, int | None] = {}
        self._checked: dict[Where, float] = {}
        self._vault: object | None = None

    @staticmethod
    def watched(model: Model) -> dict[Where, tuple[int, set[str]]]:
        """(mount, path) → (the shortest max age of its references, the functions)."""
        found: dict[Where, tuple[int, set[str]]] = {}
        for function in model.functions:
            for ref in function.secrets:
                field = ref.vault
                if field is None or field.version is not None or ref.max_age is None:
                    continue
                if not ref.paths[0].startswith(contract.external_path("vault", "")):
                    continue  # a branch's synced copy: its worker re-reads SSM itself
                age, names = found.get((field.mount, field.path), (ref.max_age, set()))
                found[(field.mount, field.path)] = (min(age, ref.max_age), {*names, function.name})
        return found

    def changed_functions(self, model: Model) -> list[str]:
        """The functions to restart; raises ``SecretStoreError`` when Vault cannot be asked."""
        from skyfn.secrets.vault import Vault

        watched = self.watched(model)
        now = self._clock()
        due = [w for w, (age, _) in watched.items() if now - self._checked.get(w, -age) >= age]
        if not due:
            return []
        if not isinstance(self._vault, Vault):
            self._vault = Vault()
        changed: set[str] = set()
        for where in due:
            secret = self._vault.read(*where)
            version = None if secret is None else secret.version
            if where in self._seen and self._seen[where] != version:
                changed |= watched[where][1]
            self._seen[where], self._checked[where] = version, now
        return sorted(changed)
