"""What the console's pages show, as plain data read from the host, the model and the
store's listings (names, versions, dates: ``SecretStore.list`` never returns a value).
A secret with a ``pattern`` is also read, in this process, to mark it INVALID as
``skyfn secret status`` does; only that mark leaves this module, never the value."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from skyfn import scope as scopes
from skyfn.model import Function, Model, Scope
from skyfn.runtime import hints
from skyfn.runtime.lambda_platform import ENV_SIZE_LIMIT
from skyfn.secrets import status
from skyfn.secrets.store import SecretInfo, SecretStore


@dataclass(frozen=True)
class SecretRow:
    key: str  # the environment variable
    name: str  # the secret's name
    found_in: str | None  # "sandbox alice", "branch main" or "shared"; None: missing
    version: int | None
    changed: datetime | None
    invalid: bool = False  # set, but does not match its pattern
    pinned: bool = False  # ``version`` is the pin (``secret(..., version=N)``)


@dataclass(frozen=True)
class ScopeSecret:
    """One referenced secret in one scope (the Secrets page)."""

    name: str
    used_by: tuple[str, ...]  # "function (KEY)"
    info: SecretInfo | None  # None: not set in this scope
    invalid: bool = False  # set, but does not match its pattern


@dataclass(frozen=True)
class ScopeTable:
    scope: Scope | None  # None: the app's shared secrets
    label: str
    field: str  # the form's value for this scope: "scope" or "shared"
    secrets: tuple[ScopeSecret, ...]


@dataclass(frozen=True)
class Missing:
    name: str
    used_by: tuple[str, ...]
    command: str


def env_bytes(function: Function) -> int:
    """What counts against Lambda's 4 KB: every deployed key and value, as bytes."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in function.deployed_environment)


def budget(function: Function) -> tuple[int, int]:
    return env_bytes(function), ENV_SIZE_LIMIT


def listing(store: SecretStore, paths: Iterable[str]) -> dict[str, SecretInfo]:
    """The store's listing of each of ``paths`` that exists (one ``list`` per folder)."""
    wanted = set(paths)
    folders = sorted({p.rsplit("/", 1)[0] + "/" for p in wanted})
    return {i.path: i for folder in folders for i in store.list(folder) if i.path in wanted}


def scope_label(model: Model, path: str) -> str:
    shared = scopes.prefix(model.app_id, None)
    return "shared" if path.startswith(shared) else model.scope.label


def patterns(model: Model) -> dict[str, str | None]:
    """Secret name → its pattern, as ``secret set`` and ``secret status`` see it."""
    return {ref.name: ref.pattern for ref in status.references(model)}


def secret_rows(model: Model, function: Function, store: SecretStore) -> list[SecretRow]:
    """A row per secret: where it is found, its version (a pin's own) and when it changed.
    An external reference is not in skyfn's store: its row says which store holds it."""
    own = [ref for ref in function.secrets if ref.external is None]
    found = listing(store, [p for ref in own for p in ref.paths])
    wanted = patterns(model)
    rows = []
    for ref in function.secrets:
        if ref.external is not None:
            where = f"external ({hints.STORE_LABELS[ref.external]})"
            pinned = ref.version is not None
            rows.append(
                SecretRow(ref.key, ref.secret_name, where, ref.version, None, pinned=pinned)
            )
            continue
        info = next((found[p] for p in ref.paths if p in found), None)
        if info is None:
            rows.append(SecretRow(ref.key, ref.secret_name, None, None, None))
            continue
        pinned = ref.version is not None
        invalid = status.breaks_pattern(store, info.path, wanted.get(ref.secret_name))
        rows.append(
            SecretRow(
                ref.key,
                ref.secret_name,
                scope_label(model, info.path),
                ref.version if pinned else info.version,
                None if pinned else info.last_modified,
                invalid,
                pinned,
            )
        )
    return rows


def _users(model: Model) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for function in model.functions:
        for ref in function.secrets:
            if ref.external:  # skyfn never writes it: no row to set it
                continue
            users.setdefault(ref.secret_name, []).append(f"{function.name} ({ref.key})")
    return users


def scope_tables(model: Model, store: SecretStore) -> list[ScopeTable]:
    """Per scope (the sandbox's, then shared): every referenced secret, set or not."""
    users = _users(model)
    wanted = patterns(model)
    tables = []
    for scope, label, field in (
        (model.scope, model.scope.label, "scope"),
        (None, "shared", "shared"),
    ):
        paths = {name: scopes.secret_path(model.app_id, scope, name) for name in users}
        found = listing(store, paths.values())
        rows = tuple(
            ScopeSecret(
                name,
                tuple(users[name]),
                found.get(paths[name]),
                paths[name] in found and status.breaks_pattern(store, paths[name], wanted[name]),
            )
            for name in sorted(users)
        )
        tables.append(ScopeTable(scope, label, field, rows))
    return tables


def missing(model: Model, tables: Sequence[ScopeTable]) -> list[Missing]:
    """Secrets set in no scope a function looks in, with the command that sets one."""
    found = {row.name for table in tables for row in table.secrets if row.info is not None}
    return [
        Missing(
            row.name,
            row.used_by,
            hints.set_command(row.name, model.scope.ref, model.secret_store),
        )
        for row in tables[0].secrets
        if row.name not in found
    ]
