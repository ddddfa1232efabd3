"""AWS SSM Parameter Store through boto3: SecureString values, versions kept by SSM.

Credentials, region and endpoint come from boto3's standard chain (``AWS_PROFILE``,
``AWS_REGION``, ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_SSM``, ...), as for any AWS tool.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from skyfn import aws
from skyfn.aws import aws_errors
from skyfn.errors import AwsUnavailable, SkyfnError
from skyfn.runtime.contract import pinned_path
from skyfn.runtime.ssm_reader import BATCH, MAX_WORKERS
from skyfn.runtime.stores import StoreName
from skyfn.secrets.limits import MAX_VALUE_BYTES
from skyfn.secrets.store import SecretInfo, SecretValue

WRITE_ATTEMPTS = 3  # a write whose answer was lost is read back before it is sent again

PERMISSIONS = "ssm:GetParameters, ssm:GetParameter, ssm:PutParameter, ssm:DescribeParameters and ssm:DeleteParameter"


@contextmanager
def ssm_errors(action: str) -> Iterator[None]:
    with aws_errors(action, PERMISSIONS):
        yield


class SsmStore:
    name: StoreName = "ssm"

    def __init__(self, client: Any = None) -> None:
        self.client = client if client is not None else aws.client("ssm", "connect to SSM")

    def read_many(self, paths: Sequence[str]) -> dict[str, SecretValue]:
        """10 names per ``GetParameters``, batches in parallel; answers matched by name."""
        names = sorted(set(paths))
        batches = [names[i : i + BATCH] for i in range(0, len(names), BATCH)]
        found: dict[str, SecretValue] = {}
        if not batches:
            return found
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(batches))) as pool:
            for parameters in pool.map(self._get_batch, batches):
                for p in parameters:
                    found[p["Name"]] = SecretValue(
                        path=p["Name"],
                        value=p["Value"],
                        version=int(p["Version"]),
                        last_modified=_utc(p.get("LastModifiedDate")),
                    )
        return found

    def _get_batch(self, names: list[str]) -> list[dict[str, Any]]:
        # An answer without "Parameters" never reaches here (skyfn.aws reads it again).
        with ssm_errors("read secrets from SSM"):
            answer = self.client.get_parameters(Names=names, WithDecryption=True)
        parameters: list[dict[str, Any]] = answer["Parameters"]
        return parameters

    def read_version(self, path: str, version: int) -> SecretValue | None:
        from botocore.exceptions import ClientError

        with ssm_errors(f"read {path} version {version} from SSM"):
            try:
                p = self.client.get_parameter(Name=pinned_path(path, version), WithDecryption=True)[
                    "Parameter"
                ]
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code in ("ParameterNotFound", "ParameterVersionNotFound"):
                    return None
                raise
        return SecretValue(path, p["Value"], int(p["Version"]), _utc(p.get("LastModifiedDate")))

    def write(self, path: str, value: str) -> SecretInfo:
        size = len(value.encode("utf-8"))
        limit = MAX_VALUE_BYTES["ssm"]  # a standard-tier parameter's (secrets/limits.py)
        if size > limit:  # say it before AWS answers with a ValidationException
            name = path.rsplit("/", 1)[-1]
            raise SkyfnError(
                f"the value of secret {name} is {size} bytes; SSM standard parameters hold at "
                f"most {limit} bytes (4 KB). Keep large values in the local store "
                "(--store local), or store a reference (e.g. an S3 key) instead"
            )
        with ssm_errors(f"write {path} to SSM"):
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    answer = self.client.put_parameter(
                        Name=path, Value=value, Type="SecureString", Overwrite=True
                    )
                    return SecretInfo(path, int(answer["Version"]), datetime.now(UTC))
                except AwsUnavailable as exc:
                    if not exc.uncertain:
                        raise
                    stored = self._stored(path, value, exc)
                    if stored is not None:
                        return stored
                    if attempt == WRITE_ATTEMPTS:
                        raise exc.with_message(
                            f"{exc}; SSM shows the value was not stored ({attempt} tries)"
                        ) from None
        raise AssertionError("unreachable")

    def _stored(self, path: str, value: str, lost: AwsUnavailable) -> SecretInfo | None:
        """After a write whose answer was lost: what SSM holds at ``path`` now, when it is
        ``value`` (``None``: not stored). Compared here, never shown."""
        from botocore.exceptions import ClientError

        try:
            p = self.client.get_parameter(Name=path, WithDecryption=True)["Parameter"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        except AwsUnavailable as unread:
            raise lost.unverified(unread) from None
        if p.get("Value") != value:
            return None
        return SecretInfo(path, int(p["Version"]), _utc(p.get("LastModifiedDate")))

    def list(self, folder: str, *, recursive: bool = False) -> list[SecretInfo]:
        """Names and versions only (``DescribeParameters`` never returns values)."""
        option = "Recursive" if recursive else "OneLevel"
        found: list[SecretInfo] = []
        with ssm_errors("list secrets in SSM"):
            pages = self.client.get_paginator("describe_parameters").paginate(
                ParameterFilters=[{"Key": "Path", "Option": option, "Values": [folder.rstrip("/")]}]
            )
            for page in pages:
                for p in page.get("Parameters", []):
                    if p["Name"].startswith(folder):
                        found.append(
                            SecretInfo(p["Name"], int(p["Version"]), _utc(p["LastModifiedDate"]))
                        )
        return sorted(found, key=lambda info: info.path)

    def delete(self, path: str) -> bool:
        from botocore.exceptions import ClientError

        with ssm_errors(f"delete {path} from SSM"):
            try:
                self.client.delete_parameter(Name=path)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
                    return False
                raise
        return True


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.now(UTC)
