"""The public API's objects: what ``define_function``, ``define_backend`` and ``secret`` return.

They only record what the user wrote (and where). Validation happens once, when synth turns
them into the model (``skyfn.synth.build``), so every problem is reported with its scope.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skyfn.function_refs import FunctionRef
from skyfn.permissions import Permission
from skyfn.schedules import Schedule
from skyfn.urls import FunctionUrl

EnvInput = str | int | float | bool | None
"""What an environment value may be written as; ``None`` is refused at synth with a hint."""


DEFAULT = "default"  # max_age not given: the project's secret_max_age, else 300 s


@dataclass(frozen=True)
class Secret:
    """A reference to a secret by name; the value is resolved when the function starts."""

    name: str
    description: object = None  # str; checked at synth
    pattern: object = None  # a regular expression (str) the value must match (re.search)
    max_age: object = DEFAULT  # seconds, None (once per cold start) or DEFAULT
    version: object = None  # a pinned version, never refreshed

    def __repr__(self) -> str:
        extra = "" if self.max_age == DEFAULT else f", max_age={self.max_age!r}"
        extra += "" if self.version is None else f", version={self.version!r}"
        return f"secret({self.name!r}{extra})"


def secret(
    name: str,
    *,
    description: str | None = None,
    pattern: str | None = None,
    max_age: int | str | None = DEFAULT,
    version: int | None = None,
) -> Secret:
    """Reference the secret ``name`` (set it with ``skyfn secret set NAME``).

    ``description`` shows in the typed env module, ``skyfn secret status`` and ``list``;
    ``skyfn secret set`` refuses a value in which ``pattern`` (a regular expression) is not
    found, and ``skyfn secret status`` marks a stored one ``INVALID``. A deployed function
    re-reads it on the first read after ``max_age`` seconds (default: ``[tool.skyfn]
    secret_max_age``, else 300; ``None``: once per cold start). ``version=N`` pins version N
    of the path where it resolves, never refreshed.
    """
    return Secret(name, description, pattern, max_age, version)


@dataclass(frozen=True)
class External:
    """A reference to a secret skyfn reads but never writes: ``aws_secret`` (Secrets
    Manager) or ``ssm_parameter`` (SSM Parameter Store)."""

    store: str  # "secretsmanager" or "ssm"
    name: object  # a Secrets Manager name or ARN, or an SSM parameter name; checked at synth
    key: object = None  # Secrets Manager: a field of the secret's JSON object
    description: object = None
    max_age: object = DEFAULT
    version: object = None  # SSM: a pinned version (int)
    version_stage: object = None  # Secrets Manager pins
    version_id: object = None

    def __repr__(self) -> str:
        if self.store == "ssm":
            return f"ssm_parameter({self.name!r})"
        return f"aws_secret({self.name!r}" + (f", key={self.key!r})" if self.key else ")")


def aws_secret(
    name_or_arn: str,
    *,
    key: str | None = None,
    description: str | None = None,
    max_age: int | str | None = DEFAULT,
    version_stage: str | None = None,
    version_id: str | None = None,
) -> External:
    """Reference an existing AWS Secrets Manager secret (its name or full ARN), which skyfn
    never writes. ``key`` picks one field of a secret whose value is a JSON object.
    ``version_stage`` (e.g. ``"AWSPREVIOUS"``) or ``version_id`` pins a version, never
    refreshed; otherwise it is re-read after ``max_age`` seconds, like ``secret``."""
    return External(
        "secretsmanager",
        name_or_arn,
        key=key,
        description=description,
        max_age=max_age,
        version_stage=version_stage,
        version_id=version_id,
    )


def ssm_parameter(
    name: str,
    *,
    description: str | None = None,
    max_age: int | str | None = DEFAULT,
    version: int | None = None,
) -> External:
    """Reference an existing SSM parameter (e.g. ``"/legacy/api-key"``; a SecureString is
    decrypted), which skyfn never writes. ``version=N`` pins it; otherwise it is re-read
    after ``max_age`` seconds, like ``secret``."""
    return External("ssm", name, description=description, max_age=max_age, version=version)


@dataclass(frozen=True)
class Vault:
    """A reference to one field of a Vault or OpenBao KV version 2 secret (``vault_secret``)."""

    path: object  # the secret's path within its mount, e.g. "app/db"; checked at synth
    key: object  # the field of the secret's data
    mount: object = "secret"  # the KV v2 engine's mount
    description: object = None
    max_age: object = DEFAULT
    version: object = None  # a pinned KV version (int), never refreshed

    def __repr__(self) -> str:
        pin = "" if self.version is None else f", version={self.version!r}"
        return f"vault_secret({self.path!r}, key={self.key!r}, mount={self.mount!r}{pin})"


def vault_secret(
    path: str,
    *,
    key: str,
    mount: str = "secret",
    description: str | None = None,
    max_age: int | str | None = DEFAULT,
    version: int | None = None,
) -> Vault:
    """Reference the field ``key`` of the KV version 2 secret ``path`` in Vault or OpenBao
    (mount ``mount``), which skyfn reads but never writes. Locally the host reads it from
    Vault (``VAULT_ADDR``/``VAULT_TOKEN``, or ``BAO_*``); a deploy copies it into an SSM
    SecureString the function reads (``skyfn secret sync --from vault``). ``version=N`` pins
    KV version N, never refreshed; otherwise it is re-read after ``max_age`` seconds."""
    return Vault(path, key, mount, description, max_age, version)


@dataclass(frozen=True)
class FunctionDefinition:
    name: str | None
    entry: str
    timeout_seconds: object
    memory_mb: object
    environment: Mapping[str, object]
    resource_file: Path = field(compare=False)
    runtime: object = None  # None: lambda_platform.RUNTIME
    log_format: object = None  # None: Lambda's text format
    log_level: object = None  # None: Lambda's default (every level)
    permissions: object = ()  # skyfn.permissions.Permission entries (issue 23)
    architecture: object = None
    ephemeral_storage_mb: object = None
    layers: object = ()
    log_retention_days: object = None
    reserved_concurrency: object = None
    schedule: object = None  # str, Schedule or a list of them (skyfn.schedules)
    url: object = None  # FunctionUrl, True or None (issue 24)


@dataclass(frozen=True)
class LayerDefinition:
    """A Lambda layer of packages, built from a requirements file (``define_layer``)."""

    name: object  # checked at synth
    requirements: object = None  # None: backend/layers/<name>/requirements.txt
    resource_file: Path | None = field(default=None, compare=False)


def define_layer(name: str, requirements: str | None = None) -> LayerDefinition:
    """Define a layer named ``name`` holding the packages of ``requirements`` (a path
    relative to the project's root; default ``backend/layers/<name>/requirements.txt``),
    locked and installed like a function's. A function uses it by listing its name (or this
    object) in ``layers=[...]``, beside layer version ARNs; a deploy builds it once, as an
    ``AWS::Lambda::LayerVersion``, and locally its packages are on the function's path as
    Lambda puts them. Pass it to ``define_backend`` beside the functions."""
    caller = Path(sys._getframe(1).f_code.co_filename).resolve()
    return LayerDefinition(name, requirements, caller)


@dataclass(frozen=True)
class BackendDefinition:
    functions: tuple[object, ...]
    layers: tuple[LayerDefinition, ...] = ()


def define_function(
    *,
    name: str | None = None,
    entry: str = "handler.py",
    timeout_seconds: int = 3,
    memory_mb: int = 128,
    environment: Mapping[str, EnvInput | Secret | External | Vault | FunctionRef] | None = None,
    runtime: str | None = None,
    log_format: str | None = None,
    log_level: str | None = None,
    permissions: Sequence[Permission] = (),
    architecture: str | None = None,
    ephemeral_storage_mb: int | None = None,
    layers: Sequence[str | LayerDefinition] = (),
    log_retention_days: int | None = None,
    reserved_concurrency: int | None = None,
    schedule: str | Schedule | Sequence[str | Schedule] | None = None,
    url: FunctionUrl | bool | None = None,
) -> FunctionDefinition:
    """Define a function whose code is ``entry`` (relative to the calling resource file).

    ``name`` defaults to the resource file's folder name. Defaults follow Lambda's:
    3 seconds, 128 MB, python3.12, text logs. ``runtime`` is Lambda's (``"python3.13"``);
    ``log_format="JSON"`` and ``log_level="INFO"`` set Lambda's logging configuration.

    ``permissions``: what its role may do besides reading its secrets and writing its logs
    (``allow(...)``, ``dynamodb_table(...)``, ``s3_bucket(...)``, ``sqs_queue(...)``,
    ``sns_topic(...)``, ``event_bus(...)``). ``architecture`` (``"x86_64"``, ``"arm64"``),
    ``ephemeral_storage_mb`` (/tmp, 512-10,240), ``layers`` (at most 5: layer version ARNs
    and layers from ``define_layer``, by name or object, in Lambda's order),
    ``log_retention_days`` (its own log group, kept that long and when the stack is
    deleted) and ``reserved_concurrency`` are Lambda's; unset, Lambda's defaults.

    ``schedule``: when it runs by itself, as Amplify's ``schedule`` (``"every 5m"``,
    ``"every day"``, ``"0 2 * * ?"``, ``Schedule(cron=..., timezone="Europe/Paris")`` or a
    list of them); deployed as EventBridge Scheduler schedules, fired by the sandbox.
    ``url``: a function URL (``FunctionUrl(auth="iam" | "none", cors=Cors(...))``;
    ``True`` is ``FunctionUrl(auth="iam")``), deployed and served locally.
    """
    caller = Path(sys._getframe(1).f_code.co_filename).resolve()
    return FunctionDefinition(
        name=name,
        entry=entry,
        timeout_seconds=timeout_seconds,
        memory_mb=memory_mb,
        environment=dict(environment or {}),
        resource_file=caller,
        runtime=runtime,
        log_format=log_format,
        log_level=log_level,
        permissions=tuple(permissions) if isinstance(permissions, list | tuple) else permissions,
        architecture=architecture,
        ephemeral_storage_mb=ephemeral_storage_mb,
        layers=tuple(layers) if isinstance(layers, list | tuple) else layers,
        log_retention_days=log_retention_days,
        reserved_concurrency=reserved_concurrency,
        schedule=tuple(schedule) if isinstance(schedule, list | tuple) else schedule,
        url=url,
    )


def define_backend(*items: FunctionDefinition | LayerDefinition) -> BackendDefinition:
    """Collect the app's functions and layers; assign the result to ``backend`` in
    ``backend/backend.py``."""
    layers = tuple(i for i in items if isinstance(i, LayerDefinition))
    functions = tuple(i for i in items if not isinstance(i, LayerDefinition))
    return BackendDefinition(functions=functions, layers=layers)
