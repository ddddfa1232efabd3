"""The one way a local host resolves a function's secrets.

``invoke``, the sandbox, the console and the pytest plugin hand a worker its secrets over a
pipe (``message``); ``skyfn run`` hands a command every secret in its environment
(``resolve``). Both read through the runtime's own ``request`` and ``resolve``
(``skyfn.runtime.secrets``) from the function's contract variables, so a pin (``path:N``), a
fallback to shared, an external reference and the missing-secret message mean exactly what
they mean in a deployed function's cold start. The stores the host hands over are read with
the tooling's readers (``skyfn.secrets.registry.HOST_READERS``); AWS stores with the
runtime's lean readers, configured from the function's credentials and region. Vault
(``vault_secret``) is always read here, whatever the function's store: a worker never
gets the token, only the values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from skyfn.runtime import contract, secrets
from skyfn.runtime.errors import SecretNotFound, SecretStoreError
from skyfn.runtime.stores import HOST_EXTERNAL
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
    paths: dict[str, str]  # env name -> the path (within its store) its value was found at


class _Recording:
    """A reader that remembers what it found (to tell which path each value came from)."""

    def __init__(
        self, reader: secrets.SecretReader, found: dict[str, str], who: str | None = None
    ) -> None:
        self._reader = reader
        self.reads_all_paths = bool(getattr(reader, "reads_all_paths", False))
        self._found = found
        self._who = who  # a Vault failure names the function (the store's own do already)

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        try:
            found = self._reader.read_many(paths)
        except SecretStoreError as exc:
            if self._who is None:
                raise
            raise SecretStoreError(f"{self._who}: {exc}") from None
        known.remember(found.values())  # what a crash report of this process masks
        self._found.update(found)
        return found


def _opener(
    inline: Mapping[str, str], environ: Mapping[str, str], found: dict[str, str], function: str
) -> Callable[[str], secrets.SecretReader]:
    def open_reader(store: str) -> secrets.SecretReader:
        factory = host_reader_factory(store)
        if store == "inline":
            reader: secrets.SecretReader = InlineReader(inline)
        elif factory is not None:
            reader = factory()
        else:
            reader = secrets.open_reader(store, environ)
        who = f"function {function}" if store in HOST_EXTERNAL else None
        return _Recording(reader, found, who)

    return open_reader


def resolve(
    variables: Mapping[str, str],
    *,
    environ: Mapping[str, str] = os.environ,
    inline: Mapping[str, str] | None = None,
    external: bool = True,
    own: bool = True,
) -> Resolution:
    """Every secret the contract ``variables`` ask for (``external=False``: only those the
    host hands over, the function's own store's and Vault's, not the AWS external
    references the worker reads itself; ``own=False``: not the own store's either); the AWS
    stores are read with the credentials, region and endpoint in ``environ``. Raises the
    runtime's ``SecretNotFound`` (naming every missing secret, the paths tried and the
    command that sets it) or ``SecretStoreError``."""
    spec, wanted = secrets.request(variables)
    if not external:
        spec = {k: p for k, p in spec.items() if _handed_over(p[0])}
    if not own:
        spec = {k: p for k, p in spec.items() if _host_external(p[0])}
    found: dict[str, str] = {}
    open_reader = _opener(inline or {}, environ, found, wanted.function)
    reads_own = any(not contract.is_external(p) for paths in spec.values() for p in paths)
    first = open_reader(wanted.store) if reads_own else None
    dispatch = secrets.Dispatch(wanted.store, first, opener=open_reader)
    values = secrets.resolve(spec, dispatch, wanted)
    # each store is asked for its own paths (an external one without its prefix): the path
    # within its store is what a worker's reader of that store looks up
    inner = {k: [contract.path_store(p, wanted.store)[1] for p in spec[k]] for k in values}
    paths = {key: next(p for p in inner[key] if p in found) for key in values}
    return Resolution(values, paths)


def _host_external(path: str) -> bool:
    return contract.is_external(path) and contract.path_store(path, "")[0] in HOST_EXTERNAL


def _handed_over(path: str) -> bool:
    return not contract.is_external(path) or _host_external(path)


def message(
    variables: Mapping[str, str], inline: Mapping[str, str] | None = None, own: bool = True
) -> bytes:
    """The pipe message for a worker of these contract ``variables`` (whose store the host
    reads: ``local``, or ``inline`` with ``inline``: path → value; ``own=False``: a store the
    worker reads itself): the value of each secret the host hands over (its own store's and
    Vault's) under the path it was found at, or the failure's message, which the worker's
    cold start raises as its init error. AWS external references are left to the worker,
    which reads them itself, as on Lambda."""
    try:
        resolution = resolve(variables, inline=inline, external=False, own=own)
    except SecretNotFound as exc:
        return json.dumps({"missing": str(exc)}).encode()
    except SecretStoreError as exc:
        return json.dumps({"error": str(exc)}).encode()
    chosen = {resolution.paths[k]: v for k, v in resolution.values.items()}
    return json.dumps({"values": chosen}).encode()
