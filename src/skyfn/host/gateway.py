"""The AWS Lambda Invoke API's logic, without HTTP: ``POST /2015-03-31/functions/{name}/invocations``.

``LocalGateway.handle_request`` takes a request as plain data (method, path, headers, body
already read) and gives back a ``Response``: it routes the path, validates the function
name, looks the function up, parses the JSON event, honours ``X-Amz-Invocation-Type`` and
``X-Amz-Log-Type``, invokes, and shapes the answer, or the error in the API's error shape.
Reading and writing the bytes on a connection is ``server.py``'s job (as AWS Chalice splits
its ``LocalGateway`` from its HTTP request handler); nothing here touches a socket.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from skyfn.host.access import AccessPolicy, Refused
from skyfn.host.environment import HostOptions
from skyfn.host.outcome import Outcome
from skyfn.host.pool import AtCapacity, HostClosed
from skyfn.host.request_head import LowerCased
from skyfn.host.request_ids import new_request_id
from skyfn.host.supervisor import UnknownFunction
from skyfn.model import Function
from skyfn.runtime import error_shape
from skyfn.runtime.lambda_platform import LATEST, MAX_ASYNC_PAYLOAD, MAX_PAYLOAD, function_arn

CONTENT_TYPE = "application/json"  # every answer of the API, errors included
_PATH = re.compile(r"^/2015-03-31/functions/([^/?]+)/invocations/?(?:\?.*)?$")
# Lambda's rule: a name, a partial ARN (account:function:name) or a full ARN, then a qualifier.
_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?"
    r"([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$"
)
_QUALIFIER = re.compile(r"\$LATEST|[a-zA-Z0-9_-]{1,128}")
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


@dataclass(frozen=True)
class Response:
    """One answer: its status, headers (``Content-Type`` included; not ``Content-Length``,
    which the HTTP layer derives from ``body``) and body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Iterator[bytes] | None = None  # instead of ``body``: chunks until it ends (SSE)
    cookies: tuple[str, ...] = ()  # Set-Cookie fields (a function URL's answer may repeat it)


class InvalidName(ValueError):
    pass


def function_name(raw: str) -> str:
    """``name``, ``name:qualifier`` or a (partial) ARN → the function's name."""
    return function_target(raw)[0]


