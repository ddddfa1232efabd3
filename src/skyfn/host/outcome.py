"""What one invocation gives back, and the errors Lambda reports for a dead instance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TAIL_BYTES = 4096  # X-Amz-Log-Type: Tail returns the last 4 KB of the invocation's logs


@dataclass(frozen=True)
class Outcome:
    request_id: str
    payload: bytes  # JSON: the handler's result, or Lambda's error shape
    error: bool  # a function error (X-Amz-Function-Error: Unhandled)
    logs: str  # this invocation's log lines, START..REPORT as Lambda writes them

    @property
    def result(self) -> Any:
        return json.loads(self.payload)

    def tail(self) -> bytes:
        return self.logs.encode("utf-8")[-TAIL_BYTES:]


def error_payload(error_type: str, message: str, request_id: str) -> bytes:
    shape = {"errorMessage": message, "errorType": error_type, "requestId": request_id}
    return json.dumps(shape).encode()


def timed_out(request_id: str, seconds: float) -> bytes:
    return error_payload(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds",
        request_id,
    )


def runtime_exited(request_id: str, returncode: int | None) -> bytes:
    if returncode is None or returncode == 0:
        reason = "Runtime exited without providing a reason"
    elif returncode < 0:
        reason = f"Runtime exited with error: signal {-returncode}"
    else:
        reason = f"Runtime exited with error: exit status {returncode}"
    return error_payload(
        "Runtime.ExitError", f"RequestId: {request_id} Error: {reason}", request_id
    )
