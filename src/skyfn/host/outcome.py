"""What one invocation gives back, and the errors Lambda reports for a dead instance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from skyfn.runtime import error_shape

TAIL_BYTES = 4096  # X-Amz-Log-Type: Tail returns the last 4 KB of the invocation's logs


@dataclass(frozen=True)
class Outcome:
    request_id: str
    payload: bytes  # JSON: the handler's result, or Lambda's error shape
    error: bool  # a function error (X-Amz-Function-Error: Unhandled)
    logs: str  # this invocation's log lines, START..REPORT as Lambda writes them
    cold: bool = False  # served by a worker started for it
    duration_ms: float = 0.0  # from acquiring the worker to the answer (cold start included)

    @classmethod
    def failed(cls, shape: error_shape.Shape, logs: str, request_id: str | None = None) -> Outcome:
        """A function error; ``request_id`` defaults to the shape's own."""
        rid = request_id if request_id is not None else str(shape.get("requestId", ""))
        return cls(rid, error_shape.encode(shape), True, logs)

    @property
    def result(self) -> Any:
        return json.loads(self.payload)

    def failure(self) -> error_shape.LambdaError:
        """The error's type and message (for an outcome with ``error`` set)."""
        return error_shape.parse(self.payload)

    def tail(self) -> bytes:
        return self.logs.encode("utf-8")[-TAIL_BYTES:]


def timed_out(request_id: str, seconds: float) -> error_shape.Shape:
    return error_shape.build(
        f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds",
        error_shape.TIMED_OUT,
        request_id,
    )


def runtime_exited(request_id: str | None, returncode: int | None) -> error_shape.Shape:
    """The instance's process ended without answering (``request_id`` None: at init)."""
    if returncode is None or returncode == 0:
        reason = "Runtime exited without providing a reason"
    elif returncode < 0:
        reason = f"Runtime exited with error: signal {-returncode}"
    else:
        reason = f"Runtime exited with error: exit status {returncode}"
    prefix = f"RequestId: {request_id} " if request_id else ""
    return error_shape.build(f"{prefix}Error: {reason}", error_shape.EXIT_ERROR, request_id)


def stopped(request_id: str) -> error_shape.Shape:
    """A call cut short because the local host stopped (Ctrl-C, SIGTERM) and killed its
    worker: said so, rather than the bare ``signal 9`` of the kill."""
    return error_shape.build(
        f"RequestId: {request_id} Error: the call was cut short: the local host was stopped "
        "(Ctrl-C or SIGTERM) while it ran",
        error_shape.EXIT_ERROR,
        request_id,
    )
