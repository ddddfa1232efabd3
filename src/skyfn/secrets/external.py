"""External references (``aws_secret``, ``ssm_parameter``) on the tooling side: who owns a
name; whether each exists (``check``), from metadata only (``DescribeSecret``,
``DescribeParameters``), so a status, a build or a deploy's checks decrypt nothing; and,
where skyfn must know the values themselves, ``read_values``: read with the developer's
credentials (``GetSecretValue``, ``GetParameter``), for the deploy's leak check and to mask
``skyfn logs`` and ``skyfn invoke --deployed``. Each value read is remembered for crash
reports to mask (``known``) and never printed.

The same metadata gives the KMS key of each: a customer managed key must be granted to the
function's role (``kms:Decrypt``); AWS's own keys (``alias/aws/ssm``,
``alias/aws/secretsmanager``) need nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from skyfn import aws, aws_faults
from skyfn.definition import BackendDefinition, External, FunctionDefinition
from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.runtime import contract, hints
from skyfn.runtime.stores import AWS_STORES
from skyfn.secrets import known

PERMISSIONS = (
    "secretsmanager:DescribeSecret, ssm:DescribeParameters and kms:DescribeKey on the "
    "external references"
)
READ_PERMISSIONS = (
    "secretsmanager:GetSecretValue, ssm:GetParameter and kms:Decrypt on the external references"
)
AWS_KEYS = ("alias/aws/ssm", "alias/aws/secretsmanager")


@dataclass(frozen=True)
class ExternalState:
    function: str
    key: str  # the environment variable
    path: str  # its SKYFN_SECRETS path, e.g. "sm:prod/db#password"
    exists: bool
    kms_key: str | None = None  # the ARN of a customer managed key that encrypts it

    @property
    def label(self) -> str:
        return hints.describe_external(self.path)

    @property
    def message(self) -> str:
        used_by = f" (environment {self.key} of function {self.function})"
        return hints.missing_external(self.path, used_by)


def _kind(store: str) -> str:
    kinds = {"secretsmanager": "aws_secret", "vault": "vault_secret"}
    return kinds.get(store, "ssm_parameter")


def owners(backend: BackendDefinition, name: str) -> list[str]:
    """``function F (KEY)`` of every external reference to ``name`` (skyfn never writes it)."""
    found: list[str] = []
    for item in backend.functions:
        if not isinstance(item, FunctionDefinition):
            continue
        function = item.name or item.resource_file.parent.name
        for key, value in item.environment.items():
            if isinstance(value, External) and value.name == name:
                found.append(f"function {function} ({key}, {_kind(value.store)})")
    return found


def model_owners(model: Model, name: str) -> list[str]:
    """``owners`` from a synthesized model (the sandbox's console has one, not a backend)."""
    return [
        f"function {f.name} ({ref.key}, {_kind(ref.external)})"
        for f in model.functions
        for ref in f.secrets
        if ref.external is not None and ref.secret_name == name
    ]


def refuse(name: str, found: list[str]) -> None:
    """Refuse writing ``name`` when external references ``found`` own it."""
    if found:
        raise SkyfnError(
            f"{name} is an external secret of {', '.join(found)}: skyfn reads it but never "
            "writes it; change it where it lives (Secrets Manager or SSM Parameter Store)"
        )


def check(model: Model) -> list[ExternalState]:
    """Each external reference of ``model``: does it exist, and under which key."""
    refs = [
        (f.name, ref) for f in model.functions for ref in f.secrets if ref.external in AWS_STORES
    ]
    if not refs:  # Vault's fields: ``skyfn.secrets.vault_sync``
        return []
    cache: dict[str, tuple[bool, str | None]] = {}
    states: list[ExternalState] = []
    with aws.aws_errors("check the external secret references", PERMISSIONS):
        for function, ref in refs:
            path = ref.paths[0]
            if path not in cache:
                cache[path] = _describe(path)
            exists, key = cache[path]
            states.append(ExternalState(function, ref.key, path, exists, key))
    return states


def missing(states: Iterable[ExternalState]) -> list[ExternalState]:
    return [s for s in states if not s.exists]


def _describe(path: str) -> tuple[bool, str | None]:
    store, inner = contract.path_store(path, "")
    if store == "ssm":
        return _describe_parameter(inner.rpartition(":")[0] if _pinned(inner) else inner)
    secret_id = inner.partition("#")[0]
    for marker in (contract.SM_STAGE, contract.SM_VERSION_ID):
        secret_id, found, pin = secret_id.partition(marker)
        if found:
            return _describe_secret(secret_id, marker, pin)
    return _describe_secret(secret_id, "", "")


def _pinned(name: str) -> bool:
    return name.rpartition(":")[2].isdigit() and ":" in name


def _describe_secret(secret_id: str, marker: str, pin: str) -> tuple[bool, str | None]:
    client = aws.client("secretsmanager", "check the external secret references")
    try:
        described = client.describe_secret(SecretId=secret_id)
    except Exception as exc:
        if aws_faults.error_code(exc) == "ResourceNotFoundException":
            return False, None
        raise
    versions: dict[str, list[str]] = described.get("VersionIdsToStages") or {}
    if marker == contract.SM_STAGE and not any(pin in s for s in versions.values()):
        return False, None
    if marker == contract.SM_VERSION_ID and pin not in versions:
        return False, None
    return True, _key_arn(described.get("KmsKeyId"))


def _describe_parameter(name: str) -> tuple[bool, str | None]:
    client = aws.client("ssm", "check the external secret references")
    answer = client.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )
    found = answer.get("Parameters") or []
    if not found:
        return False, None
    return True, _key_arn(found[0].get("KeyId"))


def _key_arn(key_id: object) -> str | None:
    """The ARN of a customer managed key (``None`` for none or an AWS managed key)."""
    if not isinstance(key_id, str) or not key_id or key_id in AWS_KEYS:
        return None
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    client = aws.client("kms", "check the external secret references")
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    if metadata.get("KeyManager") == "AWS":
        return None
    return str(metadata["Arn"])


def read_values(paths: Iterable[str]) -> dict[str, str]:
    """The values at external ``paths`` that exist, read with the developer's credentials
    (the deploy's leak check; masking ``skyfn logs`` and ``skyfn invoke --deployed``); a
    JSON field is picked as the runtime does."""
    from skyfn.runtime.secretsmanager_reader import split_field, split_pin

    found: dict[str, str] = {}
    with aws.aws_errors("read the external secret references", READ_PERMISSIONS):
        for path in paths:
            store, inner = contract.path_store(path, "")
            try:
                if store == "ssm":
                    client = aws.client("ssm", "read an SSM parameter")
                    found[path] = client.get_parameter(Name=inner, WithDecryption=True)[
                        "Parameter"
                    ]["Value"]
                    known.remember([found[path]])  # what a crash report masks
                    continue
                secret, field = split_field(inner)
                secret_id, pin = split_pin(secret)
                client = aws.client("secretsmanager", "read a Secrets Manager secret")
                value = client.get_secret_value(SecretId=secret_id, **pin)["SecretString"]
                known.remember([value])
            except Exception as exc:
                if aws_faults.error_code(exc) in ("ParameterNotFound", "ResourceNotFoundException"):
                    continue
                raise
            if field is not None:
                import json

                document = json.loads(value)
                if not isinstance(document, dict) or field not in document:
                    continue
                value = document[field]
                value = value if isinstance(value, str) else json.dumps(value)
                known.remember([value])
            found[path] = value
    return found
