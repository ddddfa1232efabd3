"""The local Lambda endpoint of functions: the Invoke API for handlers, so that
``boto3.client("lambda").invoke(FunctionName=env.MAILER, ...)`` reaches the local
``mailer`` with no code that differs from the deployed one.

Plain HTTP on 127.0.0.1 only, whatever the sandbox's own address, TLS or ``--auth``: a
request names its caller by the per-worker token at the start of its path
(``skyfn.host.callers``), checked instead of a signature. The caller may invoke exactly the
functions its definition references (``function_ref``); any other is refused with
``AccessDeniedException``, as the missing grant refuses it on AWS. A call finds a free
instance or is answered ``429 TooManyRequestsException`` (as at reserved concurrency): it
never waits, so a cycle (A calls B calls A) cannot deadlock the pools.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any

from skyfn.host import gateway
from skyfn.host.access import AccessPolicy, Refused, check_origin
from skyfn.host.callers import Callers
from skyfn.host.environment import HostOptions
from skyfn.host.gateway import LocalGateway, Response
from skyfn.host.outcome import Outcome
from skyfn.host.pool import FunctionPool
from skyfn.host.server import InvokeServer
from skyfn.host.supervisor import Host
from skyfn.model import Function
from skyfn.runtime.lambda_platform import function_arn

LOOPBACK = "127.0.0.1"


class _NoWaitPool:
    """A pool whose invocations never wait for a busy instance (``AtCapacity`` instead)."""

    def __init__(self, pool: FunctionPool) -> None:
        self._pool = pool

    @property
    def function(self) -> Function:
        return self._pool.function

    def invoke(
        self,
        event: Any,
        request_id: str | None = None,
        qualifier: str | None = None,
        client_context: Any = None,
    ) -> Outcome:
        return self._pool.invoke(event, request_id, qualifier, client_context, wait=False)


class _NoWaitFunctions:
    """The host as the gateway sees it, its pools never waiting."""

    def __init__(self, host: Host) -> None:
        self._host = host

    @property
    def options(self) -> HostOptions:
        return self._host.options

    def pool(self, name: str) -> _NoWaitPool:
        return _NoWaitPool(self._host.pool(name))

    def invoke_in_background(self, name: str, payload: bytes, request_id: str) -> str | None:
        return self._host.invoke_in_background(name, payload, request_id)


class CallerGateway(LocalGateway):
    """``/<token>/2015-03-31/functions/{name}/invocations``: the caller's token, its right
    to call ``name``, then the Invoke API as the sandbox serves it."""

    def __init__(self, host: Host, callers: Callers) -> None:
        super().__init__(_NoWaitFunctions(host))
        self._host = host
        self._callers = callers

    def handle_request(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        fields = gateway.header_fields(headers.items())
        try:
            check_origin(fields, fields.get("host", ""))
        except Refused as exc:
            return gateway.error(HTTPStatus.FORBIDDEN, exc.kind, exc.message)
        token, slash, rest = path.removeprefix("/").partition("/")
        caller = self._callers.who(token) if token else None
        if caller is None:
            return gateway.error(
                HTTPStatus.FORBIDDEN,
                "UnrecognizedClientException",
                "this endpoint serves the local functions' own calls only (an unknown caller "
                "token); call functions through the sandbox's Invoke API",
            )
        rest = slash + rest
        found = gateway._PATH.match(rest)
        if method == "POST" and found is not None:
            refused = self._refusal(caller, found.group(1))
            if refused is not None:
                return refused
        return super().handle_request(method, rest, fields, body)

    def _refusal(self, caller: str, raw: str) -> Response | None:
        try:
            name = gateway.function_name(raw)
        except gateway.InvalidName:
            return None  # the Invoke API answers it
        function = self._host.model.function(caller)
        if function is not None and name in {r.target for r in function.references}:
            return None
        region = self._host.options.region
        return gateway.error(
            HTTPStatus.FORBIDDEN,
            "AccessDeniedException",
            f"User: {function_arn(region, caller)} is not authorized to perform: "
            f"lambda:InvokeFunction on resource: {function_arn(region, name)} because no "
            "identity-based policy allows the lambda:InvokeFunction action (skyfn: give "
            f"function {caller} environment={{...: function_ref({name!r})}} to allow it)",
        )


class LambdaEndpoint:
    """The endpoint of one host, serving on a thread of its own until ``close``."""

    def __init__(self, host: Host) -> None:
        self.server = InvokeServer((LOOPBACK, 0), host, access=AccessPolicy.for_address(LOOPBACK))
        self.server.gateway = CallerGateway(host, host.callers)
        self._host = host
        self._thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name="skyfn-lambda-endpoint"
        )
        self._thread.start()
        host.callers.url = self.server.url

    def close(self) -> None:
        self._host.callers.url = None
        self._host.callers.forget_all()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def serving(host: Host) -> Iterator[LambdaEndpoint]:
    """The host's functions may call each other through boto3 while the block runs."""
    endpoint = LambdaEndpoint(host)
    try:
        yield endpoint
    finally:
        endpoint.close()
