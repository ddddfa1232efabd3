"""Copying a branch's Vault fields (``vault_secret``) into SSM, where its functions read them.

Each field goes to one SecureString (``scope.vault_parameter``: two functions naming the
same field share it) whose description records the Vault version it came from. ``plan``
reads everything and refuses before any write (a missing secret or key, a value over SSM's
size limit, a sealed or unreachable Vault, a denied token); ``apply`` then writes only the
parameters whose value or Vault version changed. Values are never printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from skyfn.errors import SkyfnError
from skyfn.model import Model, VaultField
from skyfn.runtime import hints
from skyfn.runtime.errors import SecretStoreError
from skyfn.secrets.limits import MAX_VALUE_BYTES
from skyfn.secrets.ssm import SsmStore, ssm_errors
from skyfn.secrets.vault import Vault, read_fields

DESCRIPTION = "skyfn: synced from Vault {ref} version {version}"
_VERSION = re.compile(r"synced from Vault \S+ version (\d+)$")
DESCRIBE_BATCH = 50  # DescribeParameters' most values in one Name filter


@dataclass(frozen=True)
class Target:
    """One synced parameter: the field, its SSM name, and who reads it."""

    field: VaultField
    parameter: str
    users: tuple[str, ...]  # "function F (KEY)"


def targets(model: Model) -> list[Target]:
    """The branch's Vault fields, one per SSM parameter, sorted by parameter."""
    found: dict[str, tuple[VaultField, list[str]]] = {}
    for function in model.functions:
        for ref in function.secrets:
            if ref.vault is not None:
                entry = found.setdefault(ref.paths[0], (ref.vault, []))
                entry[1].append(f"function {function.name} ({ref.key})")
    return [Target(f, name, tuple(users)) for name, (f, users) in sorted(found.items())]


def synced_version(description: str | None) -> int | None:
    """The Vault version a parameter's description records (``None``: none)."""
    match = _VERSION.search(description or "")
    return int(match.group(1)) if match else None


def describe(client: Any, names: Sequence[str]) -> dict[str, int | None]:
    """Each existing parameter's recorded Vault version (no value is read)."""
    recorded: dict[str, int | None] = {}
    with ssm_errors("read the synced Vault parameters' descriptions"):
        for start in range(0, len(names), DESCRIBE_BATCH):
            batch = list(names[start : start + DESCRIBE_BATCH])
            pages = client.get_paginator("describe_parameters").paginate(
                ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": batch}]
            )
            for page in pages:
                for p in page.get("Parameters", []):
                    recorded[p["Name"]] = synced_version(p.get("Description"))
    return recorded


@dataclass
class Plan:
    """What a sync writes: each target with its value and Vault version (never printed)."""

    writes: list[tuple[Target, str, int]] = field(default_factory=list)
    current: list[tuple[Target, int]] = field(default_factory=list)  # already up to date

    def values(self) -> list[str]:
        """The values being synced (for the deploy's check that no bundle holds one)."""
        return [value for _, value, _ in self.writes]


def plan(model: Model, store: SsmStore | None = None, vault: Vault | None = None) -> Plan:
    """Read Vault and SSM; refuse (``SkyfnError``, nothing written) what cannot be synced."""
    wanted = targets(model)
    if not wanted:
        return Plan()
    try:
        vault = vault if vault is not None else Vault()
        found = read_fields(vault, (t.field for t in wanted))
    except SecretStoreError as exc:
        raise SkyfnError(f"cannot sync {model.scope.label}'s Vault secrets: {exc}") from None
    problems = [_missing(t) for t in wanted if t.field not in found]
    for t in wanted:
        size = len(found[t.field][0].encode("utf-8")) if t.field in found else 0
        if size > MAX_VALUE_BYTES["ssm"]:
            problems.append(
                f"{hints.describe_vault(_inner(t.field))} is {size} bytes; an SSM standard "
                f"parameter holds at most {MAX_VALUE_BYTES['ssm']} bytes, so it cannot reach "
                f"{', '.join(t.users)}: keep a smaller value (or a reference to it) in Vault"
            )
    if problems:
        head = f"{len(problems)} Vault secret(s) cannot be synced; nothing was written:"
        raise SkyfnError("\n".join([head, *(f"  {p}" for p in problems)]))
    store = store if store is not None else SsmStore()
    names = [t.parameter for t in wanted]
    recorded = describe(store.client, names)
    present = {name: v.value for name, v in store.read_many(names).items()}
    result = Plan()
    for t in wanted:
        value, version = found[t.field]
        if present.get(t.parameter) == value and recorded.get(t.parameter) == version:
            result.current.append((t, version))
        else:
            result.writes.append((t, value, version))
    return result


def apply(result: Plan, store: SsmStore, say: Callable[[str], None]) -> None:
    """Write the plan's changed parameters (a new SSM version each); say what, not values."""
    for t, value, version in result.writes:
        with ssm_errors(f"write {t.parameter} to SSM"):
            store.client.put_parameter(
                Name=t.parameter,
                Value=value,
                Type="SecureString",
                Overwrite=True,
                Description=DESCRIPTION.format(ref=t.field.label, version=version),
            )
        say(f"synced {t.field.label} (Vault version {version}) to {t.parameter}")
    for t, version in result.current:
        say(f"up to date: {t.field.label} (Vault version {version}) in {t.parameter}")


def sync(model: Model, say: Callable[[str], None]) -> Plan:
    """``plan`` then ``apply``: ``skyfn secret sync --from vault`` and the deploy's step."""
    store = SsmStore()
    result = plan(model, store)
    apply(result, store, say)
    return result


def _inner(f: VaultField) -> str:
    return f.ref + ("" if f.version is None else f":{f.version}")


def _missing(t: Target) -> str:
    return hints.missing_external(f"vault:{_inner(t.field)}", f" (read by {', '.join(t.users)})")