def function_target(raw: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier`` or a (partial) ARN → the name and the qualifier."""
    name = unquote(raw, errors="replace")
    found = _NAME.match(name)
    if found is None:
        shown = name if len(name) <= 140 else name[:140] + "..."
        raise InvalidName(
            f"1 validation error detected: Value {shown!r} at 'functionName' failed to satisfy "
            "constraint: a function name (letters, digits, - and _; at most 64), optionally "
            "with a qualifier or as an ARN"
        )
    return found.group(1), found.group(2)


def client_context(fields: Mapping[str, str]) -> Any:
    """``X-Amz-Client-Context``: base64 of a JSON object (``InvalidClientContext`` if not)."""
    raw = fields.get("x-amz-client-context")
    if raw is None:
        return None
    try:
        value = json.loads(base64.b64decode(raw, validate=True))
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise InvalidClientContext("X-Amz-Client-Context must be base64 of a JSON object")
    return value


class InvalidClientContext(ValueError):
    pass


def error(status: int, kind: str, message: str) -> Response:
    """An error in the API's shape: ``Type`` is ``Service`` for a 5xx, else ``User``."""
    error_type = "Service" if status >= 500 else "User"
    body = json.dumps({"Type": error_type, "Message": message, "__type": kind}).encode()
    return Response(status, {"Content-Type": CONTENT_TYPE, "x-amzn-ErrorType": kind}, body)


def throttled(message: str, reason: str = "ConcurrentInvocationLimitExceeded") -> Response:
    """Lambda's answer when it throttles: 429 ``TooManyRequestsException`` with a ``Reason``
    (boto3 retries it, backing off)."""
    body = json.dumps(
        {"Type": "User", "Message": message, "Reason": reason, "__type": "TooManyRequestsException"}
    ).encode()
    headers = {
        "Content-Type": CONTENT_TYPE,
        "x-amzn-ErrorType": "TooManyRequestsException",
        "Retry-After": "1",
    }
    return Response(HTTPStatus.TOO_MANY_REQUESTS, headers, body)


def unknown_operation(method: str, path: str) -> Response:
    return error(
        HTTPStatus.NOT_FOUND,
        "UnknownOperationException",
        f"no such operation: {method} {path[:200]}; the Invoke API is "
        "POST /2015-03-31/functions/{name}/invocations",
    )


class Pool(Protocol):
    """What the gateway needs of one function's instances (``FunctionPool``)."""

    @property
    def function(self) -> Function: ...

    def invoke(
        self,
        event: Any,
        request_id: str | None = None,
        qualifier: str | None = None,
        client_context: Any = None,
    ) -> Outcome: ...


class Functions(Protocol):
    """What the gateway needs of the host (``Host``)."""

    @property
    def options(self) -> HostOptions: ...

    def pool(self, name: str) -> Pool: ...

    def invoke_in_background(self, name: str, payload: bytes, request_id: str) -> str | None: ...


class Pages(Protocol):
    """What serves ``/_console`` (``host.console.Console``; named by shape, not imported,
    since the console builds on this module's ``Response``)."""

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Response: ...


class LocalGateway:
    """The Invoke API over a host's functions; one instance serves every request, from any
    number of threads (it keeps no state of its own)."""

    def __init__(
        self,
        host: Functions,
        access: AccessPolicy | None = None,
        port: int = 0,
        console: Pages | None = None,
    ):
        """``access``: who may call (``None``: anyone, for tests without HTTP); ``port``: the
        port the server listens on, which a ``Host`` header must name; ``console``: serves
        ``/_console`` (the local web console, behind its own token)."""
        self.host = host
        self.access = access
        self.port = port
        self.console = console

    def handle_request(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """The answer to one request. ``headers`` match case-insensitively (the first of
        repeated ones counts); ``body`` is the whole body, already within ``MAX_PAYLOAD``."""
        fields = headers if isinstance(headers, LowerCased) else header_fields(headers.items())
        route = path.partition("?")[0]
        if self.console is not None and (route == "/_console" or route.startswith("/_console/")):
            return self.console.handle(method, path, fields, body)
        if self.access is not None:
            try:
                self.access.check(method, path, fields, body, self.port)
            except Refused as exc:
                return error(HTTPStatus.FORBIDDEN, exc.kind, exc.message)
        match = _PATH.match(path)
        if method != "POST" or match is None:
            return unknown_operation(method, path)
        request_id = new_request_id()
        try:
            name, qualifier = function_target(match.group(1))
            qualifier = qualifier or (query_qualifier(path) if "?" in path else None)
            context = client_context(fields)
        except InvalidName as exc:
            return error(400, "ValidationException", str(exc))
        except InvalidClientContext as exc:
            return error(400, "InvalidRequestContentException", str(exc))
        try:
            pool = self.host.pool(name)
        except UnknownFunction:
            arn = function_arn(self.host.options.region, name)
            return error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        kind = fields.get("x-amz-invocation-type", "RequestResponse")
        if kind == "Event" and len(body) > MAX_ASYNC_PAYLOAD:  # checked before it is parsed
            return error(
                413,
                "RequestEntityTooLargeException",
                f"Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for an asynchronous "
                f"(Event) invocation; this one is {len(body)} bytes",
            )
        try:
            event = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
            return error(
                400,
                "InvalidRequestContentException",
                f"Could not parse request body into json: {str(exc)[:200]}",
            )
        if kind == "DryRun":
            return Response(204, {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id})
        if kind == "Event":
            del event  # queued as the bytes it came as: smaller than the parsed value
            full = self.host.invoke_in_background(pool.function.name, body, request_id)
            if full is not None:
                return throttled(full)
            return Response(202, {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id})
        if kind == "RequestResponse":
            try:
                outcome = pool.invoke(event, request_id, qualifier, context)
            except HostClosed as exc:
                return error(503, "ServiceException", str(exc))
            except AtCapacity as exc:  # a function's call: never waits (a cycle would hang)
                return throttled(
                    f"Rate Exceeded. {exc} (a function's call to another is not queued)",
                    "ReservedFunctionConcurrentInvocationLimitExceeded",
                )
            return answer(outcome, tail=fields.get("x-amz-log-type") == "Tail")
        return error(
            400,
            "InvalidParameterValueException",
            f"X-Amz-Invocation-Type {kind[:40]!r} is not one of {', '.join(INVOCATION_TYPES)}",
        )


def answer(outcome: Outcome, tail: bool = False) -> Response:
    """A synchronous invocation's answer: 200, its payload (or Lambda's error shape for one
    past ``MAX_PAYLOAD``), ``X-Amz-Function-Error`` on a function error, and with ``tail``
    the last 4 KB of its logs, base64-encoded, in ``X-Amz-Log-Result``."""
    headers = {
        "Content-Type": CONTENT_TYPE,
        "x-amzn-RequestId": outcome.request_id,
        "X-Amz-Executed-Version": LATEST,
    }
    payload = outcome.payload
    failed = outcome.error
    if len(payload) > MAX_PAYLOAD:
        shape = error_shape.response_too_large(len(payload), None, MAX_PAYLOAD)
        payload = error_shape.encode(shape)
        failed = True
    if failed:
        headers["X-Amz-Function-Error"] = "Unhandled"
    if tail:
        headers["X-Amz-Log-Result"] = base64.b64encode(outcome.tail()).decode()
    return Response(200, headers, payload)


def query_qualifier(path: str) -> str | None:
    """``?Qualifier=`` of the request's path, when given."""
    values = parse_qs(urlsplit(path).query).get("Qualifier")
    if not values:
        return None
    if not _QUALIFIER.fullmatch(values[0]):
        raise InvalidName(
            f"1 validation error detected: Value {values[0][:140]!r} at 'qualifier' failed to "
            "satisfy constraint: $LATEST, a version or an alias (letters, digits, - and _)"
        )
    return values[0]


def header_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header fields by lower-cased name; of a repeated one, the first (as ``Message.get``)."""
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key.lower(), value)
    return fields
