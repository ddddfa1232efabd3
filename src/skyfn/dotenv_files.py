"""Plain values from ``.env`` files at the project root, read before the backend is loaded.

For a scope, in order, each later file overriding the earlier ones: ``.env``, ``.env.local``,
``.env.<branch>`` (``.env.sandbox`` for a sandbox) and ``.env.<branch>.local``. A variable
already set in the process overrides them all. Values are taken literally (no ``${VAR}``
expansion). What a previous load set and nobody changed since is forgotten on the next load,
so an edited or deleted line takes effect when the sandbox reloads.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from skyfn.errors import SkyfnError
from skyfn.model import Scope

_applied: dict[str, str] = {}  # what the last load put into os.environ


def env_file_names(scope: Scope) -> tuple[str, ...]:
    segment = scope.name if scope.kind == "branch" else "sandbox"
    return (".env", ".env.local", f".env.{segment}", f".env.{segment}.local")


def is_env_file(name: str) -> bool:
    """Any name ``env_file_names`` can give, for any scope (what the sandbox watches)."""
    return name == ".env" or name.startswith(".env.")


def read_env_files(root: Path, scope: Scope) -> dict[str, str]:
    from dotenv import dotenv_values

    values: dict[str, str] = {}
    for name in env_file_names(scope):
        path = root / name
        if not path.is_file():
            continue
        try:
            raw = dotenv_values(path, interpolate=False, encoding="utf-8")
        except UnicodeDecodeError:
            raise SkyfnError(f"{path} is not UTF-8 text; fix or remove it") from None
        except OSError as exc:
            raise SkyfnError(f"cannot read {path}: {exc.strerror or exc}") from None
        values.update({key: value for key, value in raw.items() if value is not None})
    return values


def apply_env_files(
    root: Path, scope: Scope, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Put the files' values into ``environ`` (default ``os.environ``) where not set already;
    returns what was put."""
    target = os.environ if environ is None else environ
    for key, value in list(_applied.items()):
        if target.get(key) == value:
            del target[key]
    _applied.clear()
    for key, value in read_env_files(root, scope).items():
        if key not in target:
            target[key] = value
            _applied[key] = value
    return dict(_applied)
