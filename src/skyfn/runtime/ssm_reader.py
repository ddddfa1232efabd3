"""Read SSM SecureString parameters at cold start without the AWS SDK.

A boto3 SSM client costs a fresh process about 0.7 s before its first call; this reader
(over ``skyfn.runtime.aws_json``) needs only socket (ssl for https), hmac, hashlib and json.
Names go out in batches of 10 (GetParameters' limit); batches run concurrently, one thread
and one kept-alive connection per worker. Throttling, 5xx and dropped connections are
retried with capped, jittered backoff, and so is an answer cut short or malformed: one that
does not account for every name asked (found, or listed invalid) is never an empty success.
Secret values never appear in an exception message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from skyfn.runtime import aws_json
from skyfn.runtime.aws_json import MAX_ATTEMPTS, Endpoint, JsonClient
from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.http1 import Connection

BATCH = 10  # GetParameters accepts at most 10 names
MAX_WORKERS = 8
TARGET = "AmazonSSM.GetParameters"
SERVICE = aws_json.Service("ssm", "SSM", "AWS_ENDPOINT_URL_SSM")

__all__ = ["BATCH", "MAX_ATTEMPTS", "MAX_WORKERS", "Endpoint", "SsmReader", "open_reader"]


def endpoint_from_env(region: str) -> Endpoint:
    return aws_json.endpoint_from_env(SERVICE, region)


def explain(error_type: str, message: str, names: Sequence[str], region: str) -> str:
    """What the user must fix, for an SSM error that retrying will not cure."""
    where = f"{len(names)} parameter(s) starting {names[0]}" if names else "parameters"
    detail = aws_json.error_detail(error_type, message)
    if error_type == "AccessDeniedException":
        return (
            f"SSM denied GetParameters on {where}{detail}. Allow the function's execution "
            f"role ssm:GetParameters on arn:aws:ssm:{region}:<account>:parameter/skyfn/* "
            "and kms:Decrypt on the parameters' KMS key"
        )
    common = aws_json.common_problem(SERVICE, error_type, detail)
    if common is not None:
        return common
    return f"SSM GetParameters failed on {where}{detail or ' (no error code)'}"


class SsmReader:
    """``SecretReader`` over SSM GetParameters (WithDecryption)."""

    def __init__(self, client: JsonClient) -> None:
        self.client = client

    @property
    def requests(self) -> int:
        """GetParameters calls sent so far, retries included (for benchmarks)."""
        return len(self.client.sent)

    def read_many(self, paths: Sequence[str]) -> dict[str, str]:
        names = list(dict.fromkeys(paths))
        batches = [names[i : i + BATCH] for i in range(0, len(names), BATCH)]
        if not batches:
            return {}
        workers = min(len(batches), MAX_WORKERS)
        if workers == 1:
            return self._run(batches)
        return self._run_concurrently([batches[i::workers] for i in range(workers)])

    def _run_concurrently(self, shares: list[list[list[str]]]) -> dict[str, str]:
        import threading  # only when there is more than one batch

        results: list[dict[str, str]] = [{} for _ in shares]
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                results[index] = self._run(shares[index])
            except BaseException as exc:  # re-raised in the calling thread below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(1, len(shares))]
        for thread in threads:
            thread.start()
        work(0)  # the calling thread takes the first share itself
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        found: dict[str, str] = {}
        for result in results:
            found.update(result)
        return found

    def _run(self, batches: list[list[str]]) -> dict[str, str]:
        """One worker: its batches in turn, over one connection kept alive between them."""
        connection = self._connect()
        try:
            found: dict[str, str] = {}
            for names in batches:
                found.update(self._get_parameters(connection, names))
            return found
        finally:
            connection.close()

    def _connect(self) -> Connection:
        return self.client.connect()

    def _get_parameters(self, connection: Connection, names: list[str]) -> dict[str, str]:
        region = self.client.region
        document = self.client.call(
            connection,
            TARGET,
            {"Names": names, "WithDecryption": True},
            lambda error_type, message: explain(error_type, message, names, region),
            lambda document: _whole(document, names),
        )
        return _values(document, names)


def _whole(document: Any, names: Sequence[str]) -> bool:
    """Whether an answer is whole: its ``Parameters`` there and, when it lists
    ``InvalidParameters`` (AWS always does), every name asked found or listed invalid."""
    if not isinstance(document, dict) or not isinstance(document.get("Parameters"), list):
        return False
    invalid = document.get("InvalidParameters", names)
    if not isinstance(invalid, list):
        return False
    try:
        found = _values(document, names)
    except SecretStoreError:
        return False
    return all(name in found or name in invalid for name in names)


def _values(document: Any, names: Sequence[str]) -> dict[str, str]:
    """Value of each requested name; ``name:N`` (a pinned version) is matched by the answer's
    ``Selector`` (AWS) or, where that is absent (moto), by its ``Version``."""
    try:
        found: dict[str, str] = {}
        for p in document.get("Parameters", []):
            name, value = p["Name"], p["Value"]
            selector = p.get("Selector")
            if selector:
                found[name + selector] = value
                continue
            pinned = f"{name}:{p.get('Version')}"
            if pinned in names and pinned not in found:
                found[pinned] = value
            else:
                found[name] = value
        return found
    except (ValueError, TypeError, KeyError, AttributeError):
        # The body may hold secret values: say nothing about its content.
        raise SecretStoreError("SSM GetParameters returned a malformed response") from None


def open_reader(environ: Mapping[str, str] = os.environ) -> SsmReader:
    """The reader the runtime uses when ``SKYFN_SECRET_STORE`` is ``ssm`` (a local host
    passes the function's ``environ``: its credentials, region and endpoint)."""
    return SsmReader(aws_json.open_client(SERVICE, environ))
