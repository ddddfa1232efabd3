"""The environment of a worker process: built from the model, never inherited.

A worker sees exactly:

- the function's deployed environment (``Function.variables``: its values, each
  secret's placeholder, and skyfn's runtime contract variables), as Lambda would;
- the variables Lambda provides (function name, region, memory, version, log names, task
  root, ``TZ=UTC``, ...);
- ``PATH`` (this interpreter's folder, then the system's), ``LANG=C.UTF-8`` (Lambda says
  en_US.UTF-8; C.UTF-8 exists on every machine and gives the same UTF-8 I/O), and
  ``PYTHONPATH`` (task root, generated env modules, skyfn's runtime-only folder:
  ``skyfn.host.runtime_folder``); the function's locked packages, then its layers' folders,
  join as site directories (``site_dirs``) and the worker runs ``-S``, so no other package
  of any environment does;
- only for a function that has secrets:
  ``local`` (and the pytest plugin's inline values): nothing from the store. The host
  reads the function's own secrets (``skyfn.host.secret_resolver``) and hands them over a
  pipe, whose descriptor ``SKYFN_SECRETS_FD`` names (store ``pipe``): the worker never sees
  ``SKYFN_HOME``, ``SKYFN_MASTER_KEY``, the store's ``HOME`` or the inline values, not even
  in ``/proc/self/environ``;
  ``ssm``: AWS credentials as variables (resolved from your profile or SSO by boto3 when
  they are not variables already), as a deployed function has its role's, and the
  endpoint variables: the worker reads SSM itself, as on Lambda; the same for a function
  with external references (``aws_secret``, ``ssm_parameter``), whatever its store;
- each ``--inherit-env NAME`` the developer passes, deliberately.

Nothing else from the developer's shell reaches the function.
"""

from __future__ import annotations

import functools
import os
import sys
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skyfn import aws
from skyfn.errors import SkyfnError
from skyfn.host import event_queue, layer_folders, secret_resolver, task_root
from skyfn.host.runtime_folder import runtime_folder
from skyfn.model import EnvValue, Function, Model, ScalarValue
from skyfn.project import backend_dir, generated_dir
from skyfn.runtime import contract, lambda_platform
from skyfn.runtime.stores import AWS_STORES, HANDED_OVER, HOST_EXTERNAL, PIPE_STORE
from skyfn.synth import rules
from skyfn.synth.packages import function_packages, local_platform

BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
RUNTIME_DIR = "/var/runtime"  # LAMBDA_RUNTIME_DIR on Lambda; nothing local lives there

AWS_ACCESS = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_CA_BUNDLE",
)
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True)
class HostOptions:
    region: str = "us-east-1"
    inherit: tuple[str, ...] = ()  # --inherit-env NAME, in order
    max_workers: int = 4
    max_queued_events: int = event_queue.MAX_QUEUED_EVENTS  # per function (429 past it)
    max_queued_bytes: int = event_queue.MAX_QUEUED_BYTES  # per function (429 past it)
    idle_timeout: float | None = None  # seconds a warm worker waits for a call (None: forever)
    # fork new workers from a warm parent per interpreter (sandbox, pytest plugin); one-shot
    # commands start theirs: there is no warm parent to fork from
    fork_workers: bool = False


@dataclass(frozen=True)
class Overrides:
    """Per-invocation changes (pytest plugin): environment values and inline secrets."""

    env: Mapping[str, ScalarValue] = field(default_factory=dict)  # as the definition's types
    secrets: Mapping[str, str] = field(default_factory=dict)  # secret name -> value


@dataclass(frozen=True)
class WorkerEnvironment:
    variables: dict[str, str]
    task_root: Path  # the worker's working directory and first import root
    handover: bytes | None = None  # the secrets message for the worker's pipe (store "pipe")
    python: str = sys.executable  # the interpreter of the function's runtime version
    site_dirs: tuple[str, ...] = ()  # the function's package folders (site directories)


