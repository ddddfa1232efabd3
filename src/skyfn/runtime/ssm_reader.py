"""Read SSM SecureString parameters at cold start without the AWS SDK.

A boto3 SSM client costs a fresh process about 0.7 s before its first call; this reader
needs only socket (ssl for https), hmac, hashlib and json. Names go out in batches of 10
(GetParameters' limit); batches run concurrently, one thread and one kept-alive connection
per worker. Throttling, 5xx and dropped connections are retried with capped, jittered
backoff. Secret values never appear in an exception message.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from typing import NamedTuple

from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.http1 import CertificateError, Connection
from skyfn.runtime.sigv4 import Credentials, amz_date, sign

BATCH = 10  # GetParameters accepts at most 10 names
MAX_WORKERS = 8
MAX_ATTEMPTS = 5
BACKOFF_BASE = 0.05  # seconds; attempt n waits up to base * 2**n (full jitter)
BACKOFF_CAP = 1.0
TIMEOUT = 5.0  # per socket operation
BUDGET = 8.0  # seconds per batch, retries included: Lambda's init phase allows 10 s in all
TARGET = "AmazonSSM.GetParameters"
RETRYABLE = frozenset({"ThrottlingException", "ThrottledException", "InternalServerError"})


class Endpoint(NamedTuple):
    scheme: str
    hostname: str
    port: int | None
    host: str  # the Host header: hostname[:port] as written


def parse_endpoint(url: str, variable: str) -> Endpoint:
    """``scheme://host[:port][/]``, parsed by hand: urllib.parse is not on the cold path."""
    scheme, sep, rest = url.strip().partition("://")
    host = rest.split("/", 1)[0]
    hostname, colon, port_text = host.partition(":")
    if not (sep and scheme in ("http", "https") and hostname) or (
        colon and not port_text.isdigit()
    ):
        raise SecretStoreError(
            f"{variable}={url!r} is not a URL like https://ssm.us-east-1.amazonaws.com "
            f"or http://127.0.0.1:5000; fix or unset {variable}"
        )
    return Endpoint(scheme, hostname, int(port_text) if port_text else None, host)


def endpoint_from_env(region: str) -> Endpoint:
    for variable in ("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"):
        url = os.environ.get(variable)
        if url:
            return parse_endpoint(url, variable)
    host = f"ssm.{region}.amazonaws.com"
    return Endpoint("https", host, None, host)


def credentials_from_env() -> Credentials:
    access_key = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access_key or not secret_key:
        missing = [
            name
            for name, value in (
                ("AWS_ACCESS_KEY_ID", access_key),
                ("AWS_SECRET_ACCESS_KEY", secret_key),
            )
            if not value
        ]
        raise SecretStoreError(
            f"cannot read secrets from SSM: {' and '.join(missing)} not set. On Lambda they "
            "come from the function's execution role; elsewhere export AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)"
        )
    return Credentials(access_key, secret_key, os.environ.get("AWS_SESSION_TOKEN") or None)


def region_from_env() -> str:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SecretStoreError(
            "cannot read secrets from SSM: AWS_REGION is not set (Lambda sets it); "
            "export AWS_REGION=<region>, e.g. us-east-1"
        )
    return region


def _jittered(attempt: int) -> float:
    # Full jitter from os.urandom: the random module would be one more import.
    fraction = int.from_bytes(os.urandom(2), "big") / 65536
    return fraction * min(BACKOFF_CAP, BACKOFF_BASE * (1 << attempt))


def explain(error_type: str, message: str, names: Sequence[str], region: str) -> str:
    """What the user must fix, for an SSM error that retrying will not cure."""
    where = f"{len(names)} parameter(s) starting {names[0]}" if names else "parameters"
    # The AWS error code, as boto3 would report it, so the user can search for it.
    said = f"{error_type}: {message[:300]}" if message else error_type
    detail = f" ({said})" if said else ""
    if error_type == "AccessDeniedException":
        return (
            f"SSM denied GetParameters on {where}{detail}. Allow the function's execution "
            f"role ssm:GetParameters on arn:aws:ssm:{region}:<account>:parameter/skyfn/* "
            "and kms:Decrypt on the parameters' KMS key"
        )
    if error_type in ("UnrecognizedClientException", "InvalidClientTokenId"):
        return (
            f"SSM did not recognise the AWS credentials{detail}: check AWS_ACCESS_KEY_ID "
            "and AWS_SESSION_TOKEN (refresh temporary credentials) and AWS_REGION"
        )
    if error_type in ("InvalidSignatureException", "SignatureDoesNotMatch"):
        return (
            f"SSM rejected the request signature{detail}: check AWS_SECRET_ACCESS_KEY "
            "and that the system clock is correct"
        )
    if error_type == "ExpiredTokenException":
        return f"the AWS session token has expired{detail}: refresh AWS_SESSION_TOKEN"
    return f"SSM GetParameters failed on {where}{detail or ' (no error code)'}"


