"""What ``skyfn secret ...`` does, apart from parsing arguments: one scope of one store.

A ``Target`` is the app, the scope (``None`` = the app's shared folder) and the store;
paths come from ``skyfn.scope`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from skyfn import scope as scopes
from skyfn.errors import SkyfnError
from skyfn.model import Model, Scope
from skyfn.secrets import external, known, status
from skyfn.secrets.check import missing_message
from skyfn.secrets.store import SecretInfo, SecretStore, SecretValue


@dataclass(frozen=True)
class Target:
    app_id: str
    scope: Scope | None
    store: SecretStore

    @property
    def label(self) -> str:
        return scopes.describe(self.scope)

    def path(self, name: str) -> str:
        return scopes.secret_path(self.app_id, self.scope, name)

    def lookup(self, name: str) -> tuple[str, ...]:
        """Where a function of this scope looks: the scope, then shared."""
        if self.scope is None:
            return (self.path(name),)
        return scopes.lookup_paths(self.app_id, self.scope, name)


@dataclass(frozen=True)
class Listed:
    name: str
    scope: str
    shared: bool
    version: int
    last_modified: datetime


def check_value(value: str, name: str) -> str:
    known.remember([value])  # on its way into a store: a crash report masks it
    if value == "":
        raise SkyfnError(f"the value of secret {name} is empty; secrets cannot be empty")
    if "\x00" in value:
        raise SkyfnError(
            f"the value of secret {name} contains a NUL byte, which no process environment "
            "accepts; secrets must be text"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates, e.g. from a non-UTF-8 terminal
        raise SkyfnError(
            f"the value of secret {name} is not valid text (character {exc.start} cannot be "
            "encoded as UTF-8); secrets must be text: base64-encode binary data first"
        ) from None
    return value


def decode_stdin(data: bytes, name: str) -> str:
    """All of stdin as UTF-8 text, one trailing newline (as ``echo`` adds) removed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SkyfnError(
            f"the value of secret {name} read from stdin is not UTF-8 text (invalid byte at "
            f"offset {exc.start}); secrets must be text: base64-encode binary data first"
        ) from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    return check_value(text, name)


def set_secret(target: Target, name: str, value: str) -> SecretInfo:
    path = target.path(name)
    return target.store.write(path, check_value(value, name))


@dataclass(frozen=True)
class Rules:
    """What the backend's definitions say about writing a secret: the names external
    references own (skyfn never writes those) and the pattern a value must match."""

    model: Model

    def refuse_external(self, name: str) -> None:
        external.refuse(name, external.model_owners(self.model, name))

    def check_pattern(self, name: str, value: str) -> None:
        problem = self.pattern_problem(name, value)
        if problem:
            raise SkyfnError(f"{problem}; nothing was set")

    def pattern_problem(self, name: str, value: str) -> str:
        """Why ``value`` breaks the pattern of ``name`` ("" when it does not): never the
        value, only the pattern and who uses the secret."""
        for ref in status.references(self.model):
            if (
                ref.name == name
                and ref.pattern is not None
                and not status.matches(ref.pattern, value)
            ):
                return (
                    f"the value given for secret {name} does not match its pattern "
                    f"{ref.pattern!r} (used by {', '.join(ref.users)})"
                )
        return ""


def set_checked(target: Target, name: str, value: str, rules: Rules | None) -> SecretInfo:
    """Set a secret as ``skyfn secret set`` and the console both do: not an external
    reference, a valid name, a valid value matching its pattern, within the store's limits (its
    ``write`` refuses a value too large before anything is written). ``rules``: ``None``
    when the backend does not load (the caller warns)."""
    if rules is not None:
        rules.refuse_external(name)
    scopes.check_secret_name(name)
    check_value(value, name)
    if rules is not None:
        rules.check_pattern(name, value)
    return set_secret(target, name, value)


def get_secret(target: Target, name: str) -> SecretValue:
    """The newest value a function of this scope would get (the scope first, then shared)."""
    paths = target.lookup(name)
    found = target.store.read_many(paths)
    for path in paths:
        if path in found:
            return found[path]
    raise SkyfnError(missing_message(name, target.scope, paths, target.store.name))


def rollback_secret(target: Target, name: str, version: int) -> tuple[SecretValue, SecretInfo]:
    """Make version ``version`` current again, as a new version (history is kept), at the
    target's own path: the version a ``secret(NAME, version=N)`` would read there. A scope
    that only falls back to the shared value is refused: the shared secret changes with
    ``--shared`` only, as for every other write. Returns (the old version, the new one)."""
    current = get_secret(target, name)
    if target.scope is not None and current.path != target.path(name):
        # Every scope without its own value reads the shared one: changing it is --shared's.
        raise SkyfnError(
            f"secret {name} has no value of its own for {target.label}: it falls back to the "
            "shared value, which every scope without its own reads; nothing was rolled back. "
            f"To roll back the shared secret, add --shared: skyfn secret rollback {name} "
            f"--to {version} --shared --store {target.store.name}"
        )
    old = target.store.read_version(current.path, version)
    if old is None:
        raise SkyfnError(
            f"secret {name} has no version {version} at {current.path} in the "
            f"{target.store.name} store (its newest is version {current.version}); "
            "see: skyfn secret list"
        )
    return old, target.store.write(current.path, old.value)


def scope_of(target: Target, path: str) -> str:
    return "shared" if path.startswith(scopes.prefix(target.app_id, None)) else target.label


def list_secrets(target: Target) -> list[Listed]:
    """The scope's secrets, then the shared ones a function of the scope also sees."""
    folders = [scopes.prefix(target.app_id, target.scope)]
    if target.scope is not None:
        folders.append(scopes.prefix(target.app_id, None))
    listed: list[Listed] = []
    for folder in folders:
        for info in target.store.list(folder):
            shared = folder == scopes.prefix(target.app_id, None)
            listed.append(
                Listed(
                    name=info.path[len(folder) :],
                    scope="shared" if shared else target.label,
                    shared=shared,
                    version=info.version,
                    last_modified=info.last_modified,
                )
            )
    return listed


def remove_secret(target: Target, name: str) -> None:
    if not target.store.delete(target.path(name)):
        raise SkyfnError(
            f"secret {name} is not set for {target.label} in the {target.store.name} store; "
            "nothing removed (see: skyfn secret list)"
        )


def scope_names(target: Target) -> list[str]:
    folder = scopes.prefix(target.app_id, target.scope)
    return [info.path[len(folder) :] for info in target.store.list(folder)]


def remove_all(target: Target, names: list[str]) -> list[str]:
    return [name for name in names if target.store.delete(target.path(name))]
