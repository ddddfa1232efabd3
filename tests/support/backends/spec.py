"""The spec of one generated backend: the frozen records the strategies draw and
everything else reads (the project writer, the stores, the expected answers). ``OMIT``
marks an option not written at all, so the definition's default applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skyfn import scope as scopes
from skyfn.model import Scope

OMIT: Any = "<omitted>"  # an option not written at all (the definition's default applies)
SECRET_MARK = "§"  # starts every secret value: never in an ASCII answer, so never masked there


@dataclass(frozen=True)
class SkyfnSecret:
    """A secret of skyfn's own store, with the versions set at each path (v1 first)."""

    name: str
    pattern: str | None
    sandbox: tuple[str, ...]  # at the sandbox's own path, in the sandbox's store
    branch: tuple[str, ...]  # at the branch's own path, in SSM
    shared: tuple[str, ...]  # at the shared path, in the sandbox's store and in SSM

    def versions(self, scope: Scope) -> tuple[str, ...]:
        """The versions of the path where it resolves in ``scope`` (own path, else shared)."""
        own = self.sandbox if scope.kind == "sandbox" else self.branch
        return own or self.shared


@dataclass(frozen=True)
class SecretUse:
    """``KEY: secret(NAME, description=, max_age=, version=)``."""

    secret: str
    description: Any = OMIT
    max_age: Any = OMIT
    version: Any = OMIT
    pattern: bool = False  # write the secret's pattern= here


@dataclass(frozen=True)
class SmSecret:
    """A Secrets Manager secret skyfn never writes; each version has its own id."""

    name: str
    versions: tuple[Any, ...]  # str, or a dict (JSON object) when fields are used
    ids: tuple[str, ...]
    by_arn: bool  # referenced by its full ARN


@dataclass(frozen=True)
class AwsSecretUse:
    """``KEY: aws_secret(NAME_OR_ARN, key=, version_stage=, version_id=, ...)``."""

    secret: str
    key: str | None = None
    version_stage: str | None = None
    version_id: int | None = None  # index into the secret's ids
    description: Any = OMIT
    max_age: Any = OMIT


@dataclass(frozen=True)
class SsmParameter:
    name: str
    versions: tuple[str, ...]
    kind: str  # SecureString, String or StringList


@dataclass(frozen=True)
class SsmParameterUse:
    """``KEY: ssm_parameter(NAME, version=, description=, max_age=)``."""

    parameter: str
    version: Any = OMIT
    description: Any = OMIT
    max_age: Any = OMIT


@dataclass(frozen=True)
class DotenvVar:
    """A variable defined in some of the ``.env*`` files (file name → line value)."""

    name: str
    files: tuple[tuple[str, str, str], ...]  # (file, as written, value read)


@dataclass(frozen=True)
class DotenvUse:
    """``KEY: os.environ.get(VAR[, default])``."""

    var: str
    default: str | None = None


@dataclass(frozen=True)
class VaultSecret:
    """A KV v2 secret in OpenBao that skyfn reads but never writes; every version holds
    every field."""

    path: str
    mount: str | None  # None: the default mount ("secret"), left unwritten
    versions: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class VaultUse:
    """``KEY: vault_secret(PATH, key=, mount=, description=, max_age=, version=)``."""

    path: str
    key: str
    mount: Any = OMIT  # written only when the secret's mount is given (or "secret" spelled out)
    description: Any = OMIT
    max_age: Any = OMIT
    version: Any = OMIT


@dataclass(frozen=True)
class FunctionRefUse:
    """``KEY: function_ref(TARGET)``: the target's name (a string), or its object."""

    target: str  # the function's skyfn name
    folder: str  # its folder (for the object form's import)
    by_object: bool


Use = Any  # a plain value (str, int, float, bool) or one of the *Use classes


