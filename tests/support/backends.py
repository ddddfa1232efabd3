"""Generated backends for the every-option property test (``tests/robustness/
test_every_option.py``): hypothesis strategies over every option ``define_function``,
``secret``, ``aws_secret``, ``ssm_parameter``, ``vault_secret``, ``function_ref``,
``permissions=[...]``, Lambda's settings, ``[tool.skyfn]`` and ``.env`` files accept, in valid
combinations only; the project they describe on disk; the secrets they need, set in
the stores; and the answer each function must give in each scope.

Handlers answer ``{"env": {KEY: sha256(json of env.KEY)}, "environ": {KEY: sha256(
os.environ[KEY])}, "packages": [...]}`` for every variable of their environment, so answers
compare without showing a value; ``packages`` lists which of ``PACKAGES`` the function can
import (exactly those its own ``requirements.txt`` declares, issue 25). Every later option
goes into these generators (issue 20).
"""

from __future__ import annotations

import hashlib
import json
import keyword
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from skyfn import scope as scopes
from skyfn.model import EnvValue, Scope
from skyfn.runtime import lambda_platform
from skyfn.schedules import Schedule
from skyfn.synth import rules
from skyfn.synth.lambda_names import physical_name
from tests.support.projects import write
from tests.support.wheels import build_wheel

OMIT: Any = "<omitted>"  # an option not written at all (the definition's default applies)
SECRET_MARK = "§"  # starts every secret value: never in an ASCII answer, so never masked there
BRANCHES = ("main", "staging", "feature-x1", "release_2.0")
STORES = ("local", "ssm", "secretsmanager")  # [tool.skyfn] secret_store (the sandbox's)

# A pattern, and what a value needs to match it (appended to a generated body).
PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\d{3}", "123"),
    (r"_(test|live)_", "_live_"),
    (r"[a-z]$", "z"),
    (r"^" + SECRET_MARK, ""),
    (r"(?i)key", "KEY"),
    (r".", ""),
)

# Names a generated variable must not take: the process's own (PATH, HOME, proxies, ...)
# would change how the commands themselves run. Lambda's reserved keys are refused anyway.
_UNSAFE_PREFIXES = (
    "AWS",
    "LAMBDA",
    "PYTHON",
    "LD_",
    "LC_",
    "SSL",
    "CURL",
    "BOTO",
    "PYTEST",
    "HYPOTHESIS",
    "COV",
)
_UNSAFE = {"PATH", "HOME", "LANG", "SHELL", "USER", "TERM", "TMPDIR", "TEMP", "TMP", "PWD"}


def safe_key(key: str) -> bool:
    upper = key.upper()
    return (
        rules.env_key_problem(key) is None
        and upper not in _UNSAFE
        and "PROXY" not in upper
        and not upper.startswith(_UNSAFE_PREFIXES)
    )


# --- the spec of one backend ----------------------------------------------------------------


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


# --- strategies ---------------------------------------------------------------------------

_body = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00§"),
    max_size=12,
)


@st.composite
def secret_value(draw: st.DrawFn, pattern: tuple[str, str] | None) -> str:
    return SECRET_MARK + draw(_body) + (pattern[1] if pattern else "")


def _values(pattern: tuple[str, str] | None, low: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(secret_value(pattern), min_size=low, max_size=3).map(tuple)


@st.composite
def skyfn_secrets(draw: st.DrawFn) -> tuple[SkyfnSecret, ...]:
    names = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}", fullmatch=True).filter(
                lambda n: ".." not in n
            ),
            max_size=3,
            unique_by=str.upper,
        )
    )
    found = []
    for name in names:
        pattern = draw(st.none() | st.sampled_from(PATTERNS))
        shared = draw(_values(pattern))
        low = 0 if shared else 1  # found in every scope: its own path, else shared
        found.append(
            SkyfnSecret(
                name,
                pattern[0] if pattern else None,
                sandbox=draw(_values(pattern, low)),
                branch=draw(_values(pattern, low)),
                shared=shared,
            )
        )
    return tuple(found)


_sm_name = st.from_regex(r"[A-Za-z0-9/_+=.@-]{1,16}", fullmatch=True).filter(
    # AWS reads NAME-xxxxxx as a partial ARN; a name that looks like one is another test
    lambda n: not (len(n) > 7 and n[-7] == "-")
)
_field = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ -]{0,8}", fullmatch=True)
# a field of a JSON secret: a string, or anything else JSON holds (read as its JSON text)
_field_values = st.one_of(
    secret_value(None),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.sampled_from("ab"), st.integers(0, 9), max_size=2),
)


