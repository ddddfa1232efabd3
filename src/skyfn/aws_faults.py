"""What an AWS failure is, read from botocore's exceptions: a passing fault to retry
(``fault_kind``), the error code, the call's object for an error line, and an error
message as plain text. Pure functions of an exception or a call's parameters; the retry
policy that acts on them is ``skyfn.aws``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
}


def fault_kind(exc: BaseException) -> str | None:
    """What kind of passing fault ``exc`` is (``None``: an answer to act on, or a bug)."""
    import http.client

    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError
    from urllib3.exceptions import HTTPError as Urllib3Error

    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in _THROTTLED or status == 429:
            return "throttled"
        if status >= 500 or code in ("InternalFailure", "InternalError", "ServiceUnavailable"):
            return "server"
        return None
    if isinstance(exc, bx.ConnectTimeoutError | bx.EndpointConnectionError):
        return "unreachable"  # nothing was sent
    if isinstance(exc, bx.ReadTimeoutError):
        return "timeout"
    if isinstance(
        exc,
        ResponseParserError
        | bx.IncompleteReadError
        | bx.FlexibleChecksumError
        | bx.ResponseStreamingError
        | bx.ConnectionClosedError
        | bx.HTTPClientError
        | Urllib3Error
        | http.client.HTTPException
        | ConnectionError,
    ):
        return "cut"
    return None


def call_object(params: Mapping[str, Any]) -> str:
    """What a call was about, from its parameters: a stack, a bucket key, a parameter."""
    if "StackName" in params:
        return f"stack {params['StackName']}"
    if "Bucket" in params:
        key = f"/{params['Key']}" if "Key" in params else ""
        return f"s3://{params['Bucket']}{key}"
    for field, what in (("Name", "parameter"), ("SecretId", "secret"), ("KeyId", "key")):
        if field in params:
            return f"{what} {params[field]}"
    for field, what in (("Names", "parameter"), ("SecretIdList", "secret")):
        many = list(params.get(field) or [])
        if many:
            more = f" and {len(many) - 1} more" if len(many) > 1 else ""
            return f"{what} {many[0]}{more}"
    if "logGroupName" in params:
        return f"log group {params['logGroupName']}"
    if "ParameterFilters" in params:
        values = [v for f in params["ParameterFilters"] for v in f.get("Values", [])]
        return f"parameters under {values[0]}" if values else "parameters"
    return ""


def error_code(exc: BaseException) -> str:
    """The error code of a botocore ``ClientError`` (``""`` for anything else)."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def plain(message: str) -> str:
    """Some endpoints answer errors in XML; keep the human part."""
    found = re.search(r"<Message>(.*?)</Message>", message, re.S)
    return (found.group(1) if found else message).strip()
