"""The code that ships inside every function. Standard library only; imports nothing else
from skyfn, so a bundle needs just this package.

Public: the names in ``__all__`` (what handlers and the generated ``skyfn_env`` modules
use). Every submodule is internal to skyfn and may change. The names load on first use, so
a cold start pays only for what it touches (``LambdaContext`` alone brings ``typing``).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs a cold start milliseconds
if TYPE_CHECKING:
    from typing import Any

    from skyfn.runtime.env import EnvReader
    from skyfn.runtime.errors import (
        ColdStartError,
        InvalidEnvironmentValue,
        MissingEnvironmentVariable,
        SecretNotFound,
        SecretStoreError,
        SkyfnRuntimeError,
        UnresolvedSecret,
    )
    from skyfn.runtime.freshness import refresh as refresh_secrets
    from skyfn.runtime.lambda_context import LambdaContext

__all__ = [
    "ColdStartError",
    "EnvReader",
    "InvalidEnvironmentValue",
    "LambdaContext",
    "MissingEnvironmentVariable",
    "SecretNotFound",
    "SecretStoreError",
    "SkyfnRuntimeError",
    "UnresolvedSecret",
    "refresh_secrets",
]

_ERRORS = frozenset(
    {
        "ColdStartError",
        "InvalidEnvironmentValue",
        "MissingEnvironmentVariable",
        "SecretNotFound",
        "SecretStoreError",
        "SkyfnRuntimeError",
        "UnresolvedSecret",
    }
)


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        from skyfn.runtime import errors

        return getattr(errors, name)
    if name == "EnvReader":
        from skyfn.runtime.env import EnvReader

        return EnvReader
    if name == "LambdaContext":
        from skyfn.runtime.lambda_context import LambdaContext

        return LambdaContext
    if name == "refresh_secrets":
        from skyfn.runtime.freshness import refresh

        return refresh
    raise AttributeError(f"module 'skyfn.runtime' has no attribute {name!r}")
