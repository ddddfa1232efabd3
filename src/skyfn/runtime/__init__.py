"""The code that ships inside every function. Standard library only; imports nothing else
from skyfn, so a bundle needs just this package.

Public: the names in ``__all__`` (what handlers and the generated ``skyfn_env`` modules
use). Every submodule is internal to skyfn and may change.
"""

from skyfn.runtime.context import LambdaContext
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
