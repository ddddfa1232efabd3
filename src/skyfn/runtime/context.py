"""The ``context`` a handler receives, typed: the fields Lambda's Python runtime provides.

Annotate a handler with ``LambdaContext`` (a Protocol, so Lambda's own context object and
skyfn's local one both satisfy it)::

    from skyfn.runtime import LambdaContext

    def handler(event: dict[str, object], context: LambdaContext) -> str: ...
"""

from __future__ import annotations

import time
from typing import Any, Protocol


class LambdaContext(Protocol):
    """What Lambda passes as ``context``. ``memory_limit_in_mb`` is a string, as on Lambda."""

    @property
    def function_name(self) -> str: ...
    @property
    def function_version(self) -> str: ...
    @property
    def invoked_function_arn(self) -> str: ...
    @property
    def memory_limit_in_mb(self) -> str: ...
    @property
    def aws_request_id(self) -> str: ...
    @property
    def log_group_name(self) -> str: ...
    @property
    def log_stream_name(self) -> str: ...
    @property
    def identity(self) -> Any: ...
    @property
    def client_context(self) -> Any: ...

    def get_remaining_time_in_millis(self) -> int: ...


class Context:
    """The local host's context object: the same fields, with a real deadline."""

    __slots__ = (
        "_deadline_ms",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
    )

    def __init__(
        self,
        *,
        function_name: str,
        function_version: str,
        invoked_function_arn: str,
        memory_limit_in_mb: str,
        aws_request_id: str,
        log_group_name: str,
        log_stream_name: str,
        deadline_ms: int,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"Context(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"
        )
