"""Lambda's error shape: built by ``build``, read back by ``parse``. Nowhere else.

    {"errorMessage": "...", "errorType": "...", "requestId": "...", "stackTrace": [...]}

The error types Lambda's runtime reports for failures of its own are constants here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

MARSHAL_ERROR = "Runtime.MarshalError"
OUT_OF_MEMORY = "Runtime.OutOfMemory"
EXIT_ERROR = "Runtime.ExitError"
INIT_TIMEOUT = "Runtime.InitTimeout"
TIMED_OUT = "Sandbox.Timedout"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"
# the handler's module, at the cold start (awslambdaric's words for them: bootstrap.py)
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"

Shape = dict[str, Any]


def build(
    message: str,
    error_type: str,
    request_id: str | None = None,
    stack_trace: Sequence[str] | None = None,
) -> Shape:
    """The shape in Lambda's key order; ``requestId``/``stackTrace`` only when given."""
    shape: Shape = {"errorMessage": message, "errorType": error_type}
    if request_id is not None:
        shape["requestId"] = request_id
    if stack_trace is not None:
        shape["stackTrace"] = list(stack_trace)
    return shape


def encode(shape: Shape) -> bytes:
    return json.dumps(shape).encode()


class LambdaError(NamedTuple):
    error_type: str
    message: str


def parse(payload: Any) -> LambdaError:
    """The type and message of an error answer (JSON text or already decoded); anything
    else is reported as what it is, so a caller can always say what failed."""
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return LambdaError("Error", str(payload))
    if not isinstance(payload, dict):
        return LambdaError("Error", json.dumps(payload))
    return LambdaError(str(payload.get("errorType", "Error")), str(payload.get("errorMessage", "")))


def response_too_large(size: int | str, request_id: str | None, limit: int) -> Shape:
    return build(
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({limit} bytes).",
        RESPONSE_TOO_LARGE,
        request_id,
        [],
    )