@st.composite
def sm_secrets(draw: st.DrawFn) -> tuple[SmSecret, ...]:
    names = draw(st.lists(_sm_name, max_size=2, unique=True))
    found = []
    for name in names:
        count = draw(st.integers(1, 3))
        fields = draw(st.none() | st.lists(_field, min_size=1, max_size=3, unique=True))
        versions: list[Any] = []
        for _ in range(count):
            if fields is None:
                versions.append(draw(secret_value(None)))
            else:
                versions.append({f: draw(_field_values) for f in fields})
        numbers = st.lists(st.integers(0, 2**128 - 1), min_size=count, max_size=count, unique=True)
        ids = tuple(str(uuid.UUID(int=n)) for n in draw(numbers))  # AWS refuses a token twice
        found.append(SmSecret(name, tuple(versions), ids, draw(st.booleans())))
    return tuple(found)


_ssm_name = st.one_of(
    st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,8}", fullmatch=True), min_size=1, max_size=3).map(
        lambda parts: "/" + "/".join(parts)
    ),
    st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True),
).filter(lambda n: not n.lstrip("/").lower().startswith(("aws", "ssm", "skyfn")))


@st.composite
def ssm_parameters(draw: st.DrawFn) -> tuple[SsmParameter, ...]:
    names = draw(st.lists(_ssm_name, max_size=2, unique=True))
    kinds = st.sampled_from(["SecureString", "String", "StringList"])
    return tuple(SsmParameter(name, draw(_values(None, 1)), draw(kinds)) for name in names)


_dotenv_files = (".env", ".env.local", ".env.{branch}", ".env.{branch}.local")


@st.composite
def dotenv_vars(draw: st.DrawFn, branch: str) -> tuple[DotenvVar, ...]:
    names = draw(
        st.lists(st.from_regex(r"DOT_[A-Z0-9_]{1,8}", fullmatch=True), max_size=2, unique=True)
    )
    files = [f.format(branch=b) for f in _dotenv_files for b in ("sandbox", branch)]
    found = []
    for name in names:
        chosen = draw(st.lists(st.sampled_from(sorted(set(files))), unique=True, max_size=4))
        lines = []
        for file in chosen:
            style = draw(st.sampled_from(["plain", "quoted", "export"]))
            if style == "quoted":
                value = draw(st.from_regex(r"[A-Za-z0-9 #$_.=-]{0,12}", fullmatch=True))
                lines.append((file, f"{name}='{value}'", value))
            else:
                value = draw(st.from_regex(r"[A-Za-z0-9_./:@+=-]{1,12}", fullmatch=True))
                prefix = "export " if style == "export" else ""
                lines.append((file, f"{prefix}{name}={value}", value))
        found.append(DotenvVar(name, tuple(lines)))
    return tuple(found)


VAULT_MOUNTS = (None, "secret", "kv2")  # kv2: a second KV v2 mount (enable_vault_mounts)
_vault_part = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}", fullmatch=True).filter(
    lambda n: ".." not in n
)


@st.composite
def vault_secrets(draw: st.DrawFn, app_id: str) -> tuple[VaultSecret, ...]:
    """Vault secrets under a folder of this backend's own (OpenBao is shared by examples)."""
    paths = draw(st.lists(st.lists(_vault_part, min_size=1, max_size=3), max_size=2))
    found = []
    for number, parts in enumerate(paths):
        fields = draw(st.lists(_vault_part, min_size=1, max_size=3, unique=True))
        count = draw(st.integers(1, 3))
        versions = tuple({f: draw(secret_value(None)) for f in fields} for _ in range(count))
        path = "/".join([app_id, str(number), *parts])
        found.append(VaultSecret(path, draw(st.sampled_from(VAULT_MOUNTS)), versions))
    return tuple(found)


@st.composite
def vault_use(draw: st.DrawFn, vault: tuple[VaultSecret, ...]) -> VaultUse:
    v = draw(st.sampled_from(vault))
    version = draw(st.sampled_from([OMIT, *range(1, len(v.versions) + 1)]))
    return VaultUse(
        v.path,
        key=draw(st.sampled_from(sorted(v.versions[0]))),
        mount=OMIT if v.mount is None else v.mount,
        description=draw(st.just(OMIT) | _description),
        max_age=draw(st.just(OMIT) | _max_age) if version is OMIT else OMIT,
        version=version,
    )


_plain = st.one_of(
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00§"),
        max_size=16,
    ),
    st.integers(-(10**12), 10**12),
    st.floats(),
    st.booleans(),
)
_description = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=24,
)
_max_age = st.none() | st.integers(1, 10**6)


