"""The synthesized model: frozen plain data that every output is derived from.

Emitters and the local host read this; none of them re-reads ``backend/`` or re-validates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from skyfn.model_grants import Grant
from skyfn.model_layers import Layer
from skyfn.model_schedules import FunctionSchedule
from skyfn.model_settings import Settings
from skyfn.model_urls import Url
from skyfn.runtime import contract
from skyfn.runtime.contract import (
    DEFAULT_MAX_AGE,
    SecretEntry,
    pinned_path,
    scope_ref,
    secret_placeholder,
)
from skyfn.runtime.lambda_platform import RUNTIME, python_version
from skyfn.runtime.stores import StoreName

ScalarValue = str | int | float | bool
ScopeKind = Literal["sandbox", "branch"]


@dataclass(frozen=True, order=True)
class Scope:
    """Where a run lives and where its secrets are looked up first."""

    kind: ScopeKind
    name: str
    # A branch's name as given (``feature/login``) when skyfn uses another (``name``,
    # ``feature-login``; see scope.branch_segment); kept for the deploy's tags only, so it
    # takes no part in comparing scopes.
    given: str = field(default="", compare=False)

    @property
    def given_name(self) -> str:
        """The name as the user (or CI) gave it: ``given``, else ``name``."""
        return self.given or self.name

    @property
    def label(self) -> str:
        """Human form, e.g. ``sandbox alice`` or ``branch staging``."""
        return f"{self.kind} {self.name}"

    @property
    def ref(self) -> str:
        """The runtime contract's form (``SKYFN_SCOPE``), e.g. ``branch:staging``."""
        return scope_ref(self.kind, self.name)

    @property
    def slug(self) -> str:
        """Path segment form, e.g. ``sandbox-alice``; used in store paths and artifact dirs."""
        return f"{self.kind}-{self.name}"


@dataclass(frozen=True)
class EnvValue:
    """A plain configuration value, deployed as a string and typed in the env module."""

    key: str
    value: ScalarValue

    @property
    def type_name(self) -> str:
        return type(self.value).__name__

    @property
    def deployed(self) -> str:
        """The string the function process sees."""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, float):
            return repr(self.value)
        return str(self.value)


ExternalStore = Literal["ssm", "secretsmanager", "vault"]


@dataclass(frozen=True)
class VaultField:
    """One field of a Vault/OpenBao KV v2 secret (``vault_secret``); ``version``: pinned."""

    mount: str
    path: str
    key: str
    version: int | None = None

    @property
    def ref(self) -> str:
        """``mount/path#key`` (what ``contract.vault_path`` puts after ``vault:``)."""
        return contract.vault_inner(self.mount, self.path, self.key)

    @property
    def label(self) -> str:
        """``secret/app/db#password`` (``@v3`` when pinned), in messages and listings."""
        return self.ref + ("" if self.version is None else f"@v{self.version}")


@dataclass(frozen=True)
class SecretRef:
    """A secret variable: its value is looked up in ``paths``, in order, at cold start."""

    key: str
    secret_name: str
    paths: tuple[str, ...]
    description: str | None = None
    pattern: str | None = None  # the value must match it (re.search)
    max_age: int | None = DEFAULT_MAX_AGE  # seconds between re-reads; None: once per start
    version: int | None = None  # pinned: this version of the path where it resolves
    # An external reference (aws_secret, ssm_parameter, vault_secret): the store it lives
    # in; skyfn never writes it. Its one path names that store (``contract.external_path``),
    # except a Vault field in a branch: the SSM parameter it is synced to (``vault``).
    external: ExternalStore | None = None
    vault: VaultField | None = None  # a vault_secret's field, whatever the scope

    @property
    def placeholder(self) -> str:
        return secret_placeholder(self.secret_name)

    @property
    def entry(self) -> SecretEntry:
        """Its ``SKYFN_SECRETS`` entry: the paths (pinned: ``path:N``, read once per start)."""
        if self.version is not None:
            return SecretEntry(tuple(pinned_path(p, self.version) for p in self.paths), None)
        return SecretEntry(self.paths, self.max_age)


@dataclass(frozen=True)
class FunctionReference:
    """``function_ref``: the name of function ``target`` of this backend, in ``key``.

    ``deployed``: its Lambda name in a branch scope (what a deployed function is configured
    with, and what the 4 KB limit counts); ``None`` in a sandbox scope. A local worker sees
    ``target`` (the local host serves functions by their skyfn names)."""

    key: str
    target: str
    deployed: str | None = None

    @property
    def value(self) -> str:
        return self.deployed or self.target


@dataclass(frozen=True)
class Function:
    """One function as it will run: everything an emitter or the host needs."""

    name: str
    module_name: str
    directory: Path
    handler: str  # "<module>.<callable>", relative to ``directory``
    timeout_seconds: int
    memory_mb: int
    environment: tuple[EnvValue, ...]
    secrets: tuple[SecretRef, ...]
    scope: Scope
    secret_store: StoreName  # where its secrets are read (the model's)
    runtime: str = RUNTIME  # Lambda's runtime identifier, e.g. "python3.12"
    log_format: str | None = None  # "Text" or "JSON" (Lambda's LoggingConfig), None: Text
    log_level: str | None = None  # LoggingConfig.ApplicationLogLevel, None: not set
    grants: tuple[Grant, ...] = ()  # permissions=: its role's own statements (issue 23)
    settings: Settings = field(
        default_factory=Settings
    )  # architecture, storage, layers, log retention, ...
    references: tuple[FunctionReference, ...] = ()  # function_ref values, by key
    schedules: tuple[FunctionSchedule, ...] = ()  # schedule=: when it runs by itself
    url: Url | None = None  # its function URL (issue 24)

    @property
    def python_version(self) -> str:
        return python_version(self.runtime)

    def variables(self, store: str | None = None) -> dict[str, str]:
        """What the function process is configured with, its secrets read from ``store``
        (default: ``secret_store``; a deploy reads SSM, a local worker its host's pipe).
        Never a secret value: each secret variable holds its placeholder."""
        values = {e.key: e.deployed for e in self.environment}
        values.update({s.key: s.placeholder for s in self.secrets})
        values.update({r.key: r.value for r in self.references})
        values[contract.HANDLER_VAR] = self.handler
        values[contract.FUNCTION_VAR] = self.name
        if self.secrets:
            entries = {s.key: s.entry for s in self.secrets}
            values.update(
                contract.secret_variables(entries, store or self.secret_store, self.scope.ref)
            )
        return dict(sorted(values.items()))

    def local_variables(self, store: str | None = None) -> dict[str, str]:
        """``variables()`` as a local worker sees them: references by skyfn name."""
        return {**self.variables(store), **{r.key: r.target for r in self.references}}

    @cached_property
    def deployed_environment(self) -> tuple[tuple[str, str], ...]:
        """``variables()`` as sorted pairs (what the 4 KB limit is checked on)."""
        return tuple(self.variables().items())

    @property
    def environment_dict(self) -> dict[str, str]:
        return dict(self.deployed_environment)


@dataclass(frozen=True)
class Model:
    """A backend synthesized for one scope."""

    app_id: str
    scope: Scope
    project_root: Path
    functions: tuple[Function, ...]
    secret_store: StoreName  # where this scope's functions read their secrets
    layers: tuple[Layer, ...] = ()  # define_layer's, by name

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)
