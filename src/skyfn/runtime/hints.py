"""What to tell a user whose secret is missing: the one place that builds the
``skyfn secret set`` command and the missing-secret message, for the runtime (cold start)
and for the tooling (synth's warnings, ``secret get``, deploy's check) alike.

A scope is given in the contract's form (``branch:main``, ``sandbox:alice``; ``None`` for
the app's shared secrets). Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from skyfn.runtime.contract import SM_STAGE, SM_VERSION_ID, is_external, path_store
from skyfn.runtime.stores import default_store


def default_identifier() -> str:
    """The developer's sandbox identifier: the OS user name, made safe for store paths."""
    import getpass

    return re.sub(r"[^A-Za-z0-9_.-]+", "-", getpass.getuser()).strip("-.") or "dev"


def describe_scope(scope: str | None) -> str:
    """``branch main``, ``sandbox alice`` or ``shared``."""
    return "shared" if scope is None else scope.replace(":", " ", 1)


def set_command(name: str, scope: str | None, store: str) -> str:
    """``skyfn secret set NAME`` plus only the options this scope and store need."""
    kind, _, scope_name = (scope or "").partition(":")
    command = f"skyfn secret set {name}"
    if scope is None:
        command += " --shared"
    elif kind == "branch":
        command += f" --branch {scope_name}"
    elif scope_name != default_identifier():  # not the developer's own (default) sandbox
        command += f" --identifier {scope_name}"
    if store != default_store(kind or "sandbox"):
        command += f" --store {store}"
    return command


def close_name(name: str, candidates: Iterable[str]) -> str | None:
    """The one of ``candidates`` that ``name`` most likely misspells (``None``: none is close;
    ``name`` itself never)."""
    import difflib

    others = sorted({c for c in candidates if c != name})
    found = difflib.get_close_matches(name, others, n=1, cutoff=0.7)
    return found[0] if found else None


def missing_secret(
    name: str,
    scope: str | None,
    paths: Sequence[str],
    store: str,
    *,
    key: str | None = None,
    function: str | None = None,
    near: str | None = None,
) -> str:
    """One line: which secret (and which variable of which function), where it was looked
    for, and the command that sets it."""
    used_by = f" (environment {key} of function {function})" if key and function else ""
    if paths and is_external(paths[0]):
        return missing_external(paths[0], used_by)
    pinned = paths[0].rpartition(":")[2] if paths and ":" in paths[0] else ""
    if pinned.isdigit():  # secret(NAME, version=N): the version is what is missing
        return (
            f"secret {name}{used_by} is pinned to version {pinned}, which does not exist for "
            f"{describe_scope(scope)} in the {store} store (looked in: {', '.join(paths)}). "
            f"Pin a version that exists (see: skyfn secret list), or drop version="
        )
    if store == "inline":  # the pytest plugin's store: values come from the test itself
        fix = f"Give it to skyfn_invoke: secrets={{{name!r}: '...'}}"
    else:
        fix = f"Set it with: {set_command(name, scope, store)}"
    if near is not None:  # a secret of a close name is set there: a typo, most likely
        fix = f"Did you mean {near} (set there)? Otherwise: {fix[0].lower()}{fix[1:]}"
    return (
        f"secret {name}{used_by} is not set for {describe_scope(scope)} in the {store} store "
        f"(looked in: {', '.join(paths)}). {fix}"
    )


STORE_LABELS = {"secretsmanager": "Secrets Manager", "ssm": "SSM Parameter Store"}


def describe_external(path: str) -> str:
    """``Secrets Manager secret prod/db (key password)``, ``SSM parameter /legacy/key``."""
    store, inner = path_store(path, "")
    if store == "ssm":
        return f"SSM parameter {inner}"
    secret_id, _, field = inner.partition("#")
    for marker, what in ((SM_STAGE, "stage"), (SM_VERSION_ID, "version id")):
        secret_id, found, pin = secret_id.partition(marker)
        if found:
            secret_id = f"{secret_id} ({what} {pin})"
    return f"Secrets Manager secret {secret_id}" + (f" (key {field})" if field else "")


def missing_external(path: str, used_by: str = "") -> str:
    """An external reference (``aws_secret``, ``ssm_parameter``) that does not exist: skyfn
    does not manage it, so the fix is outside skyfn."""
    store, _ = path_store(path, "")
    return (
        f"{describe_external(path)}{used_by} does not exist (or is not readable) in "
        f"{STORE_LABELS.get(store, store)}. It is an external reference that skyfn never "
        "writes: create it there, or fix the name in the function's environment"
    )