@st.composite
def uses(
    draw: st.DrawFn,
    secrets: tuple[SkyfnSecret, ...],
    sms: tuple[SmSecret, ...],
    params: tuple[SsmParameter, ...],
    dotenv: tuple[DotenvVar, ...],
    branch: str,
    pins: bool,
    vault: tuple[VaultSecret, ...] = (),
) -> Use:
    kinds = ["plain"]
    kinds += ["vault"] * 2 if vault else []
    kinds += ["secret"] * 3 if secrets else []
    kinds += ["aws_secret"] if sms else []
    kinds += ["ssm_parameter"] if params else []
    kinds += ["dotenv"] if dotenv else []
    kind = draw(st.sampled_from(kinds))
    if kind == "plain":
        return draw(_plain)
    if kind == "vault":
        return draw(vault_use(vault))
    if kind == "secret":
        s = draw(st.sampled_from(secrets))
        longest = min(len(s.versions(sc)) for sc in (scopes.sandbox(), scopes.branch(branch)))
        version = draw(st.sampled_from([OMIT, *range(1, longest + 1)])) if pins else OMIT
        return SecretUse(
            s.name,
            description=draw(st.just(OMIT) | _description),
            max_age=OMIT if version is not OMIT else draw(st.just(OMIT) | _max_age),
            version=version,
            pattern=s.pattern is not None and draw(st.booleans()),
        )
    if kind == "aws_secret":
        sm = draw(st.sampled_from(sms))
        first = sm.versions[0]
        key = draw(st.sampled_from(sorted(first))) if isinstance(first, dict) else None
        pin = draw(st.sampled_from(["none", "AWSCURRENT", "AWSPREVIOUS", "id"]))
        if pin == "AWSPREVIOUS" and len(sm.versions) < 2:
            pin = "AWSCURRENT"
        return AwsSecretUse(
            sm.name,
            key=key,
            version_stage=pin if pin.startswith("AWS") else None,
            version_id=draw(st.integers(0, len(sm.ids) - 1)) if pin == "id" else None,
            description=draw(st.just(OMIT) | _description),
            max_age=draw(st.just(OMIT) | _max_age) if pin == "none" else OMIT,
        )
    if kind == "ssm_parameter":
        p = draw(st.sampled_from(params))
        version = draw(st.sampled_from([OMIT, *range(1, len(p.versions) + 1)]))
        return SsmParameterUse(
            p.name,
            version=version,
            description=draw(st.just(OMIT) | _description),
            max_age=draw(st.just(OMIT) | _max_age) if version is OMIT else OMIT,
        )
    var = draw(st.sampled_from(dotenv))
    defined = {file for file, _, _ in var.files}
    needs_default = not all(
        any(f.format(branch=b) in defined for f in _dotenv_files) for b in ("sandbox", branch)
    )
    default = draw(st.from_regex(r"[A-Za-z0-9 _.-]{0,10}", fullmatch=True))
    return DotenvUse(var.name, default if needs_default or draw(st.booleans()) else None)


_REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2", "${AWS::Region}")
_ACCOUNTS = ("123456789012", "${AWS::AccountId}")
_resource_name = st.from_regex(r"[a-z0-9][a-z0-9-]{1,11}[a-z0-9]", fullmatch=True)
# (service, resource part) of ARNs an allow(...) names, and actions that act on them
_ALLOW_TARGETS = (
    ("dynamodb", "table/{}", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query")),
    ("sqs", "{}", ("sqs:SendMessage", "sqs:ReceiveMessage")),
    ("ses", "identity/{}.example", ("ses:SendEmail",)),
    ("kms", "key/{}", ("kms:Decrypt", "kms:Encrypt")),
)
_CONDITIONS = (
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"StringLikeIfExists": {"ses:FromAddress": ["*@shop.example", "ops@x.example"]}},
    {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["id", "total"]}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}},
    {"Bool": {"aws:SecureTransport": True}},
)


def _arn(draw: st.DrawFn, service: str, resource: str) -> str:
    partition = draw(st.sampled_from(["aws", "${AWS::Partition}"]))
    region = draw(st.sampled_from(_REGIONS))
    account = draw(st.sampled_from(_ACCOUNTS))
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def _helper_call(kind: str, name: str, **options: Any) -> str:
    return _call(kind, repr(name), **options)


@st.composite
def permission(draw: st.DrawFn) -> str:
    """One entry of ``permissions=[...]``, as Python source (a helper or ``allow``)."""
    kind = draw(
        st.sampled_from(
            ["allow", "dynamodb_table", "s3_bucket", "sqs_queue", "sns_topic", "event_bus"]
        )
    )
    name = draw(_resource_name)
    by_arn = draw(st.booleans())
    access = st.just(OMIT) | st.sampled_from(["read", "write", "read_write"])
    if kind == "dynamodb_table":
        target = _arn(draw, "dynamodb", f"table/{name}") if by_arn else name
        return _helper_call(kind, target, access=draw(access))
    if kind == "s3_bucket":
        target = f"arn:aws:s3:::{name}" if by_arn else name
        prefix = draw(st.just(OMIT) | st.sampled_from(["nightly/", "a/b/", "x"]))
        return _helper_call(kind, target, prefix=prefix, access=draw(access))
    if kind == "sqs_queue":
        name += draw(st.sampled_from(["", ".fifo"]))
        target = _arn(draw, "sqs", name) if by_arn else name
        return _helper_call(kind, target, access=draw(st.sampled_from([OMIT, "send", "consume"])))
    if kind == "sns_topic":
        return _helper_call(kind, _arn(draw, "sns", name) if by_arn else name)
    if kind == "event_bus":
        if draw(st.booleans()):
            return "event_bus()"
        return _helper_call(kind, _arn(draw, "events", f"event-bus/{name}") if by_arn else name)
    service, resource, actions = draw(st.sampled_from(_ALLOW_TARGETS))
    wildcard = draw(st.booleans())
    chosen = draw(st.lists(st.sampled_from(actions), min_size=1, max_size=2, unique=True))
    if wildcard:
        chosen.append(f"{service}:Get*" if service != "ses" else "ses:Send*")
    resources = [_arn(draw, service, resource.format(name))]
    if wildcard and draw(st.booleans()):
        resources.append(_arn(draw, service, resource.format("*")))
    return _call(
        "allow",
        f"actions={chosen!r}",
        resources=resources,
        conditions=draw(st.just(OMIT) | st.sampled_from(_CONDITIONS)),
        allow_wildcard=True if wildcard else draw(st.just(OMIT) | st.just(False)),
    )


