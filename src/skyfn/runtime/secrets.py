"""Resolve a function's secrets at cold start: as few store reads as the store allows.

Round 1 reads every secret's first (scoped) path in one ``read_many``; round 2 reads the
next (shared) path of only those still missing; and so on. A reader whose reads cost the same
for any number of paths (the local store: one SQL query) sets ``reads_all_paths`` and gets
every path in a single round instead.

A path that names its own store (an external reference, ``contract.path_store``) is read
from that store: each round makes one ``read_many`` per store (``Dispatch``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Protocol

from skyfn.runtime import contract, hints
from skyfn.runtime.errors import SecretNotFound, SecretStoreError
from skyfn.runtime.stores import READERS


class SecretReader(Protocol):
    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        """Values of the ``paths`` that exist; absent paths are simply left out."""
        ...


class Wanted(NamedTuple):
    """What the contract says about one function's secrets, for messages."""

    function: str
    store: str
    scope: str | None = None  # the contract's SKYFN_SCOPE, e.g. "branch:main"
    names: Mapping[str, str] = {}  # env name -> secret name (default: the env name)
    ages: Mapping[str, float | None] = {}  # env name -> max age in seconds (None: never)


def request(environ: Mapping[str, str]) -> tuple[dict[str, list[str]], Wanted]:
    """What a function's contract variables ask for: env name → paths, and who asks (the
    worker reads them from ``os.environ``; a local host from the worker's variables)."""
    spec, ages = parse_spec(environ.get(contract.SECRETS_VAR, ""))
    wanted = Wanted(
        function=environ.get(contract.FUNCTION_VAR, "?"),
        store=environ.get(contract.STORE_VAR, "local"),
        scope=environ.get(contract.SCOPE_VAR) or None,
        names={key: contract.placeholder_name(environ.get(key)) or key for key in spec},
        ages=ages,
    )
    return spec, wanted


def open_reader(store: str, environ: Mapping[str, str] | None = None) -> SecretReader:
    """The cold-start reader of ``store``, configured from ``environ`` (default: this
    process's environment)."""
    target = READERS.get(store)
    if target is None:
        raise SecretStoreError(
            f"unknown secret store {store!r} in SKYFN_SECRET_STORE; "
            f"expected one of: {', '.join(sorted(READERS))}"
        )
    module_name, _, attribute = target.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise SecretStoreError(
            f"the {store} secret store's reader cannot be loaded ({exc}); "
            "reinstall skyfn or bundle it again"
        ) from None
    reader: SecretReader = factory() if environ is None else factory(environ)
    return reader


class Dispatch:
    """A ``SecretReader`` that reads each path from its own store: one ``read_many`` per
    store a round, each store's reader opened on first use by ``opener`` (``first``: the
    default store's reader, already open)."""

    def __init__(
        self,
        default: str,
        first: SecretReader | None = None,
        opener: Callable[[str], SecretReader] = open_reader,
    ) -> None:
        self.default = default
        self.opener = opener
        self.readers: dict[str, SecretReader] = {} if first is None else {default: first}
        self.reads_all_paths = bool(getattr(first, "reads_all_paths", False))

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        groups: dict[str, dict[str, str]] = {}  # store -> inner path -> path
        for path in paths:
            store, inner = contract.path_store(path, self.default)
            groups.setdefault(store, {})[inner] = path
        found: dict[str, str] = {}
        for store, group in groups.items():
            reader = self.readers.get(store)
            if reader is None:
                reader = self.readers[store] = self.opener(store)
            for inner, value in reader.read_many(list(group)).items():
                found[group[inner]] = value
        return found


def parse_spec(raw: str) -> tuple[dict[str, list[str]], dict[str, float | None]]:
    """``SKYFN_SECRETS`` (``contract.decode_secrets``): env name → paths, and env name → max
    age (``None``: never re-read)."""
    try:
        entries = contract.decode_secrets(raw)
    except ValueError:
        raise SecretStoreError("SKYFN_SECRETS is malformed; run skyfn synth again") from None
    return (
        {key: list(entry.paths) for key, entry in entries.items()},
        {key: entry.max_age for key, entry in entries.items()},
    )


def resolve(
    spec: Mapping[str, Sequence[str]], reader: SecretReader, wanted: Wanted
) -> dict[str, str]:
    """Env name → value for every secret in ``spec``; raise naming every one missing."""
    values: dict[str, str] = {}
    pending = {key: list(paths) for key, paths in spec.items()}
    if not isinstance(reader, Dispatch) and any(
        contract.is_external(p) for paths in pending.values() for p in paths
    ):
        reader = Dispatch(wanted.store, reader)
    if getattr(reader, "reads_all_paths", False):
        found = reader.read_many(sorted({p for paths in pending.values() for p in paths}))
        for key, paths in list(pending.items()):
            hit = next((p for p in paths if p in found), None)
            if hit is not None:
                values[key] = found[hit]
                del pending[key]
        return _finish(values, pending, spec, wanted)
    depth = 0
    while pending:
        batch = {key: paths[depth] for key, paths in pending.items() if depth < len(paths)}
        if not batch:
            break
        found = reader.read_many(sorted(set(batch.values())))
        for key, path in batch.items():
            if path in found:
                values[key] = found[path]
                del pending[key]
        depth += 1
    return _finish(values, pending, spec, wanted)


def _finish(
    values: dict[str, str],
    pending: Mapping[str, object],
    spec: Mapping[str, Sequence[str]],
    wanted: Wanted,
) -> dict[str, str]:
    if pending:
        raise SecretNotFound(
            "\n".join(
                hints.missing_secret(
                    wanted.names.get(key, key),
                    wanted.scope,
                    spec[key],
                    wanted.store,
                    key=key,
                    function=wanted.function,
                )
                for key in sorted(pending)
            )
        )
    return values
