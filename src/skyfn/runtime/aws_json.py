"""A lean client for AWS's JSON protocol (SSM, Secrets Manager) without the AWS SDK.

What the cold-start readers share: the endpoint (``AWS_ENDPOINT_URL_<SERVICE>``, then
``AWS_ENDPOINT_URL``, else the regional host), credentials and region from the environment
(Lambda sets them from the function's role), SigV4 signing, and one POST with capped,
jittered retries of throttling, 5xx, dropped connections and answers cut short or malformed
(not JSON, or without what the caller needs: ``complete``), which are never taken as an
empty success. Needs only socket (ssl for
https), hmac, hashlib and json. Secret values never appear in an exception message.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from skyfn.runtime.errors import SecretStoreError
from skyfn.runtime.http1 import CertificateError, Connection
from skyfn.runtime.sigv4 import Credentials, amz_date, sign

MAX_ATTEMPTS = 5
BACKOFF_BASE = 0.05  # seconds; attempt n waits up to base * 2**n (full jitter)
BACKOFF_CAP = 1.0
TIMEOUT = 5.0  # per socket operation
BUDGET = 8.0  # seconds per call, retries included: Lambda's init phase allows 10 s in all
RETRYABLE = frozenset(
    {"ThrottlingException", "ThrottledException", "InternalServerError", "InternalServiceError"}
)


class Service(NamedTuple):
    name: str  # the signing name and host prefix: "ssm", "secretsmanager"
    label: str  # for messages: "SSM", "Secrets Manager"
    endpoint_var: str  # AWS_ENDPOINT_URL_<SERVICE>
    content_type: str = "application/x-amz-json-1.1"


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


def endpoint_from_env(
    service: Service, region: str, environ: Mapping[str, str] = os.environ
) -> Endpoint:
    for variable in (service.endpoint_var, "AWS_ENDPOINT_URL"):
        url = environ.get(variable)
        if url:
            return parse_endpoint(url, variable)
    host = f"{service.name}.{region}.amazonaws.com"
    return Endpoint("https", host, None, host)


def credentials_from_env(service: Service, environ: Mapping[str, str] = os.environ) -> Credentials:
    access_key = environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
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
            f"cannot read secrets from {service.label}: {' and '.join(missing)} not set. On "
            "Lambda they come from the function's execution role; elsewhere export "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
            "credentials)"
        )
    return Credentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)


def region_from_env(service: Service, environ: Mapping[str, str] = os.environ) -> str:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SecretStoreError(
            f"cannot read secrets from {service.label}: AWS_REGION is not set (Lambda sets "
            "it); export AWS_REGION=<region>, e.g. us-east-1"
        )
    return region


def jittered(attempt: int) -> float:
    # Full jitter from os.urandom: the random module would be one more import.
    fraction = int.from_bytes(os.urandom(2), "big") / 65536
    return fraction * min(BACKOFF_CAP, BACKOFF_BASE * (1 << attempt))


def error_of(body: bytes, header: str | None) -> tuple[str, str]:
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


def error_detail(error_type: str, message: str) -> str:
    """`` (Code: message)``: the AWS error code as boto3 reports it, so users can search it."""
    said = f"{error_type}: {message[:300]}" if message else error_type
    return f" ({said})" if said else ""


def common_problem(service: Service, error_type: str, detail: str) -> str | None:
    """What to fix for the credential errors every service shares (``None``: another)."""
    if error_type in ("UnrecognizedClientException", "InvalidClientTokenId"):
        return (
            f"{service.label} did not recognise the AWS credentials{detail}: check "
            "AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN (refresh temporary credentials) and "
            "AWS_REGION"
        )
    if error_type in ("InvalidSignatureException", "SignatureDoesNotMatch"):
        return (
            f"{service.label} rejected the request signature{detail}: check "
            "AWS_SECRET_ACCESS_KEY and that the system clock is correct"
        )
    if error_type == "ExpiredTokenException":
        return f"the AWS session token has expired{detail}: refresh AWS_SESSION_TOKEN"
    return None


# (error type, message) -> what the user must fix, for an error retrying will not cure
Explain = Callable[[str, str], str]
# the decoded answer -> whether it is whole (holds everything the caller asked for)
Complete = Callable[[Any], bool]
CUT = "an answer cut short or malformed"


class JsonClient:
    """Signed POSTs of one service's JSON API, retried on throttling and dropped
    connections; one ``Connection`` per thread, opened with ``connect``."""

    def __init__(
        self, service: Service, credentials: Credentials, region: str, endpoint: Endpoint
    ) -> None:
        self.service = service
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.sent: list[str] = []  # the target of each request sent (list.append is atomic)

    def connect(self) -> Connection:
        endpoint = self.endpoint
        return Connection(endpoint.scheme, endpoint.hostname, endpoint.port, TIMEOUT)

    def call(
        self,
        connection: Connection,
        target: str,
        payload: Any,
        explain: Explain,
        complete: Complete = lambda document: isinstance(document, dict),
    ) -> Any:
        """The decoded JSON answer of ``target`` (e.g. ``AmazonSSM.GetParameters``); one that
        is not JSON or not ``complete`` is a transport error, retried like a dropped one."""
        body = json.dumps(payload).encode()
        failure = ""
        give_up = time.monotonic() + BUDGET
        attempts = 0
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                pause = jittered(attempt)
                if time.monotonic() + pause >= give_up:
                    break
                time.sleep(pause)
            attempts += 1
            headers = sign(
                method="POST",
                host=self.endpoint.host,
                path="/",
                headers={"Content-Type": self.service.content_type, "X-Amz-Target": target},
                body=body,
                credentials=self.credentials,
                region=self.region,
                service=self.service.name,
                timestamp=amz_date(),
            )
            headers["User-Agent"] = "skyfn-runtime"
            try:
                self.sent.append(target)
                response = connection.request("POST", "/", headers, body)
            except CertificateError as exc:
                raise SecretStoreError(
                    f"the TLS certificate of {self.endpoint.host} could not be verified "
                    f"({exc}); if a proxy or private CA is in the way, point SSL_CERT_FILE at "
                    f"its CA bundle, or fix {self.service.endpoint_var} / AWS_ENDPOINT_URL"
                ) from None
            except OSError as exc:
                # A reset, a timeout, or a kept-alive connection the server closed: the
                # connection is closed; the next attempt opens a new one.
                failure = f"{type(exc).__name__}: {exc}"
                continue
            if response.status == 200:
                try:
                    document = json.loads(response.body)
                except ValueError:
                    document = None
                if document is not None and complete(document):
                    return document
                # The body may hold secret values: say nothing about its content.
                failure = f"{CUT} to {target}"
                connection.close()  # what is left of a cut answer must not be read as the next
                continue
            error_type, message = error_of(response.body, response.headers.get("x-amzn-errortype"))
            if response.status >= 500 or error_type in RETRYABLE:
                failure = f"HTTP {response.status} {error_type}".rstrip()
                continue
            raise SecretStoreError(explain(error_type, message))
        raise SecretStoreError(
            f"could not read secrets from {self.service.label} at {self.endpoint.scheme}://"
            f"{self.endpoint.host} after {attempts} attempt{'s' if attempts > 1 else ''} "
            f"(last: {failure}); check the network path to {self.service.label} (VPC endpoint "
            "or NAT) and retry"
        )


def open_client(service: Service, environ: Mapping[str, str] = os.environ) -> JsonClient:
    """A client with the credentials, region and endpoint of ``environ`` (this process's
    environment, unless a local host reads for a function with the function's)."""
    region = region_from_env(service, environ)
    return JsonClient(
        service,
        credentials_from_env(service, environ),
        region,
        endpoint_from_env(service, region, environ),
    )