@dataclass(frozen=True)
class LayerSpec:
    """A ``define_layer`` layer: one small pure wheel (``package`` 1.0, built into the
    project's wheel folder, ``[tool.skyfn] index_url = "wheels"``), from its default
    requirements file or one named with ``requirements=``."""

    name: str
    package: str  # the module the functions listing it import
    requirements: Any = OMIT  # OMIT: backend/layers/<name>/requirements.txt

    @property
    def path(self) -> str:
        return (
            f"backend/layers/{self.name}/requirements.txt"
            if self.requirements is OMIT
            else str(self.requirements)
        )


@dataclass(frozen=True)
class FunctionSpec:
    folder: str
    name: str | None
    entry: str | None
    timeout: Any
    memory: Any
    runtime: Any
    log_format: Any
    log_level: Any
    environment: tuple[tuple[str, Use], ...]
    schedule: Any = OMIT  # schedule= (issue 24): a string, a Schedule or a list of them
    permissions: tuple[str, ...] = ()  # each entry as Python source
    architecture: Any = OMIT
    ephemeral_storage_mb: Any = OMIT
    layers: Any = OMIT
    log_retention_days: Any = OMIT
    # reserved_concurrency is not generated: pipeline-deploy reads GetAccountSettings, which
    # moto_server does not implement (tests/e2e/test_shop_deploy.py patches it in-process)
    url: Any = OMIT  # OMIT, True, "iam", "none" or "cors" (issue 24; see URLS)
    packages: tuple[str, ...] = ()  # its requirements.txt (issue 25), from PACKAGES

    @property
    def function_name(self) -> str:
        return self.name if self.name is not None else self.folder

    @property
    def module(self) -> str:
        return self.function_name.replace("-", "_")

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.environment]


@dataclass(frozen=True)
class Backend:
    app_id: str
    branch: str
    sandbox_store: Any  # OMIT (local) or one of STORES
    secret_max_age: Any  # OMIT, an int or "none"
    shared_code: str  # "inline", "module", "package", "relative", "transitive"
    shared_name: str
    functions: tuple[FunctionSpec, ...]
    secrets: tuple[SkyfnSecret, ...]
    sm_secrets: tuple[SmSecret, ...]
    ssm_parameters: tuple[SsmParameter, ...]
    dotenv: tuple[DotenvVar, ...]
    vault: tuple[VaultSecret, ...] = ()
    clean_run: tuple[bool, bool] = (False, False)  # skyfn run --clean (sandbox, branch)
    layers: tuple[LayerSpec, ...] = ()  # define_layer's; functions list them by name
    arns: dict[str, str] = field(default_factory=dict, compare=False)  # filled when created

    @property
    def store(self) -> str:
        return "local" if self.sandbox_store is OMIT else str(self.sandbox_store)

    def secret(self, name: str) -> SkyfnSecret:
        return next(s for s in self.secrets if s.name == name)

    def sm_secret(self, name: str) -> SmSecret:
        return next(s for s in self.sm_secrets if s.name == name)

    def parameter(self, name: str) -> SsmParameter:
        return next(p for p in self.ssm_parameters if p.name == name)

    def vault_secret(self, path: str) -> VaultSecret:
        return next(v for v in self.vault if v.path == path)

    def uses_vault(self) -> bool:
        return any(isinstance(u, VaultUse) for f in self.functions for _, u in f.environment)

    def scopes(self) -> tuple[Scope, Scope]:
        return scopes.sandbox(), scopes.branch(self.branch)

    def secret_values(self) -> set[str]:
        """Every secret value this backend's stores hold (what must never leak)."""
        found: set[str] = set()
        for s in self.secrets:
            found.update((*s.sandbox, *s.branch, *s.shared))
        for sm in self.sm_secrets:
            for version in sm.versions:
                fields = version.values() if isinstance(version, dict) else [version]
                found.update(v for v in fields if isinstance(v, str))
        for p in self.ssm_parameters:
            found.update(p.versions)
        for vs in self.vault:
            for held in vs.versions:
                found.update(held.values())
        return {v for v in found if isinstance(v, str)}


def describe(backend: Backend) -> Mapping[str, Any]:
    """A short summary for failure messages (no values)."""
    return {
        "branch": backend.branch,
        "store": backend.store,
        "functions": [f.function_name for f in backend.functions],
    }
