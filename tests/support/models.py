"""Models built directly (frozen data, no project on disk): for tests of the emitters that
need many functions quickly."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from skyfn.model import EnvValue, Function, Model, Scope


def function(name: str, variables: int = 10) -> Function:
    """A function like the benchmark's: ``variables`` plain string values."""
    env = tuple(EnvValue(f"VAR_{k}", f"{name}-value-{k}") for k in range(variables))
    return Function(
        name=name,
        module_name=name.replace("-", "_"),
        directory=Path("/project/backend/functions") / name,
        handler="handler.handler",
        timeout_seconds=3,
        memory_mb=128,
        environment=env,
        secrets=(),
        scope=Scope("branch", "main"),
        secret_store="ssm",
    )


def branch_model(names: Iterable[str], branch: str = "main", app_id: str = "bench") -> Model:
    return Model(
        app_id=app_id,
        scope=Scope("branch", branch),
        project_root=Path("/project"),
        functions=tuple(function(n) for n in names),
        secret_store="ssm",
    )


def numbered(count: int, start: int = 0) -> list[str]:
    return [f"fn-{i:04d}" for i in range(start, start + count)]