def permissions() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(permission(), max_size=3).map(tuple)


_layer = st.builds(
    "arn:aws:lambda:{}:{}:layer:{}:{}".format,
    st.sampled_from(["eu-west-1", "us-east-1", "us-gov-west-1"]),
    st.sampled_from(["123456789012", "210987654321"]),
    st.from_regex(r"[a-zA-Z0-9_-]{1,20}", fullmatch=True),
    st.integers(1, 999),
)


def architecture() -> st.SearchStrategy[Any]:
    return st.sampled_from([OMIT, None, *lambda_platform.ARCHITECTURES])


def ephemeral_storage_mb() -> st.SearchStrategy[Any]:
    return st.just(OMIT) | st.none() | st.integers(*lambda_platform.EPHEMERAL_STORAGE_RANGE)


def layers() -> st.SearchStrategy[Any]:
    many = st.lists(_layer, max_size=lambda_platform.MAX_LAYERS, unique=True)
    return st.just(OMIT) | st.none() | many | many.map(tuple)


_layer_names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def defined_layers(draw: st.DrawFn) -> tuple[LayerSpec, ...]:
    """At most two (each costs a resolution and two installs per generated project)."""
    names = draw(st.lists(_layer_names, max_size=2, unique_by=lambda n: n.replace("-", "")))
    return tuple(
        LayerSpec(
            name,
            f"lp_{name.replace('-', '_')}",
            draw(st.sampled_from([OMIT, f"deps/{name}.txt"])),
        )
        for name in names
    )


def platform(spec: FunctionSpec) -> tuple[str, str]:
    """The Python runtime and architecture a function deploys on (Lambda's defaults)."""
    runtime = spec.runtime if spec.runtime not in (OMIT, None) else lambda_platform.RUNTIME
    machine = spec.architecture if spec.architecture not in (OMIT, None) else "x86_64"
    return str(runtime), str(machine)


@st.composite
def with_defined_layers(
    draw: st.DrawFn, specs: list[FunctionSpec], defined: tuple[LayerSpec, ...]
) -> list[FunctionSpec]:
    """Functions list defined layers beside their ARNs (Lambda's 5 at most, any order); a
    layer's functions share one platform (synth refuses a mix: tests/unit/synth)."""
    owners: dict[str, tuple[str, str]] = {}
    out = []
    for spec in specs:
        arns = [] if spec.layers in (OMIT, None) else list(spec.layers)
        chosen = [
            layer.name
            for layer in defined
            if owners.get(layer.name, platform(spec)) == platform(spec) and draw(st.booleans())
        ]
        chosen = chosen[: lambda_platform.MAX_LAYERS - len(arns)]
        if not chosen:
            out.append(spec)
            continue
        for name in chosen:
            owners.setdefault(name, platform(spec))
            arns.insert(draw(st.integers(0, len(arns))), name)
        out.append(replace(spec, layers=arns))
    return out


def listed_layers(backend: Backend, spec: FunctionSpec) -> list[LayerSpec]:
    """The defined layers ``spec`` lists, in its order."""
    entries = [] if spec.layers in (OMIT, None) else list(spec.layers)
    by_name = {layer.name: layer for layer in backend.layers}
    return [by_name[e] for e in entries if e in by_name]


def log_retention_days() -> st.SearchStrategy[Any]:
    return st.sampled_from([OMIT, None, *lambda_platform.LOG_RETENTION_DAYS])


@st.composite
def function_refs(draw: st.DrawFn, specs: list[FunctionSpec]) -> list[FunctionSpec]:
    """Add ``function_ref`` variables: to any function of the backend by name (itself too),
    or by its object when it is defined earlier (imports never go round in a circle)."""
    out = []
    for index, spec in enumerate(specs):
        taken = set(spec.keys)
        keys = draw(st.lists(_keys, max_size=2, unique=True))
        keys = [k for k in keys if k not in taken]
        added = []
        for key in keys:
            target = draw(st.sampled_from(specs))
            by_object = specs.index(target) < index and draw(st.booleans())
            added.append((key, FunctionRefUse(target.function_name, target.folder, by_object)))
        out.append(replace(spec, environment=(*spec.environment, *added)))
    return out


