"""``skyfn secret status``'s rows for Vault fields (``vault_secret``): present in Vault, and
for each branch column whether its SSM copy is synced or out of date. Only versions are
compared (Vault's, and the one each parameter's description records); no value is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from skyfn import scope as scopes
from skyfn.model import Model, Scope, VaultField
from skyfn.secrets.status import IN_VAULT, MISSING, SYNCED, Cell, Reference
from skyfn.secrets.vault import Vault, read_fields
from skyfn.secrets.vault_sync import describe

STALE, NOT_SYNCED = "OUT OF DATE", "NOT SYNCED"


@dataclass(frozen=True)
class Field:
    field: VaultField
    users: tuple[str, ...]
    description: str | None


def fields(model: Model) -> list[Field]:
    found: dict[VaultField, Field] = {}
    for function in model.functions:
        for ref in function.secrets:
            if ref.vault is None:
                continue
            user = f"{function.name} ({ref.key})"
            known = found.get(ref.vault)
            users = (*known.users, user) if known else (user,)
            described = (known.description if known else None) or ref.description
            found[ref.vault] = Field(ref.vault, users, described)
    return sorted(found.values(), key=lambda f: f.field.label)


def vault_rows(
    model: Model, columns: Sequence[Scope], vault: Vault | None = None
) -> tuple[list[Reference], dict[tuple[str, Scope], Cell]]:
    """One row per Vault field; raises ``SecretStoreError``/``SkyfnError`` when Vault or SSM
    cannot be asked (the caller warns and shows none)."""
    wanted = fields(model)
    if not wanted:
        return [], {}
    versions = read_fields(vault if vault is not None else Vault(), (f.field for f in wanted))
    branches = [s for s in columns if s.kind == "branch"]
    recorded: dict[str, int | None] = {}
    if branches:
        from skyfn.secrets.ssm import SsmStore

        names = [scopes.vault_parameter(model.app_id, s, f.field) for s in branches for f in wanted]
        recorded = describe(SsmStore().client, names)
    rows: list[Reference] = []
    cells: dict[tuple[str, Scope], Cell] = {}
    for f in wanted:
        name = f.field.label
        rows.append(Reference(name, f.users, f.description, None))
        current = versions.get(f.field)
        for scope in columns:
            if current is None:
                cells[(name, scope)] = Cell(MISSING)
            elif scope.kind != "branch":
                cells[(name, scope)] = Cell(IN_VAULT, "vault", current[1])
            else:
                synced = recorded.get(scopes.vault_parameter(model.app_id, scope, f.field))
                state = NOT_SYNCED if synced is None else SYNCED if synced == current[1] else STALE
                cells[(name, scope)] = Cell(state, "vault", synced or 0, None)
    return rows, cells
