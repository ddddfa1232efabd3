"""The public API's objects: what ``define_function``, ``define_backend`` and ``secret`` return.

They only record what the user wrote (and where). Validation happens once, when synth turns
them into the model (``skyfn.synth.build``), so every problem is reported with its scope.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from skyfn.function_refs import FunctionRef

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


@dataclass(frozen=True)
class BackendDefinition:
    functions: tuple[object, ...]


def define_function(
    *,
    name: str | None = None,
    entry: str = "handler.py",
    timeout_seconds: int = 3,
    memory_mb: int = 128,
    environment: Mapping[str, EnvInput | Secret | External | FunctionRef] | None = None,
    runtime: str | None = None,
    log_format: str | None = None,
    log_level: str | None = None,
) -> FunctionDefinition:
    """Define a function whose code is ``entry`` (relative to the calling resource file).

    ``name`` defaults to the resource file's folder name. Defaults follow Lambda's:
    3 seconds, 128 MB, python3.12, text logs. ``runtime`` is Lambda's (``"python3.13"``);
    ``log_format="JSON"`` and ``log_level="INFO"`` set Lambda's logging configuration.
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
    )


def define_backend(*functions: FunctionDefinition) -> BackendDefinition:
    """Collect the app's functions; assign the result to ``backend`` in ``backend/backend.py``."""
    return BackendDefinition(functions=tuple(functions))
