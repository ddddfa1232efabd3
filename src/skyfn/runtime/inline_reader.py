"""The "inline" store: secret values handed to one local worker by the host (pytest plugin,
tests). Values still go through ``skyfn.runtime.secrets.resolve`` like any store's."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

INLINE_VAR = "SKYFN_INLINE_SECRETS"  # JSON: store path -> value; set only for that worker


class InlineReader:
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        return {path: self._values[path] for path in paths if path in self._values}


def open_reader() -> InlineReader:
    # Taken out of the environment at once, so the handler never sees the raw values.
    raw = os.environ.pop(INLINE_VAR, "") or "{}"
    data = json.loads(raw)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        from skyfn.runtime.errors import SecretStoreError

        raise SecretStoreError(f"{INLINE_VAR} must be a JSON object of path -> string value")
    return InlineReader(data)