_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{1,15}", fullmatch=True).filter(safe_key)
_folders = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)
_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n.replace("-", "_"))
)


# Every form of schedule= (issue 24); none shorter than the longest timeout drawn (900 s).
_schedule_text = st.sampled_from(
    [
        "every 15m",
        "every 45m",
        "every 2h",
        "every day",
        "every week",
        "every month",
        "every year",
        "0 2 * * ?",
        "30 9 ? * 2-6",
        "*/20 8-17 ? * 2-6 *",
        "0 0 1 1 ? 2030",
    ]
)
_schedule_one = _schedule_text | st.builds(
    Schedule,
    cron=_schedule_text,
    timezone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]),
)
_schedule_option = _schedule_one | st.lists(
    _schedule_one,
    min_size=1,
    max_size=3,
    unique_by=lambda s: (s.cron, s.timezone) if isinstance(s, Schedule) else (s, "UTC"),
).filter(lambda found: len({_fires(s) for s in found}) == len(found))


def _fires(schedule: str | Schedule) -> tuple[object, object]:
    """What a schedule is once translated ("every day" is "0 0 * * ?"): two alike are refused."""
    cron, zone = (
        (schedule.cron, schedule.timezone) if isinstance(schedule, Schedule) else (schedule, "UTC")
    )
    return {"every day": "0 0 * * ?"}.get(str(cron), cron), zone


@st.composite
def functions(
    draw: st.DrawFn,
    folder: str,
    pool: tuple[Any, ...],
    branch: str,
    pins: bool,
) -> FunctionSpec:
    name = draw(st.none() | _names)
    log_format = draw(st.sampled_from([OMIT, "Text", "JSON", "json"]))
    level_choices = [OMIT]
    if log_format in ("JSON", "json"):
        level_choices += [*lambda_platform.LOG_LEVELS, "info", "Warn"]
    keys = draw(st.lists(_keys, max_size=6, unique=True))
    secrets, sms, params, dotenv, vault = pool
    env = tuple(
        (key, draw(uses(secrets, sms, params, dotenv, branch, pins, vault))) for key in keys
    )
    return FunctionSpec(
        folder=folder,
        name=name,
        entry=draw(st.sampled_from([None, "main.py", "src_app/lambda_main.py"])),
        # from 5 s: a secret due for a refresh is read within the invocation, and a loaded
        # moto_server can take a second or two to answer (a 1 s timeout would be flaky)
        timeout=draw(st.just(OMIT) | st.integers(5, lambda_platform.TIMEOUT_RANGE[1])),
        memory=draw(st.just(OMIT) | st.integers(*lambda_platform.MEMORY_RANGE)),
        runtime=draw(st.sampled_from([OMIT, None, *lambda_platform.RUNTIMES])),
        log_format=log_format,
        log_level=draw(st.sampled_from(level_choices)),
        environment=env,
        schedule=draw(st.just(OMIT) | _schedule_option),
        permissions=draw(permissions()),
        architecture=draw(architecture()),
        ephemeral_storage_mb=draw(ephemeral_storage_mb()),
        layers=draw(layers()),
        log_retention_days=draw(log_retention_days()),
        url=draw(st.sampled_from([OMIT, OMIT, *URLS])),
        packages=tuple(draw(st.lists(st.sampled_from(PACKAGES), max_size=2, unique=True))),
    )


@st.composite
def backends(draw: st.DrawFn, app_id: str) -> Backend:
    branch = draw(st.sampled_from(BRANCHES))
    sandbox_store = draw(st.sampled_from([OMIT, *STORES]))
    pins = sandbox_store != "secretsmanager"  # that store keeps versions by stage only
    pool = (
        draw(skyfn_secrets()),
        draw(sm_secrets()),
        draw(ssm_parameters()),
        draw(dotenv_vars(branch)),
        draw(vault_secrets(app_id)),
    )
    folders = draw(st.lists(_folders, min_size=1, max_size=2, unique=True))
    specs = [draw(functions(folder, pool, branch, pins)) for folder in folders]
    modules = [s.module.lower() for s in specs]
    if len(set(modules)) < len(modules):  # two names, one env module: another test's error
        specs = specs[:1]
    specs = draw(function_refs(specs))
    defined = draw(defined_layers())
    specs = draw(with_defined_layers(specs, defined))
    return Backend(
        app_id=app_id,
        branch=branch,
        sandbox_store=sandbox_store,
        secret_max_age=draw(st.sampled_from([OMIT, 1, 60, 300, 86400, "none"])),
        shared_code=draw(
            st.sampled_from(["inline", "module", "package", "relative", "transitive"])
        ),
        shared_name="lib_" + draw(st.from_regex(r"[a-z][a-z0-9_]{1,6}", fullmatch=True)),
        functions=tuple(specs),
        secrets=pool[0],
        sm_secrets=pool[1],
        ssm_parameters=pool[2],
        dotenv=pool[3],
        vault=pool[4],
        clean_run=(draw(st.booleans()), draw(st.booleans())),
        layers=defined,
    )


