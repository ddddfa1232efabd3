"""Read AWS Secrets Manager secrets at cold start without the AWS SDK.

``BatchGetSecretValue`` with up to 20 secret ids a call, over one kept-alive connection,
signed and retried by ``skyfn.runtime.aws_json``. A path is a secret's name or ARN; a
path ``id#field`` is one field of a secret whose value is a JSON object (``aws_secret(...,
key=...)``); ``id|s:STAGE`` or ``id|v:VERSION_ID`` (before any ``#field``) is a pinned version,
read with one ``GetSecretValue`` each (the batch call cannot select versions). Secrets that
do not exist are left out (the caller reports them); any other
per-secret error names the secret and what to allow. Values never appear in a message.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from skyfn.runtime import aws_json
from skyfn.runtime.aws_json import JsonClient
from skyfn.runtime.contract import SM_STAGE, SM_VERSION_ID
from skyfn.runtime.errors import SecretStoreError

BATCH = 20  # BatchGetSecretValue accepts at most 20 ids
TARGET = "secretsmanager.BatchGetSecretValue"
GET_ONE = "secretsmanager.GetSecretValue"
SERVICE = aws_json.Service("secretsmanager", "Secrets Manager", "AWS_ENDPOINT_URL_SECRETS_MANAGER")
MISSING = frozenset({"ResourceNotFoundException"})


def split_field(path: str) -> tuple[str, str | None]:
    """``("prod/db", "password")`` for ``prod/db#password``; no field: ``(path, None)``."""
    secret_id, hash_, field = path.partition("#")
    return (secret_id, field) if hash_ else (path, None)


def split_pin(secret: str) -> tuple[str, dict[str, str]]:
    """``("prod/db", {"VersionStage": "AWSPREVIOUS"})`` for ``prod/db|s:AWSPREVIOUS``."""
    for marker, parameter in ((SM_STAGE, "VersionStage"), (SM_VERSION_ID, "VersionId")):
        secret_id, found, pin = secret.partition(marker)
        if found:
            return secret_id, {parameter: pin}
    return secret, {}


class _Missing(Exception):
    """A pinned secret or version that does not exist (left out, like the batch's)."""


def explain(error_type: str, message: str, ids: Sequence[str], region: str) -> str:
    where = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    detail = aws_json.error_detail(error_type, message)
    if error_type == "AccessDeniedException":
        return (
            f"Secrets Manager denied reading {where}{detail}. Allow the function's execution "
            f"role secretsmanager:GetSecretValue on arn:aws:secretsmanager:{region}:<account>:"
            "secret:<name>-?????? and secretsmanager:BatchGetSecretValue on *"
        )
    if error_type == "DecryptionFailure":
        return (
            f"Secrets Manager could not decrypt {where}{detail}: allow the role kms:Decrypt "
            "on the secret's KMS key"
        )
    common = aws_json.common_problem(SERVICE, error_type, detail)
    if common is not None:
        return common
    return f"Secrets Manager BatchGetSecretValue failed on {where}{detail or ' (no error code)'}"