def host_region(environ: Mapping[str, str]) -> str:
    """The region of local ARNs: the AWS rule (``skyfn.aws.region_from_env``), else us-east-1."""
    return aws.region_from_env(environ) or "us-east-1"


def check_inherit(names: Sequence[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    for name in names:
        if name not in environ:
            raise SkyfnError(
                f"--inherit-env {name}: {name} is not set in this shell; export it first"
            )
    return tuple(names)


def python_path(model: Model, root: Path) -> str:
    """The task root (the bundle's files), the generated env modules, and skyfn's
    runtime-only folder (its runtime and Lambda's AWS SDK): never skyfn's environment."""
    runtime = runtime_folder(model.project_root / ".skyfn" / "local")
    folders = [root, generated_dir(model.project_root), runtime]
    return os.pathsep.join(str(f) for f in folders)


def lambda_variables(function: Function, region: str, root: Path) -> dict[str, str]:
    stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
    return {
        "_HANDLER": contract.BOOTSTRAP_HANDLER,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": lambda_platform.LATEST,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "LAMBDA_TASK_ROOT": str(root),
        "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
        "TZ": "UTC",
        **log_variables(function),
    }


def log_variables(function: Function) -> dict[str, str]:
    """What Lambda sets from the function's LoggingConfig (its runtime reads them)."""
    variables = {}
    if function.log_format is not None:
        variables["AWS_LAMBDA_LOG_FORMAT"] = function.log_format
    if function.log_level is not None:
        variables["AWS_LAMBDA_LOG_LEVEL"] = function.log_level
    return variables


def process_variables(
    model: Model,
    function: Function,
    region: str,
    own: Mapping[str, str],
    root: Path | None = None,
) -> tuple[Path, dict[str, str]]:
    """A clean process of ``function``: its task root (``root``, the host's snapshot, or one
    staged now), and ``PATH``, ``LANG``, ``PYTHONPATH``, then ``own`` variables, then the ones
    Lambda provides (which nothing may override)."""
    root = root if root is not None else task_root.stage(model, function)
    variables = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{BASE_PATH}",
        "LANG": "C.UTF-8",
        "PYTHONPATH": python_path(model, root),
        **own,
        **lambda_variables(function, region, root),
    }
    return root, variables


def build(
    model: Model,
    function: Function,
    options: HostOptions,
    environ: Mapping[str, str],
    overrides: Overrides | None = None,
    root: Path | None = None,
) -> WorkerEnvironment:
    inline = check_overrides(function, overrides) if overrides else None
    store: str = "inline" if inline is not None else model.secret_store
    handed_over = bool(function.secrets) and store in HANDED_OVER
    # a store the host hands over is read here; the worker gets the values, never its access
    # (Vault's values too, whatever the store: a worker never holds the token)
    from_vault = any(ref.external in HOST_EXTERNAL for ref in function.secrets)
    own = function.local_variables(PIPE_STORE if handed_over else store)
    own.update(override_values(overrides) if overrides else {})
    root, variables = process_variables(model, function, options.region, own, root)
    for name in options.inherit:
        if name in environ:
            variables[name] = environ[name]
    handover = (
        secret_resolver.message(function.variables(store), inline, own=handed_over)
        if handed_over or from_vault
        else None
    )
    if function.secrets:
        access = store_access(stores_read(function, store), environ)
        variables.update({k: v for k, v in access.items() if k not in options.inherit})
    python, version = worker_interpreter(function)
    return WorkerEnvironment(variables, root, handover, python, site_dirs(model, function, version))


def worker_interpreter(function: Function) -> tuple[str, str]:
    """The interpreter a local worker of ``function`` runs, and its Python version: the
    runtime's own when installed, else the one skyfn runs on."""
    from skyfn.host import interpreter

    python = interpreter.find(function.python_version)
    version = function.python_version if python != sys.executable else interpreter.local_version()
    return python, version


def site_dirs(model: Model, function: Function, version: str) -> tuple[str, ...]:
    """The function's locked packages installed for the worker's Python (built on demand,
    shared by functions with the same lock): the same distributions its bundle holds; then
    its layers' ``/opt/python/lib/python3.X/site-packages`` and ``/opt/python``, as Lambda
    orders them (``skyfn.host.layer_folders``)."""
    folder = function_packages(
        function, backend_dir(model.project_root), local_platform(version), say=_progress
    )
    own = (str(folder),) if folder is not None else ()
    return own + layer_folders.site_dirs(model, function, version, _progress)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def stores_read(function: Function, store: str) -> set[str]:
    """The stores the worker reads itself: its own (unless handed over) and those of its
    external references (``aws_secret``, ``ssm_parameter``)."""
    own = set() if store in HANDED_OVER else {store}
    return own | {str(r.external) for r in function.secrets if r.external in AWS_STORES}


def store_access(stores: Collection[str], environ: Mapping[str, str]) -> dict[str, str]:
    """What the worker needs to read ``stores`` itself (ssm, secretsmanager: as on Lambda)."""
    if any(store in AWS_STORES for store in stores):
        access = {name: environ[name] for name in AWS_ACCESS if name in environ}
        access.update(aws_credentials(environ))
        return access
    return {}


def aws_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """Credentials as variables, as Lambda gives its role's to a function: the developer's
    own chain (profile, SSO, ...) is resolved here, by boto3, so the lean reader in the
    worker needs no more than the environment."""
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        return {name: environ[name] for name in CREDENTIALS if environ.get(name)}
    credentials = _boto3_session().get_credentials()
    if credentials is None:
        return {}  # the cold start then says which variables to set
    frozen = credentials.get_frozen_credentials()
    values = (frozen.access_key, frozen.secret_key, frozen.token)
    return {name: value for name, value in zip(CREDENTIALS, values, strict=True) if value}


@functools.cache
def _boto3_session() -> Any:
    return aws.session()  # imports boto3: only for a sandbox on AWS without credential variables


def override_values(overrides: Overrides) -> dict[str, str]:
    """The env overrides as the function process sees them (``True`` as ``true``, ...)."""
    return {key: EnvValue(key, value).deployed for key, value in overrides.env.items()}


def check_overrides(function: Function, overrides: Overrides) -> dict[str, str] | None:
    """Check the overrides; return the inline secrets (path → value) that replace the store
    for this worker, or ``None`` when the function has no secrets."""
    defined = {value.key for value in function.environment}
    for key, value in overrides.env.items():
        wrong = rules.env_key_problem(key)
        if wrong is not None:
            raise SkyfnError(f"function {function.name}: env override: {wrong}")
        if any(s.key == key for s in function.secrets):
            raise SkyfnError(
                f"{key} of function {function.name} is a secret; give it with secrets="
            )
        if key not in defined:  # a typo would otherwise test nothing, silently
            raise SkyfnError(
                f"function {function.name} defines no environment value {key}; its values "
                f"are: {', '.join(sorted(defined)) or 'none'}"
            )
        if not isinstance(value, str | int | float | bool):
            raise SkyfnError(
                f"env override {key} of function {function.name} is {type(value).__name__}; "
                "give a str, int, float or bool, as in the definition"
            )
    if not function.secrets:
        if overrides.secrets:
            raise SkyfnError(f"function {function.name} has no secrets; drop secrets=")
        return None
    external = sorted(
        {s.secret_name for s in function.secrets if s.external} & set(overrides.secrets)
    )
    if external:
        raise SkyfnError(
            f"function {function.name}: {', '.join(external)} is an external reference "
            "(aws_secret, ssm_parameter, vault_secret), read from its store: secrets= cannot "
            "replace it"
        )
    known = {s.secret_name for s in function.secrets}
    unknown = sorted(set(overrides.secrets) - known)
    if unknown:
        raise SkyfnError(
            f"function {function.name} has no secret {', '.join(unknown)}; "
            f"its secrets are: {', '.join(sorted(known))}"
        )
    return {
        s.paths[0]: overrides.secrets[s.secret_name]
        for s in function.secrets
        if s.secret_name in overrides.secrets
    }