# --- the project on disk ----------------------------------------------------------------------

# Third-party packages a function may declare (issue 25): pure-Python wheels built into
# each generated project's own folder of wheels (``[tool.skyfn] index_url = "wheels"``), so
# no network; each answer says which of them the function can import.
PACKAGES = ("genpkg-alpha", "genpkg-beta")
PACKAGE_MODULES = tuple(name.replace("-", "_") for name in PACKAGES)

ANSWER = f"""\
import hashlib
import importlib.util
import json
import os


def answer(env, keys):
    return {{
        "env": {{k: hashlib.sha256(json.dumps(getattr(env, k)).encode()).hexdigest() for k in keys}},
        "environ": {{k: hashlib.sha256(os.environ[k].encode()).hexdigest() for k in keys}},
        "packages": [m for m in {PACKAGE_MODULES!r} if importlib.util.find_spec(m) is not None],
    }}
"""


def _shared_files(backend: Backend) -> tuple[dict[str, str], str]:
    """The files under ``backend/`` the handlers import, and the import line they use."""
    lib = backend.shared_name
    kind = backend.shared_code
    if kind == "inline":
        return {}, ""
    if kind == "module":
        return {f"{lib}.py": ANSWER}, f"from {lib} import answer"
    if kind == "package":
        return (
            {f"{lib}/__init__.py": "", f"{lib}/digest.py": ANSWER},
            f"import {lib}.digest\nanswer = {lib}.digest.answer",
        )
    if kind == "relative":
        return (
            {f"{lib}/__init__.py": "from .digest import answer\n", f"{lib}/digest.py": ANSWER},
            f"from {lib} import answer",
        )
    return (  # transitive: the handler's module imports another module of backend/
        {
            f"{lib}/__init__.py": "",
            f"{lib}/api.py": f"from {lib}_core.impl import answer\n",
            f"{lib}_core/__init__.py": "",
            f"{lib}_core/impl.py": ANSWER,
        },
        f"from {lib}.api import answer",
    )


def _python(value: Any) -> str:
    """A Python expression for a generated value (floats that repr cannot spell too)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f"float({repr(value)!r})"
    return repr(value)


def _call(func: str, first: str, **options: Any) -> str:
    given = "".join(f", {k}={_python(v)}" for k, v in options.items() if v is not OMIT)
    return f"{func}({first}{given})"


def _expression(backend: Backend, use: Use) -> str:
    if isinstance(use, SecretUse):
        pattern = backend.secret(use.secret).pattern if use.pattern else OMIT
        return _call(
            "secret",
            repr(use.secret),
            description=use.description,
            pattern=pattern,
            max_age=use.max_age,
            version=use.version,
        )
    if isinstance(use, AwsSecretUse):
        sm = backend.sm_secret(use.secret)
        reference = backend.arns[sm.name] if sm.by_arn else sm.name
        return _call(
            "aws_secret",
            repr(reference),
            key=use.key if use.key is not None else OMIT,
            version_stage=use.version_stage or OMIT,
            version_id=sm.ids[use.version_id] if use.version_id is not None else OMIT,
            description=use.description,
            max_age=use.max_age,
        )
    if isinstance(use, SsmParameterUse):
        return _call(
            "ssm_parameter",
            repr(use.parameter),
            version=use.version,
            description=use.description,
            max_age=use.max_age,
        )
    if isinstance(use, DotenvUse):
        default = "" if use.default is None else f", {use.default!r}"
        return f"os.environ.get({use.var!r}{default})"
    if isinstance(use, VaultUse):
        return _call(
            "vault_secret",
            repr(use.path),
            key=use.key,
            mount=use.mount,
            description=use.description,
            max_age=use.max_age,
            version=use.version,
        )
    if isinstance(use, FunctionRefUse):
        return (
            f"function_ref(_ref_{use.folder})"
            if use.by_object
            else _call("function_ref", repr(use.target))
        )
    return _python(use)


_IMPORTS = (
    "import os\n"
    "from skyfn import (\n"
    "    Cors, FunctionUrl, Schedule, allow, aws_secret, define_function, dynamodb_table,\n"
    "    event_bus,\n"
    "    function_ref, s3_bucket, secret, sns_topic, sqs_queue, ssm_parameter, vault_secret,\n"
    ")\n"
)


URLS = {  # url= as written in resource.py
    True: "True",
    "iam": 'FunctionUrl(auth="iam")',
    "none": 'FunctionUrl(auth="none")',
    "cors": 'FunctionUrl(auth="none", cors=Cors(allow_origins=["https://example.com"], '
    'allow_methods=["GET", "POST"], allow_headers=["content-type"], max_age=60))',
}


def url_auth(spec: FunctionSpec) -> str | None:
    """``"iam"`` or ``"none"``: the auth of the function's URL; ``None``: it has none."""
    if spec.url is OMIT:
        return None
    return "iam" if spec.url in (True, "iam") else "none"


