"""Which secrets a model references that its store does not hold, and how to set them.

Only names are listed (``SecretStore.list``): checking never reads or decrypts a value.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from skyfn import scope as scopes
from skyfn.model import Model, Scope
from skyfn.secrets.store import SecretStore


@dataclass(frozen=True)
class MissingSecret:
    function: str
    key: str  # the environment variable
    scope: str  # e.g. "sandbox alice", "branch main"
    secret_name: str
    paths: tuple[str, ...]  # in lookup order
    command: str  # the exact ``skyfn secret set`` that fixes it

    @property
    def message(self) -> str:
        return (
            f"secret {self.secret_name} (environment {self.key} of function {self.function}) "
            f"is not set for {self.scope} (looked in: {', '.join(self.paths)}). Set it with: {self.command}"
        )


def set_command(name: str, scope: Scope | None, store: str) -> str:
    """``skyfn secret set NAME`` plus only the options this scope and store need."""
    command = f"skyfn secret set {name}"
    if scope is None:
        command += " --shared"
    elif scope.kind == "branch":
        command += f" --branch {scope.name}"
    elif scope != scopes.sandbox():  # not the developer's own (default) sandbox
        command += f" --identifier {scope.name}"
    if store != "local":
        command += f" --store {store}"
    return command


def missing_message(name: str, scope: Scope | None, paths: Sequence[str], store: str) -> str:
    """The message for a secret found at none of ``paths`` (e.g. ``skyfn secret get``)."""
    return (
        f"secret {name} is not set for {scopes.describe(scope)} "
        f"(looked in: {', '.join(paths)}). Set it with: {set_command(name, scope, store)}"
    )


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
    refs = [(f.name, ref) for f in model.functions for ref in f.secrets]
    present = existing_paths(store, [p for _, ref in refs for p in ref.paths])
    return [
        MissingSecret(
            function=function,
            key=ref.key,
            scope=model.scope.label,
            secret_name=ref.secret_name,
            paths=ref.paths,
            command=set_command(ref.secret_name, model.scope, store.name),
        )
        for function, ref in refs
        if not any(p in present for p in ref.paths)
    ]


def check_model(model: Model, store_name: str) -> list[MissingSecret]:
    """``missing_secrets`` with the store opened by name; a backend without secrets opens
    no store (and reaches no AWS endpoint)."""
    if not any(f.secrets for f in model.functions):
        return []
    from skyfn.secrets.registry import open_store

    return missing_secrets(model, open_store(store_name))
