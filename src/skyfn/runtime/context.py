"""The ``context`` the local worker passes a handler: Lambda's fields and methods
(``skyfn.runtime.lambda_context.LambdaContext`` is their type)."""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # typing is not imported on the cold start
if TYPE_CHECKING:
    from typing import Any


W3C_FIELDS = ("traceparent", "tracestate", "baggage")  # what w3c() may return


class Context:
    """The local host's context object: Lambda's fields and methods, with a real deadline."""

    def __init__(
        self,
        *,
        aws_request_id: str,
        invoked_function_arn: str,
        deadline_ms: int,
        client_context: Any = None,
        tenant_id: str | None = None,
    ) -> None:
        env = os.environ
        self.aws_request_id = aws_request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c = _strip_w3c(client_context)
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = _from_dict(CognitoIdentity, {})
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def w3c(self) -> dict[str, str]:
        """The W3C trace context the caller sent in the client context's ``w3c``."""
        return dict(self._w3c)

    def log(self, msg: object) -> None:
        """Write ``msg`` to the function's log, as is (no newline added, as on Lambda)."""
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},identity={self.identity},"
            f"tenant_id={self.tenant_id}])"
        )


class _Slots:
    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ",".join(f"{name}={getattr(self, name, None)}" for name in self.__slots__)
        return f"{type(self).__name__}([{fields}])"


class CognitoIdentity(_Slots):
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")


class Client(_Slots):
    __slots__ = (
        "app_package_name",
        "app_title",
        "app_version_code",
        "app_version_name",
        "installation_id",
    )


class ClientContext(_Slots):
    __slots__ = ("client", "custom", "env")


def _from_dict(kind: type[Any], values: Any) -> Any:
    """An object of ``kind`` with each of its fields from ``values`` (``None`` stays None)."""
    if values is None:
        return None
    obj = kind()
    for name in kind.__slots__:
        setattr(obj, name, values.get(name, None))
    return obj


def _strip_w3c(client_context: Any) -> dict[str, str]:
    """Take ``w3c`` out of the client context (as Lambda does); keep its string fields."""
    if not isinstance(client_context, dict) or "w3c" not in client_context:
        return {}
    raw = client_context.pop("w3c")
    if not isinstance(raw, dict):
        return {}
    return {key: raw[key] for key in W3C_FIELDS if isinstance(raw.get(key), str)}
