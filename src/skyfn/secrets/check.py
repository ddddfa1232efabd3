"""Which secrets a model references that its store does not hold, and how to set them.

Only names are listed (``SecretStore.list``): checking never reads or decrypts a value.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from skyfn.model import Model, Scope
from skyfn.runtime import hints
from skyfn.runtime.stores import StoreName
from skyfn.secrets.store import SecretStore


@dataclass(frozen=True)
class MissingSecret:
    function: str
    key: str  # the environment variable
    scope_ref: str  # the scope in the contract's form, e.g. "branch:main"
    secret_name: str
    paths: tuple[str, ...]  # in lookup order
    store: StoreName
    near: str | None = None  # a secret of a close name that is set: the likely typo

    @property
    def command(self) -> str:
        """The exact ``skyfn secret set`` that fixes it."""
        return hints.set_command(self.secret_name, self.scope_ref, self.store)

    @property
    def message(self) -> str:
        return hints.missing_secret(
            self.secret_name,
            self.scope_ref,
            self.paths,
            self.store,
            key=self.key,
            function=self.function,
            near=self.near,
        )


def missing_message(name: str, scope: Scope | None, paths: Sequence[str], store: StoreName) -> str:
    """The message for a secret found at none of ``paths`` (e.g. ``skyfn secret get``)."""
    return hints.missing_secret(name, None if scope is None else scope.ref, paths, store)


def versions(store: SecretStore, paths: Collection[str]) -> dict[str, int]:
    """The newest version of each of ``paths`` that exists, from listings (never a value)."""
    folders = sorted({p.rsplit("/", 1)[0] + "/" for p in paths})
    return {
        info.path: info.version
        for folder in folders
        for info in store.list(folder)
        if info.path in paths
    }


def existing_paths(store: SecretStore, paths: Sequence[str]) -> set[str]:
    return set(versions(store, set(paths)))


def missing_secrets(model: Model, store: SecretStore) -> list[MissingSecret]:
    """Every secret reference of ``model`` found at none of its paths, by function and key."""
    refs = [(f.name, ref) for f in model.functions for ref in f.secrets if ref.external is None]
    folders = sorted({p.rsplit("/", 1)[0] + "/" for _, ref in refs for p in ref.paths})
    listed = {info.path for folder in folders for info in store.list(folder)}
    names = {path.rsplit("/", 1)[1] for path in listed}  # what is set where it looks
    return [
        MissingSecret(
            function=function,
            key=ref.key,
            scope_ref=model.scope.ref,
            secret_name=ref.secret_name,
            paths=ref.paths,
            store=store.name,
            near=hints.close_name(ref.secret_name, names),
        )
        for function, ref in refs
        if not any(p in listed for p in ref.paths)
    ]


def check_model(model: Model, store_name: StoreName) -> list[MissingSecret]:
    """``missing_secrets`` with the store opened by name; a backend without secrets opens
    no store (and reaches no AWS endpoint). External references: ``skyfn.secrets.external``."""
    if not any(ref.external is None for f in model.functions for ref in f.secrets):
        return []
    from skyfn.secrets.registry import open_store

    return missing_secrets(model, open_store(store_name))
