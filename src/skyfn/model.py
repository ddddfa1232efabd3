"""The synthesized model: frozen plain data that every output is derived from.

Emitters and the local host read this; none of them re-reads ``backend/`` or re-validates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from skyfn.runtime.contract import (
    DEFAULT_MAX_AGE,
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

    @property
    def placeholder(self) -> str:
        return secret_placeholder(self.secret_name)

    @property
    def spec(self) -> list[str | int | None]:
        """Its ``SKYFN_SECRETS`` entry: the paths (pinned: ``path:N``), then its max age
        unless it is the runtime's default (a pinned secret's is ``None``)."""
        if self.version is not None:
            return [*(pinned_path(p, self.version) for p in self.paths), None]
        if self.max_age == DEFAULT_MAX_AGE:
            return list(self.paths)
        return [*self.paths, self.max_age]


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
    deployed_environment: tuple[tuple[str, str], ...]  # what Lambda gets, sorted by key
    runtime: str = RUNTIME  # Lambda's runtime identifier, e.g. "python3.12"
    log_format: str | None = None  # "Text" or "JSON" (Lambda's LoggingConfig), None: Text
    log_level: str | None = None  # LoggingConfig.ApplicationLogLevel, None: not set

    @property
    def python_version(self) -> str:
        return python_version(self.runtime)

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

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)
