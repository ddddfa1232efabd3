"""``vault_secret(...)`` → a ``SecretRef`` (or what is wrong with it).

A sandbox's reference keeps Vault's coordinates (``vault:mount/path#key``, read by its
host); a branch's is the SSM parameter the field is synced to (``scope.vault_parameter``),
which the deployed function reads like any skyfn secret. The parts are limited to what an
SSM name may hold, so the same reference works in every scope.
"""

from __future__ import annotations

import re

from skyfn import scope as scopes
from skyfn.definition import DEFAULT, Vault
from skyfn.model import Scope, SecretRef, VaultField
from skyfn.runtime import contract
from skyfn.synth import rules

PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")  # one segment: what SSM allows, no "/"
PART_RULE = "letters, digits, '_', '.' and '-' (not starting with '.' or '-', no '..')"
MAX_PATH_SEGMENTS = 9  # SSM allows 15 levels; skyfn, app, branch, vault, mount and key use 6
MAX_PATH_CHARS = 512  # keeps the whole SSM name within its 1011 characters


def vault_ref(
    key: str, value: Vault, app_id: str, scope: Scope, max_age: int | None
) -> SecretRef | str:
    """The reference, or the problem (without the ``environment KEY:`` prefix)."""
    what = repr(value)
    problem = _parts_problem(value) or rules.version_problem(value.version)
    if problem is None and value.description is not None and not isinstance(value.description, str):
        problem = "description must be a string"
    age = max_age if value.max_age == DEFAULT else value.max_age
    if problem is None:
        problem = rules.max_age_problem(age)
    if problem is None and value.version is not None and value.max_age != DEFAULT:
        problem = "a pinned version never changes; drop max_age or version"
    if problem is not None:
        return f"{what}: {problem}"
    assert isinstance(value.mount, str) and isinstance(value.path, str)
    assert isinstance(value.key, str) and (age is None or isinstance(age, int))
    assert value.version is None or isinstance(value.version, int)
    assert value.description is None or isinstance(value.description, str)
    field = VaultField(value.mount, value.path.strip("/"), value.key, value.version)
    if scope.kind == "branch":
        # the synced copy: pinned by its name (its SSM versions are not Vault's)
        paths: tuple[str, ...] = (scopes.vault_parameter(app_id, scope, field),)
        version = None
    else:
        paths, version = (contract.external_path("vault", field.ref),), value.version
    return SecretRef(
        key,
        field.label,
        paths,
        description=value.description,
        max_age=None if value.version is not None else age,
        version=version,
        external="vault",
        vault=field,
    )


def _parts_problem(value: Vault) -> str | None:
    if not isinstance(value.mount, str) or not _part(value.mount):
        return f'mount must be one path segment of {PART_RULE}, e.g. mount="secret"'
    path = value.path.strip("/") if isinstance(value.path, str) else ""
    segments = path.split("/")
    if not path or not all(_part(s) for s in segments):
        return f"the path's segments (between '/') must be {PART_RULE}, e.g. \"app/db\""
    if len(segments) > MAX_PATH_SEGMENTS or len(path) > MAX_PATH_CHARS:
        return (
            f"the path may have at most {MAX_PATH_SEGMENTS} segments and {MAX_PATH_CHARS} "
            "characters (its synced SSM parameter's name must fit SSM's limits)"
        )
    if not isinstance(value.key, str) or not _part(value.key):
        return f"key must be the name of a field of the secret, of {PART_RULE}"
    return None


def _part(text: str) -> bool:
    return bool(PART.fullmatch(text)) and ".." not in text
