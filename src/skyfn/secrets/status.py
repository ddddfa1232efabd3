"""``skyfn secret status``: which referenced secrets are set in which scopes; never values.

Listings (``SecretStore.list``) say what is set, in which version and since when. A value
is read only for a secret with a ``pattern``, in this process, to mark it ``INVALID``; it is
never returned or shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from skyfn import scope as scopes
from skyfn.model import Model, Scope
from skyfn.secrets.external import ExternalState
from skyfn.secrets.store import SecretInfo, SecretStore

SET, MISSING, INVALID = "set", "MISSING", "INVALID"
EXISTS = "exists"  # an external reference (aws_secret, ssm_parameter): it exists in AWS


@dataclass(frozen=True)
class Reference:
    """One secret the backend references, and who uses it."""

    name: str
    users: tuple[str, ...]  # "function (ENV_KEY)"
    description: str | None
    pattern: str | None


@dataclass(frozen=True)
class Cell:
    state: str  # SET, MISSING or INVALID
    source: str = ""  # "branch", "sandbox" or "shared"
    version: int = 0
    last_changed: datetime | None = None


@dataclass(frozen=True)
class Unreferenced:
    name: str
    scope: str  # the column's label, or "shared"
    version: int
    last_changed: datetime


@dataclass(frozen=True)
class Board:
    scopes: tuple[Scope, ...]
    references: tuple[Reference, ...]
    cells: dict[tuple[str, Scope], Cell]
    unreferenced: tuple[Unreferenced, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(cell.state in (SET, EXISTS) for cell in self.cells.values())


def references(model: Model) -> tuple[Reference, ...]:
    found: dict[str, Reference] = {}
    for function in model.functions:
        for ref in function.secrets:
            if ref.external:  # rows of their own: ``external_rows``
                continue
            user = f"{function.name} ({ref.key})"
            known = found.get(ref.secret_name)
            if known is None:
                found[ref.secret_name] = Reference(
                    ref.secret_name, (user,), ref.description, ref.pattern
                )
            else:
                found[ref.secret_name] = Reference(
                    known.name,
                    (*known.users, user),
                    known.description or ref.description,
                    known.pattern or ref.pattern,
                )
    return tuple(sorted(found.values(), key=lambda r: r.name))


def _listing(store: SecretStore, app_id: str, scope: Scope | None) -> dict[str, SecretInfo]:
    folder = scopes.prefix(app_id, scope)
    return {info.path[len(folder) :]: info for info in store.list(folder)}


def matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


def breaks_pattern(store: SecretStore, path: str, pattern: str | None) -> bool:
    """Whether the value at ``path`` does not match ``pattern``: read in this process, never
    returned (``secret status`` and the console mark such a secret ``INVALID``)."""
    if pattern is None:
        return False
    value = store.read_many([path]).get(path)
    return value is not None and not matches(pattern, value.value)


def column(
    app_id: str, scope: Scope, store: SecretStore, refs: Sequence[Reference]
) -> tuple[dict[str, Cell], list[Unreferenced]]:
    """Each reference's cell in ``scope``, and the scope's secrets that nothing references."""
    own = _listing(store, app_id, scope)
    shared = _listing(store, app_id, None)
    cells: dict[str, Cell] = {}
    for ref in refs:
        source: str = scope.kind
        info = own.get(ref.name)
        if info is None:
            info, source = shared.get(ref.name), "shared"
        if info is None:
            cells[ref.name] = Cell(MISSING)
            continue
        state = INVALID if breaks_pattern(store, info.path, ref.pattern) else SET
        cells[ref.name] = Cell(state, source, info.version, info.last_modified)
    names = {ref.name for ref in refs}
    extra = [
        Unreferenced(name, label, info.version, info.last_modified)
        for listing, label in ((own, scope.label), (shared, "shared"))
        for name, info in listing.items()
        if name not in names
    ]
    return cells, extra


def branches_in(store: SecretStore, app_id: str) -> list[str]:
    """Every branch that has a secret of the app in ``store``."""
    root = f"/{scopes.ROOT}/{app_id}/"
    found: set[str] = set()
    for info in store.list(root, recursive=True):
        segment = info.path[len(root) :].split("/", 1)[0]
        if segment.startswith("branch-"):
            found.add(segment[len("branch-") :])
    return sorted(found)


def external_rows(
    states: Sequence[ExternalState], columns: Sequence[Scope]
) -> tuple[list[Reference], dict[tuple[str, Scope], Cell]]:
    """One row per external reference (the same in every column: it lives outside the
    scopes), ``exists`` or ``MISSING``, from metadata only."""
    rows: dict[str, Reference] = {}
    cells: dict[tuple[str, Scope], Cell] = {}
    for state in states:
        user = f"{state.function} ({state.key})"
        known = rows.get(state.label)
        users = (*known.users, user) if known else (user,)
        rows[state.label] = Reference(state.label, users, None, None)
        for scope in columns:
            cells[(state.label, scope)] = Cell(EXISTS if state.exists else MISSING, "external")
    return sorted(rows.values(), key=lambda r: r.name), cells
