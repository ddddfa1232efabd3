"""Resolve a function's secrets at cold start: as few store reads as the store allows.

Round 1 reads every secret's first (scoped) path in one ``read_many``; round 2 reads the
next (shared) path of only those still missing; and so on. A reader whose reads cost the same
for any number of paths (the local store: one SQL query) sets ``reads_all_paths`` and gets
every path in a single round instead.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

# store name -> "module:attribute" of a zero-argument factory returning a SecretReader.
# Imported lazily so a process loads only the reader it uses.
READERS: dict[str, str] = {
    "local": "skyfn.runtime.local_reader:open_reader",
    "ssm": "skyfn.runtime.ssm_reader:open_reader",
    "inline": "skyfn.runtime.inline_reader:open_reader",
}

# Called with the resolved values (env name -> value) before the user's module is imported.
# Empty on Lambda; the local worker registers its log masker here.
ON_RESOLVED: list[Callable[[Mapping[str, str]], None]] = []


class SecretReader(Protocol):
    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        """Values of the ``paths`` that exist; absent paths are simply left out."""
        ...


class SecretNotFound(LookupError):
    """A referenced secret exists at none of its paths."""


class SecretStoreError(RuntimeError):
    """The store could not be read (denied, unreachable, corrupted): names what failed."""


def open_reader(store: str) -> SecretReader:
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
    reader: SecretReader = factory()
    return reader


def parse_spec(raw: str) -> dict[str, list[str]]:
    try:
        spec = json.loads(raw)
    except ValueError:
        spec = None
    if not isinstance(spec, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(p, str) for p in v)
        for k, v in spec.items()
    ):
        raise SecretStoreError("SKYFN_SECRETS is malformed; run skyfn synth again")
    return spec


def resolve(
    spec: Mapping[str, Sequence[str]], reader: SecretReader, function: str, store: str
) -> dict[str, str]:
    """Env name → value for every secret in ``spec``; raise naming every one missing."""
    values: dict[str, str] = {}
    pending = {key: list(paths) for key, paths in spec.items()}
    if getattr(reader, "reads_all_paths", False):
        found = reader.read_many(sorted({p for paths in pending.values() for p in paths}))
        for key, paths in list(pending.items()):
            hit = next((p for p in paths if p in found), None)
            if hit is not None:
                values[key] = found[hit]
                del pending[key]
        return _finish(values, pending, spec, function, store)
    depth = 0
    while pending:
        wanted = {key: paths[depth] for key, paths in pending.items() if depth < len(paths)}
        if not wanted:
            break
        found = reader.read_many(sorted(set(wanted.values())))
        for key, path in wanted.items():
            if path in found:
                values[key] = found[path]
                del pending[key]
        depth += 1
    return _finish(values, pending, spec, function, store)


def _finish(
    values: dict[str, str],
    pending: Mapping[str, object],
    spec: Mapping[str, Sequence[str]],
    function: str,
    store: str,
) -> dict[str, str]:
    if pending:
        raise SecretNotFound(
            "\n".join(missing_message(key, spec[key], function, store) for key in sorted(pending))
        )
    return values


def missing_message(key: str, paths: Sequence[str], function: str, store: str) -> str:
    name = paths[0].rsplit("/", 1)[-1] if paths else key
    segment = _scope_segment(paths)
    scope = f"for {segment.replace('-', ' ', 1)} " if segment else ""
    if store == "inline":  # the pytest plugin's store: values come from the test itself
        fix = f"Give it to skyfn_invoke: secrets={{{name!r}: '...'}}"
    else:
        fix = f"Set it with: {set_command(name, paths, store)}"
    return (
        f"secret {name} (environment {key} of function {function}) is not set "
        f"{scope}in the {store} store (looked in: {', '.join(paths)}). {fix}"
    )


def set_command(name: str, paths: Sequence[str], store: str) -> str:
    """The ``skyfn secret set`` command that fills the first (scoped) path."""
    command = f"skyfn secret set {name}"
    segment = _scope_segment(paths)
    if segment.startswith("branch-"):
        command += f" --branch {segment[len('branch-') :]}"
    elif segment.startswith("sandbox-"):
        command += f" --identifier {segment[len('sandbox-') :]}"
    if store != "local":
        command += f" --store {store}"
    return command


def _scope_segment(paths: Sequence[str]) -> str:
    """``sandbox-alice`` / ``branch-main`` from ``/skyfn/<app>/<segment>/<NAME>``."""
    parts = paths[0].split("/") if paths else []
    return parts[3] if len(parts) == 5 and parts[3] != "shared" else ""