def _error_of(status: int, body: bytes, header: str | None) -> tuple[str, str]:
    """(type, message) of an AWS JSON-protocol error response."""
    error_type, message = header or "", ""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict):
        error_type = str(document.get("__type") or error_type)
        message = str(document.get("message") or document.get("Message") or "")
    # "com.amazonaws...#ThrottlingException" or "ThrottlingException:http://..."
    error_type = error_type.rsplit("#", 1)[-1].split(":", 1)[0]
    return error_type, message


class SsmReader:
    """``SecretReader`` over SSM GetParameters (WithDecryption)."""

    def __init__(self, credentials: Credentials, region: str, endpoint: Endpoint) -> None:
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self._sent: list[int] = []  # one entry per request sent (list.append is thread-safe)

    @property
    def requests(self) -> int:
        """GetParameters calls sent so far, retries included (for benchmarks)."""
        return len(self._sent)

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
        endpoint = self.endpoint
        return Connection(endpoint.scheme, endpoint.hostname, endpoint.port, TIMEOUT)

    def _get_parameters(self, connection: Connection, names: list[str]) -> dict[str, str]:
        body = json.dumps({"Names": names, "WithDecryption": True}).encode()
        failure = ""
        give_up = time.monotonic() + BUDGET
        attempts = 0
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                pause = _jittered(attempt)
                if time.monotonic() + pause >= give_up:
                    break
                time.sleep(pause)
            attempts += 1
            headers = sign(
                method="POST",
                host=self.endpoint.host,
                path="/",
                headers={
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": TARGET,
                },
                body=body,
                credentials=self.credentials,
                region=self.region,
                service="ssm",
                timestamp=amz_date(),
            )
            headers["User-Agent"] = "skyfn-runtime"
            try:
                self._sent.append(len(names))
                response = connection.request("POST", "/", headers, body)
            except CertificateError as exc:
                raise SecretStoreError(
                    f"the TLS certificate of {self.endpoint.host} could not be verified "
                    f"({exc}); if a proxy or private CA is in the way, point SSL_CERT_FILE at "
                    "its CA bundle, or fix AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL"
                ) from None
            except OSError as exc:
                # A reset, a timeout, or a kept-alive connection the server closed: the
                # connection is closed; the next attempt opens a new one.
                failure = f"{type(exc).__name__}: {exc}"
                continue
            if response.status == 200:
                return _values(response.body, names)
            error_type, message = _error_of(
                response.status, response.body, response.headers.get("x-amzn-errortype")
            )
            if response.status >= 500 or error_type in RETRYABLE:
                failure = f"HTTP {response.status} {error_type}".rstrip()
                continue
            raise SecretStoreError(explain(error_type, message, names, self.region))
        raise SecretStoreError(
            f"could not read secrets from SSM at {self.endpoint.scheme}://{self.endpoint.host} "
            f"after {attempts} attempt{'s' if attempts > 1 else ''} (last: {failure}); "
            "check the network path to SSM (VPC endpoint or NAT) and retry"
        )


def _values(data: bytes, names: Sequence[str]) -> dict[str, str]:
    """Value of each requested name; ``name:N`` (a pinned version) is matched by the answer's
    ``Selector`` (AWS) or, where that is absent (moto), by its ``Version``."""
    try:
        document = json.loads(data)
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


def open_reader() -> SsmReader:
    """The reader the runtime uses when ``SKYFN_SECRET_STORE`` is ``ssm``."""
    region = region_from_env()
    return SsmReader(credentials_from_env(), region, endpoint_from_env(region))
