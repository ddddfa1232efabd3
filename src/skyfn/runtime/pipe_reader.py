"""The "pipe" store: a local worker's secrets, read for it by its host and handed over on an
inherited file descriptor (``SKYFN_SECRETS_FD``) before the cold start.

So the worker never holds what opens the local store (its folder, its master key) nor the
pytest plugin's inline values in its environment, and its cold start needs neither sqlite3
nor AES. The host sends one JSON object, then closes its end: ``{"values": {path: value}}``
(the path each secret was found at), or ``{"missing": message}`` / ``{"error": message}``
when it could not read them, which this reader raises as the store itself would have.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from skyfn.runtime.contract import SECRETS_FD_VAR
from skyfn.runtime.errors import SecretNotFound, SecretStoreError


class PipeReader:
    reads_all_paths = True  # everything is already here: one round

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        return {path: self._values[path] for path in paths if path in self._values}


def receive(fd: int) -> dict[str, str]:
    """Read the host's message to its end; raise what the host's reading raised."""
    with os.fdopen(fd, "rb") as stream:
        data = stream.read()
    try:
        message = json.loads(data)
    except ValueError:
        message = None
    if isinstance(message, dict) and isinstance(message.get("missing"), str):
        raise SecretNotFound(message["missing"])
    if isinstance(message, dict) and isinstance(message.get("error"), str):
        raise SecretStoreError(message["error"])
    values = message.get("values") if isinstance(message, dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise SecretStoreError(
            "the host's secrets did not arrive whole on the worker's pipe; invoke again"
        )
    return values


_received: list[PipeReader] = []  # the pipe is read once; its store and Vault's share it


def open_reader() -> PipeReader:
    if _received:
        return _received[0]
    raw = os.environ.pop(SECRETS_FD_VAR, "")
    if not raw.isdigit():
        raise SecretStoreError(
            f"{SECRETS_FD_VAR} is not set: the pipe store (and a vault_secret's value) is "
            "only for workers of a local host; a deployed function reads the SSM copy, so "
            "run skyfn synth and deploy again"
        )
    _received.append(PipeReader(receive(int(raw))))
    return _received[0]
