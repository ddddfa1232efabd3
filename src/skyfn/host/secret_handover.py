"""A local worker's secrets, read by its host: the worker gets its own values over a pipe
(``skyfn.runtime.pipe_reader``) and never the means to open the store.

The host reads them in its already-running process, with the runtime's own reader of the
store (``skyfn.runtime.local_reader``, or the pytest plugin's inline values) and the
runtime's own resolution (``skyfn.runtime.secrets.resolve``: the same fallback order, the
same missing-secret message from ``skyfn.runtime.hints``). What goes over the pipe is only
the value each of the function's secrets resolved to, under the path it was found at; a
failure goes as its message, which the worker's cold start raises as its init error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from skyfn.runtime import contract, secrets
from skyfn.runtime.errors import SecretNotFound, SecretStoreError


class _Recording:
    """A reader that remembers what it found (to tell which path each value came from)."""

    def __init__(self, reader: secrets.SecretReader) -> None:
        self._reader = reader
        self.reads_all_paths = bool(getattr(reader, "reads_all_paths", False))
        self.found: dict[str, str] = {}

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        found = self._reader.read_many(paths)
        self.found.update(found)
        return found


def open_store(store: str, inline: Mapping[str, str]) -> secrets.SecretReader:
    if store == "inline":
        from skyfn.runtime.inline_reader import InlineReader

        return InlineReader(dict(inline))
    return secrets.open_reader(store)


def message(variables: Mapping[str, str], store: str, inline: Mapping[str, str]) -> bytes:
    """The pipe message for a worker with these contract ``variables`` (whose store is
    ``store``; ``inline``: path → value for the ``inline`` store)."""
    try:
        spec, wanted = secrets.request({**variables, contract.STORE_VAR: store})
        # external references (another store named in their path): the worker reads them
        spec = {k: p for k, p in spec.items() if not contract.is_external(p[0])}
        reader = _Recording(open_store(store, inline))
        values = secrets.resolve(spec, reader, wanted)
    except SecretNotFound as exc:
        return json.dumps({"missing": str(exc)}).encode()
    except SecretStoreError as exc:
        return json.dumps({"error": str(exc)}).encode()
    chosen: dict[str, str] = {}
    for key in values:
        path = next(p for p in spec[key] if p in reader.found)
        chosen[path] = reader.found[path]
    return json.dumps({"values": chosen}).encode()
