"""AWS SSM Parameter Store through boto3: SecureString values, versions kept by SSM.

Credentials, region and endpoint come from boto3's standard chain (``AWS_PROFILE``,
``AWS_REGION``, ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_SSM``, ...), as for any AWS tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from skyfn.errors import SkyfnError
from skyfn.runtime.ssm_reader import BATCH, MAX_WORKERS
from skyfn.secrets.store import SecretInfo, SecretValue

MAX_VALUE_BYTES = 4096  # the standard tier's limit

_DENIED = {
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "AuthFailure",
}


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn boto3's failures into one line that says what to fix."""
    from botocore import exceptions as bx

    try:
        yield
    except bx.NoCredentialsError:
        raise SkyfnError(
            f"cannot {action}: no AWS credentials found; configure them (aws configure, "
            "AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or use --store local"
        ) from None
    except bx.NoRegionError:
        raise SkyfnError(
            f"cannot {action}: no AWS region configured; set AWS_REGION (or AWS_PROFILE)"
        ) from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        raise SkyfnError(
            f"cannot {action}: the SSM endpoint is unreachable ({exc}); check your network "
            "and AWS_ENDPOINT_URL / AWS_REGION"
        ) from None
    except bx.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "?"))
        message = _plain(str(error.get("Message", "")))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _DENIED or status == 403:
            raise SkyfnError(
                f"cannot {action}: AWS refused access ({code}: {message}); check that your "
                "credentials are valid and allow ssm:GetParameters, ssm:PutParameter, "
                "ssm:DescribeParameters and ssm:DeleteParameter"
            ) from None
        raise SkyfnError(f"cannot {action}: SSM said {code}: {message}") from None
    except bx.BotoCoreError as exc:
        raise SkyfnError(f"cannot {action}: {exc}") from None


class SsmStore:
    name = "ssm"

    def __init__(self, client: Any = None) -> None:
        if client is None:
            import boto3  # only when the ssm store is used: boto3 is slow to import

            with aws_errors("connect to SSM"):
                client = boto3.client("ssm")
                if not client.meta.region_name:  # boto3 does not insist when an endpoint is set
                    from botocore.exceptions import NoRegionError

                    raise NoRegionError()
        self.client = client

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
        with aws_errors("read secrets from SSM"):
            answer = self.client.get_parameters(Names=names, WithDecryption=True)
        parameters: list[dict[str, Any]] = answer.get("Parameters", [])
        return parameters

    def write(self, path: str, value: str) -> SecretInfo:
        size = len(value.encode("utf-8"))
        if size > MAX_VALUE_BYTES:  # say it before AWS answers with a ValidationException
            name = path.rsplit("/", 1)[-1]
            raise SkyfnError(
                f"the value of secret {name} is {size} bytes; SSM standard parameters hold at "
                f"most {MAX_VALUE_BYTES} bytes (4 KB). Keep large values in the local store "
                "(--store local), or store a reference (e.g. an S3 key) instead"
            )
        with aws_errors(f"write {path} to SSM"):
            answer = self.client.put_parameter(
                Name=path, Value=value, Type="SecureString", Overwrite=True
            )
        return SecretInfo(path, int(answer["Version"]), datetime.now(UTC))

    def list(self, prefix: str) -> list[SecretInfo]:
        """Names and versions only (``DescribeParameters`` never returns values)."""
        folder = prefix.rstrip("/")
        found: list[SecretInfo] = []
        with aws_errors("list secrets in SSM"):
            pages = self.client.get_paginator("describe_parameters").paginate(
                ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": [folder]}]
            )
            for page in pages:
                for p in page.get("Parameters", []):
                    if p["Name"].startswith(prefix):
                        found.append(
                            SecretInfo(p["Name"], int(p["Version"]), _utc(p["LastModifiedDate"]))
                        )
        return sorted(found, key=lambda info: info.path)

    def delete(self, path: str) -> bool:
        from botocore.exceptions import ClientError

        with aws_errors(f"delete {path} from SSM"):
            try:
                self.client.delete_parameter(Name=path)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
                    return False
                raise
        return True


def _plain(message: str) -> str:
    """Some endpoints answer errors in XML; keep the human part."""
    found = re.search(r"<Message>(.*?)</Message>", message, re.S)
    return (found.group(1) if found else message).strip()


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.now(UTC)
