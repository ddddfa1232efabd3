"""AWS Secrets Manager through boto3: one secret per path (the same scope paths as SSM).

Credentials, region and endpoint come from boto3's standard chain (``AWS_PROFILE``,
``AWS_REGION``, ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_SECRETS_MANAGER``, ...). A version's
number is its place in the secret's history (Secrets Manager names versions by id and
stage): the count of its versions, deprecated ones included (AWS keeps about 100).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from skyfn import aws
from skyfn.aws import aws_errors
from skyfn.errors import AwsUnavailable, SkyfnError
from skyfn.runtime.secretsmanager_reader import BATCH
from skyfn.runtime.stores import StoreName
from skyfn.secrets.store import SecretInfo, SecretValue

WRITE_ATTEMPTS = 3  # a write whose answer was lost is read back before it is sent again
PERMISSIONS = (
    "secretsmanager:BatchGetSecretValue, GetSecretValue, CreateSecret, PutSecretValue, "
    "ListSecrets, ListSecretVersionIds and DeleteSecret"
)


@contextmanager
def sm_errors(action: str) -> Iterator[None]:
    with aws_errors(action, PERMISSIONS):
        yield


class SecretsManagerStore:
    name: StoreName = "secretsmanager"

    def __init__(self, client: Any = None) -> None:
        if client is None:
            client = aws.client("secretsmanager", "connect to Secrets Manager")
        self.client = client

    def read_many(self, paths: Sequence[str]) -> dict[str, SecretValue]:
        names = sorted(set(paths))
        found: dict[str, SecretValue] = {}
        for start in range(0, len(names), BATCH):
            with sm_errors("read secrets from Secrets Manager"):
                answer = self.client.batch_get_secret_value(
                    SecretIdList=names[start : start + BATCH]
                )
            for item in answer.get("SecretValues", []):
                if "SecretString" in item:
                    found[item["Name"]] = SecretValue(
                        item["Name"],
                        item["SecretString"],
                        self._version_count(item["Name"]),
                        _utc(item.get("CreatedDate")),
                    )
        return found

    def read_version(self, path: str, version: int) -> SecretValue | None:
        raise SkyfnError(
            "the secretsmanager store keeps versions by stage, not number: to roll back, "
            "move the AWSCURRENT stage with: aws secretsmanager update-secret-version-stage"
        )

    def write(self, path: str, value: str) -> SecretInfo:
        from botocore.exceptions import ClientError

        with sm_errors(f"write {path} to Secrets Manager"):
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    try:
                        self.client.create_secret(Name=path, SecretString=value)
                    except ClientError as exc:
                        if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
                            raise
                        self.client.put_secret_value(SecretId=path, SecretString=value)
                    break
                except AwsUnavailable as exc:
                    # the answer was lost: read the value back before sending it again
                    if not exc.uncertain or self._holds(path, value, exc):
                        if exc.uncertain:
                            break
                        raise
                    if attempt == WRITE_ATTEMPTS:
                        raise exc.with_message(
                            f"{exc}; Secrets Manager shows the value was not stored "
                            f"({attempt} tries)"
                        ) from None
        return SecretInfo(path, self._version_count(path), datetime.now(UTC))

    def _holds(self, path: str, value: str, lost: AwsUnavailable) -> bool:
        """Whether the secret's current value is ``value`` (compared, never shown)."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_secret_value(SecretId=path)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        except AwsUnavailable as unread:
            raise lost.unverified(unread) from None
        return bool(answer.get("SecretString") == value)

    def list(self, folder: str, *, recursive: bool = False) -> list[SecretInfo]:
        found: list[SecretInfo] = []
        with sm_errors("list secrets in Secrets Manager"):
            pages = self.client.get_paginator("list_secrets").paginate(
                Filters=[{"Key": "name", "Values": [folder]}]
            )
            for page in pages:
                for item in page.get("SecretList", []):
                    name = item["Name"]
                    deeper = "/" in name[len(folder) :]
                    if name.startswith(folder) and (recursive or not deeper):
                        when = item.get("LastChangedDate") or item.get("CreatedDate")
                        found.append(SecretInfo(name, self._version_count(name), _utc(when)))
        return sorted(found, key=lambda info: info.path)

    def delete(self, path: str) -> bool:
        """Deleted at once (no recovery window), so the name can be set again."""
        from botocore.exceptions import ClientError

        with sm_errors(f"delete {path} from Secrets Manager"):
            try:
                self.client.delete_secret(SecretId=path, ForceDeleteWithoutRecovery=True)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return False
                raise
        return True

    def _version_count(self, path: str) -> int:
        count = 0
        options: dict[str, Any] = {"SecretId": path, "IncludeDeprecated": True}
        with sm_errors(f"list the versions of {path} in Secrets Manager"):
            while True:
                page = self.client.list_secret_version_ids(**options)
                count += len(page.get("Versions", []))
                if not page.get("NextToken"):
                    return count or 1
                options["NextToken"] = page["NextToken"]


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.now(UTC)
