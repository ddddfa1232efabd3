"""What the generated ``skyfn_env.<function>`` modules read through. Standard library only.

Values are read from ``os.environ`` on every access, so a generated ``env`` object stays
correct after the runtime resolves secrets, and in tests that set variables themselves. A
secret read first lets ``skyfn.runtime.freshness`` re-read it when it is older than its
``max_age``.
"""

from __future__ import annotations

import os

from skyfn.runtime import freshness
from skyfn.runtime.contract import PLACEHOLDER_PREFIX
from skyfn.runtime.errors import (
    InvalidEnvironmentValue,
    MissingEnvironmentVariable,
    UnresolvedSecret,
)

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


class EnvReader:
    """Typed reads of one function's environment, with errors that name the function."""

    __slots__ = ("function",)

    def __init__(self, function: str) -> None:
        self.function = function

    def text(self, key: str) -> str:
        value = os.environ.get(key)
        if value is None:
            raise MissingEnvironmentVariable(key, self.function)
        return value

    def maybe_text(self, key: str) -> str | None:
        return os.environ.get(key)

    def integer(self, key: str) -> int:
        raw = self.text(key)
        try:
            return int(raw)
        except ValueError:
            raise InvalidEnvironmentValue(key, self.function, "an int", raw) from None

    def number(self, key: str) -> float:
        raw = self.text(key)
        try:
            return float(raw)
        except ValueError:
            raise InvalidEnvironmentValue(key, self.function, "a float", raw) from None

    def flag(self, key: str) -> bool:
        raw = self.text(key)
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InvalidEnvironmentValue(key, self.function, "a bool (true/false)", raw)

    def secret(self, key: str, secret_name: str) -> str:
        freshness.check(key)
        value = self.text(key)
        if value.startswith(PLACEHOLDER_PREFIX):
            raise UnresolvedSecret(key, self.function, secret_name)
        return value