def _resource(backend: Backend, spec: FunctionSpec) -> str:
    lines = [f"        {key!r}: {_expression(backend, use)}," for key, use in spec.environment]
    options = {
        "name": spec.name if spec.name is not None else OMIT,
        "entry": spec.entry if spec.entry is not None else OMIT,
        "timeout_seconds": spec.timeout,
        "memory_mb": spec.memory,
        "runtime": spec.runtime,
        "log_format": spec.log_format,
        "log_level": spec.log_level,
        "schedule": spec.schedule,
        "architecture": spec.architecture,
        "ephemeral_storage_mb": spec.ephemeral_storage_mb,
        "layers": spec.layers,
        "log_retention_days": spec.log_retention_days,
    }
    given = "".join(f"    {k}={_python(v)},\n" for k, v in options.items() if v is not OMIT)
    if spec.permissions:
        given += "    permissions=[\n" + "".join(f"        {p},\n" for p in spec.permissions)
        given += "    ],\n"
    if spec.url is not OMIT:
        given += f"    url={URLS[spec.url]},\n"
    refs = sorted(
        {u.folder for _, u in spec.environment if isinstance(u, FunctionRefUse) and u.by_object}
    )
    imports = "".join(f"from functions.{f}.resource import fn as _ref_{f}\n" for f in refs)
    return (
        _IMPORTS + imports + "\n"
        "fn = define_function(\n"
        f"{given}"
        "    environment={\n" + "\n".join(lines) + "\n    },\n)\n"
    )


def _handler(backend: Backend, spec: FunctionSpec, import_line: str) -> str:
    head = ANSWER if not import_line else import_line + "\n"
    # a defined layer's package: importable wherever the function runs (else the cold start
    # fails: Runtime.ImportModuleError), locally and deployed
    layered = "".join(f"import {layer.package}\n" for layer in listed_layers(backend, spec))
    return (
        f"{head}\n{layered}from skyfn_env.{spec.module} import env\n\n"
        f"KEYS = {spec.keys!r}\n\n\n"
        "def handler(event, context):\n"
        "    return answer(env, KEYS)\n"
    )


def write_project(root: Path, backend: Backend) -> Path:
    settings = [f'app_id = "{backend.app_id}"']
    if backend.sandbox_store is not OMIT:
        settings.append(f'secret_store = "{backend.sandbox_store}"')
    if backend.secret_max_age is not OMIT:
        settings.append(f"secret_max_age = {json.dumps(backend.secret_max_age)}")
    settings.append('index_url = "wheels"')  # function packages and layers alike
    write(root / "pyproject.toml", "[tool.skyfn]\n" + "\n".join(settings) + "\n")
    for name in PACKAGES:
        build_wheel(root / "wheels", name, "1.0")
    definitions = []
    for index, layer in enumerate(backend.layers):
        build_wheel(root / "wheels", layer.package.replace("_", "-"), "1.0")
        write(root / layer.path, f"{layer.package.replace('_', '-')}==1.0\n")
        given = "" if layer.requirements is OMIT else f", requirements={layer.requirements!r}"
        definitions.append(f"layer_{index} = define_layer({layer.name!r}{given})")
    shared, import_line = _shared_files(backend)
    for path, text in shared.items():
        write(root / "backend" / path, text)
    imports = []
    for index, spec in enumerate(backend.functions):
        folder = root / "backend" / "functions" / spec.folder
        write(folder / "resource.py", _resource(backend, spec))
        write(folder / (spec.entry or "handler.py"), _handler(backend, spec, import_line))
        if spec.packages:
            handler_folder = (folder / (spec.entry or "handler.py")).parent
            write(
                handler_folder / "requirements.txt", "".join(f"{p}==1.0\n" for p in spec.packages)
            )
        imports.append(f"from functions.{spec.folder}.resource import fn as fn_{index}")
    names = ", ".join(
        [f"fn_{i}" for i in range(len(backend.functions))]
        + [f"layer_{i}" for i in range(len(backend.layers))]
    )
    write(
        root / "backend" / "backend.py",
        "from skyfn import define_backend, define_layer\n"
        + "\n".join([*imports, *definitions])
        + f"\n\nbackend = define_backend({names})\n",
    )
    files: dict[str, list[str]] = {}
    for var in backend.dotenv:
        for file, line, _ in var.files:
            files.setdefault(file, []).append(line)
    for file, lines in files.items():
        (root / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


# --- the stores -------------------------------------------------------------------------------


def set_secrets(backend: Backend, ssm: Any, secretsmanager: Any, vault: Any = None) -> None:
    """Every version of every secret, in the sandbox's store and in SSM (the branch's), and
        the external references in Secrets Manager and SSM (created here, as AWS would hold
        them). ``ssm`` and ``secretsmanager`` are boto3 clients for moto; ``vault`` an ``hvac``
    client for OpenBao (every version of every Vault secret, each with all its fields)."""
    from skyfn.secrets.registry import open_store

    sandbox, branch = backend.scopes()
    store = open_store(backend.store)  # type: ignore[arg-type]
    for s in backend.secrets:
        for value in s.sandbox:
            store.write(scopes.secret_path(backend.app_id, sandbox, s.name), value)
        for value in s.shared:
            store.write(scopes.secret_path(backend.app_id, None, s.name), value)
        for value in s.branch:
            _put(ssm, scopes.secret_path(backend.app_id, branch, s.name), value)
        if backend.store != "ssm":
            for value in s.shared:
                _put(ssm, scopes.secret_path(backend.app_id, None, s.name), value)
    for sm in backend.sm_secrets:
        for index, (version, token) in enumerate(zip(sm.versions, sm.ids, strict=True)):
            text = json.dumps(version) if isinstance(version, dict) else version
            if index == 0:
                created = secretsmanager.create_secret(
                    Name=sm.name, SecretString=text, ClientRequestToken=token
                )
                backend.arns[sm.name] = created["ARN"]
            else:
                secretsmanager.put_secret_value(
                    SecretId=sm.name, SecretString=text, ClientRequestToken=token
                )
    for p in backend.ssm_parameters:
        for value in p.versions:
            ssm.put_parameter(Name=p.name, Value=value, Type=p.kind, Overwrite=True)
    for v in backend.vault:
        for fields in v.versions:
            vault.secrets.kv.v2.create_or_update_secret(
                v.path, secret=fields, mount_point=v.mount or "secret"
            )


def enable_vault_mounts(vault: Any) -> None:
    """The KV v2 mounts VAULT_MOUNTS names beside the dev server's ``secret/`` (once)."""
    for mount in VAULT_MOUNTS:
        if mount is not None and f"{mount}/" not in vault.sys.list_mounted_secrets_engines():
            vault.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})


