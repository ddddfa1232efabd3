"""The one way a local host resolves a function's secrets.

``invoke``, the sandbox, the console and the pytest plugin hand a worker its secrets over a
pipe (``message``); ``skyfn run`` hands a command every secret in its environment
(``resolve``). Both read through the runtime's own ``request`` and ``resolve``
(``skyfn.runtime.secrets``) from the function's contract variables, so a pin (``path:N``), a
fallback to shared, an external reference and the missing-secret message mean exactly what
they mean in a deployed function's cold start. The stores the host hands over are read with
the tooling's readers (``skyfn.secrets.registry.HOST_READERS``); AWS stores with the
runtime's lean readers, configured from the function's credentials and region.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from skyfn.runtime import contract, secrets
from skyfn.runtime.errors import SecretNotFound, SecretStoreError
from skyfn.secrets import known
from skyfn.secrets.registry import host_reader_factory


class InlineReader:
    """The pytest plugin's values (``secrets=``): path → value, held by the host."""

    reads_all_paths = True  # a dict lookup costs the same for any number of paths

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        return {p: self._values[p] for p in paths if p in self._values}


class Resolution(NamedTuple):
    values: dict[str, str]  # env name -> value
    paths: dict[str, str]  # env name -> the path its value was found at


class _Recording:
    """A reader that remembers what it found (to tell which path each value came from), as
    (store, id within the store): an external reference's reader answers by the id, not by
    its SKYFN_SECRETS path (``contract.path_store``)."""

    def __init__(
        self, store: str, reader: secrets.SecretReader, found: set[tuple[str, str]]
    ) -> None:
        self._store = store
        self._reader = reader
        self.reads_all_paths = bool(getattr(reader, "reads_all_paths", False))
        self._found = found

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        found = self._reader.read_many(paths)
        known.remember(found.values())  # what a crash report of this process masks
        self._found.update((self._store, inner) for inner in found)
        return found


def _opener(
    inline: Mapping[str, str], environ: Mapping[str, str], found: set[tuple[str, str]]
) -> Callable[[str], secrets.SecretReader]:
    def open_reader(store: str) -> secrets.SecretReader:
        factory = host_reader_factory(store)
        if store == "inline":
            reader: secrets.SecretReader = InlineReader(inline)
        elif factory is not None:
            reader = factory()
        else:
            reader = secrets.open_reader(store, environ)
        return _Recording(store, reader, found)

    return open_reader


def resolve(
    variables: Mapping[str, str],
    *,
    environ: Mapping[str, str] = os.environ,
    inline: Mapping[str, str] | None = None,
    external: bool = True,
) -> Resolution:
    """Every secret the contract ``variables`` ask for (``external=False``: only those of the
    function's own store, not its external references); the AWS stores are read with the
    credentials, region and endpoint in ``environ``. Raises the runtime's ``SecretNotFound``
    (naming every missing secret, the paths tried and the command that sets it) or
    ``SecretStoreError``."""
    spec, wanted = secrets.request(variables)
    if not external:
        spec = {k: p for k, p in spec.items() if not contract.is_external(p[0])}
    found: set[tuple[str, str]] = set()
    open_reader = _opener(inline or {}, environ, found)
    own = any(not contract.is_external(p) for paths in spec.values() for p in paths)
    first = open_reader(wanted.store) if own else None
    dispatch = secrets.Dispatch(wanted.store, first, opener=open_reader)
    values = secrets.resolve(spec, dispatch, wanted)
    paths = {
        key: next(p for p in spec[key] if contract.path_store(p, wanted.store) in found)
        for key in values
    }
    return Resolution(values, paths)


def message(variables: Mapping[str, str], inline: Mapping[str, str] | None = None) -> bytes:
    """The pipe message for a worker of these contract ``variables`` (whose store the host
    reads: ``local``, or ``inline`` with ``inline``: path → value): the value of each of
    the function's own secrets under the path it was found at, or the failure's message,
    which the worker's cold start raises as its init error. External references are left
    to the worker, which reads them itself, as on Lambda."""
    try:
        resolution = resolve(variables, inline=inline, external=False)
    except SecretNotFound as exc:
        return json.dumps({"missing": str(exc)}).encode()
    except SecretStoreError as exc:
        return json.dumps({"error": str(exc)}).encode()
    chosen = {resolution.paths[k]: v for k, v in resolution.values.items()}
    return json.dumps({"values": chosen}).encode()