class SecretsManagerReader:
    """``SecretReader`` over Secrets Manager ``BatchGetSecretValue``."""

    def __init__(self, client: JsonClient) -> None:
        self.client = client

    @property
    def requests(self) -> int:
        return len(self.client.sent)

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(split_field(p)[0] for p in paths))
        if not ids:
            return {}
        latest = [i for i in ids if not split_pin(i)[1]]
        strings: dict[str, str] = {}
        connection = self.client.connect()
        try:
            for start in range(0, len(latest), BATCH):
                strings.update(self._batch(connection, latest[start : start + BATCH]))
            for pinned in ids:
                if split_pin(pinned)[1]:
                    strings.update(self._get_one(connection, pinned))
        finally:
            connection.close()
        found: dict[str, str] = {}
        for path in paths:
            secret_id, field = split_field(path)
            if secret_id in strings:
                value = strings[secret_id] if field is None else _field(strings, secret_id, field)
                if value is not None:
                    found[path] = value
        return found

    def _get_one(self, connection: Any, pinned: str) -> dict[str, str]:
        secret_id, pin = split_pin(pinned)
        region = self.client.region

        def explain_one(error_type: str, message: str) -> str:
            if error_type in MISSING:
                raise _Missing
            return explain(error_type, message, [pinned], region)

        try:
            document = self.client.call(
                connection,
                GET_ONE,
                {"SecretId": secret_id, **pin},
                explain_one,
                lambda document: isinstance(document, dict) and "Name" in document,
            )
        except _Missing:
            return {}
        if not isinstance(document, dict):
            raise SecretStoreError("Secrets Manager returned a malformed response")
        if not isinstance(document.get("SecretString"), str):
            raise SecretStoreError(
                f"secret {secret_id} in Secrets Manager holds binary data; skyfn reads text "
                "secrets (SecretString) only"
            )
        return {pinned: document["SecretString"]}

    def _batch(self, connection: Any, ids: list[str]) -> dict[str, str]:
        region = self.client.region
        strings: dict[str, str] = {}
        payload: dict[str, Any] = {"SecretIdList": ids}
        asked = len(ids)  # a later page holds the rest only: not checked by count
        while True:
            document = self.client.call(
                connection,
                TARGET,
                payload,
                lambda t, m: explain(t, m, ids, region),
                functools.partial(_whole, asked=asked),
            )
            if not isinstance(document, dict):
                raise SecretStoreError("Secrets Manager returned a malformed response")
            strings.update(_strings(document, ids))
            for error in document.get("Errors") or []:
                code = str(error.get("ErrorCode", ""))
                if code not in MISSING:
                    secret_id = str(error.get("SecretId", "?"))
                    raise SecretStoreError(
                        explain(code, str(error.get("Message", "")), [secret_id], region)
                    )
            token = document.get("NextToken")
            if not token:
                return strings
            payload = {"SecretIdList": ids, "NextToken": token}
            asked = 0


def _whole(document: Any, asked: int) -> bool:
    """Whether an answer is whole: its lists there and, on a single page, an entry (a value
    or an error) per id asked. A cut or malformed answer is read again, never an empty
    success."""
    if not isinstance(document, dict):
        return False
    values, errors = document.get("SecretValues"), document.get("Errors") or []
    if not isinstance(values, list) or not isinstance(errors, list):
        return False
    return bool(document.get("NextToken")) or len(values) + len(errors) >= asked


def _strings(document: dict[str, Any], ids: list[str]) -> dict[str, str]:
    """Requested id (name or ARN) → SecretString."""
    strings: dict[str, str] = {}
    wanted = set(ids)
    for entry in document.get("SecretValues") or []:
        name, arn = entry.get("Name"), entry.get("ARN")
        value = entry.get("SecretString")
        matches = [i for i in (name, arn) if i in wanted]
        if not matches:
            continue
        if not isinstance(value, str):
            raise SecretStoreError(
                f"secret {name} in Secrets Manager holds binary data; skyfn reads text "
                "secrets (SecretString) only"
            )
        for secret_id in matches:
            strings[secret_id] = value
    return strings


def _field(strings: dict[str, str], secret_id: str, field: str) -> str | None:
    try:
        document = json.loads(strings[secret_id])
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise SecretStoreError(
            f"secret {secret_id} in Secrets Manager is not a JSON object, so it has no key "
            f"{field!r}; drop key= or store the value as JSON"
        )
    if field not in document:
        raise SecretStoreError(
            f"secret {secret_id} in Secrets Manager has no key {field!r} (its keys: "
            f"{', '.join(sorted(map(str, document))) or 'none'}); fix key="
        )
    value = document[field]
    return value if isinstance(value, str) else json.dumps(value)


def open_reader(environ: Mapping[str, str] = os.environ) -> SecretsManagerReader:
    """The reader the runtime uses when ``SKYFN_SECRET_STORE`` is ``secretsmanager`` (a local host
    passes the function's ``environ``: its credentials, region and endpoint)."""
    return SecretsManagerReader(aws_json.open_client(SERVICE, environ))