def _put(ssm: Any, name: str, value: str) -> None:
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


# --- what each function must answer -------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _dotenv_value(backend: Backend, use: DotenvUse, scope: Scope) -> str:
    var = next(v for v in backend.dotenv if v.name == use.var)
    segment = scope.name if scope.kind == "branch" else "sandbox"
    found = use.default
    for name in (f.format(branch=segment) for f in _dotenv_files):
        for file, _, value in var.files:
            if file == name:
                found = value
    assert found is not None
    return found


def value_of(backend: Backend, use: Use, scope: Scope) -> Any:
    """The value the function sees for one variable in ``scope`` (typed for plain values)."""
    if isinstance(use, SecretUse):
        versions = backend.secret(use.secret).versions(scope)
        return versions[use.version - 1] if use.version is not OMIT else versions[-1]
    if isinstance(use, AwsSecretUse):
        sm = backend.sm_secret(use.secret)
        if use.version_id is not None:
            version = sm.versions[use.version_id]
        elif use.version_stage == "AWSPREVIOUS":
            version = sm.versions[-2]
        else:
            version = sm.versions[-1]
        if use.key is None:
            return version
        picked = version[use.key]
        return picked if isinstance(picked, str) else json.dumps(picked)
    if isinstance(use, SsmParameterUse):
        versions = backend.parameter(use.parameter).versions
        return versions[use.version - 1] if use.version is not OMIT else versions[-1]
    if isinstance(use, DotenvUse):
        return _dotenv_value(backend, use, scope)
    if isinstance(use, VaultUse):
        held = backend.vault_secret(use.path).versions
        return (held[use.version - 1] if use.version is not OMIT else held[-1])[use.key]
    if isinstance(use, FunctionRefUse):
        return use.target  # locally, in every scope: its skyfn name (deployed: see below)
    return use


def expected_answer(
    backend: Backend, spec: FunctionSpec, scope: Scope, deployed: bool = False
) -> dict[str, Any]:
    """What ``spec`` answers in ``scope``: run locally, or ``deployed`` (a function_ref is
    then the target's physical Lambda name)."""
    env: dict[str, str] = {}
    environ: dict[str, str] = {}
    for key, use in spec.environment:
        value = value_of(backend, use, scope)
        if deployed and isinstance(use, FunctionRefUse):
            value = physical_name(backend.app_id, backend.branch, use.target)
        env[key] = _digest(json.dumps(value))
        environ[key] = _digest(value if isinstance(value, str) else EnvValue(key, value).deployed)
    packages = [m for p, m in zip(PACKAGES, PACKAGE_MODULES, strict=True) if p in spec.packages]
    return {"env": env, "environ": environ, "packages": packages}


def run_script(spec: FunctionSpec) -> str:
    """What ``skyfn run FN -- python -c SCRIPT`` runs: the handler's answer, from the typed
    env module (as a migration script would read it)."""
    return (
        ANSWER
        + f"from skyfn_env.{spec.module} import env\n"
        + f"print(json.dumps(answer(env, {spec.keys!r})))\n"
    )


def describe(backend: Backend) -> Mapping[str, Any]:
    """A short summary for failure messages (no values)."""
    return {
        "branch": backend.branch,
        "store": backend.store,
        "functions": [f.function_name for f in backend.functions],
    }
