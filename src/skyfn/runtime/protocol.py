"""The host-worker protocol of a local function instance. Standard library only.

Over two inherited pipes, one JSON object per line:

    host → worker   request   {"id", "event", "deadline_ms", "arn"}, and when given:
                              "client_context" (the caller's, decoded), "trace_id"
    worker → host   ready     {"kind": "ready"}                       cold start done
                    init_error{"kind": "init_error", "error": shape}  cold start failed
                    result    {"kind": "result", "id", "payload"}     the handler's JSON
                              (or "body64": the bytes the handler returned, base64)
                    error     {"kind": "error", "id", "error": shape, "fatal": bool}
                    both may carry "rss_kb": the worker's peak resident memory so far
                    (REPORT's Max Memory Used, without the host reading /proc per call)

``shape`` is Lambda's error shape (``skyfn.runtime.error_shape``); ``fatal`` means the
instance is done (out of memory), as on Lambda. The function's stdout and stderr are its
logs; after each invocation (and after the cold start, id ``init``) the worker writes
``log_marker(id)`` on both, so the host knows it has every line of that invocation.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, NamedTuple

READY = "ready"
INIT_ERROR = "init_error"
RESULT = "result"
ERROR = "error"
INIT_ID = "init"  # the request id of the cold start's logs

MARKER_PATTERN = re.compile(rb"\x1eskyfn-end:[^\x1e\n]{0,80}\x1e")


def log_marker(request_id: str) -> str:
    """Ends the log lines of one invocation (or of the cold start, ``INIT_ID``)."""
    return f"\x1eskyfn-end:{request_id}\x1e"


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


# -- host → worker ---------------------------------------------------------------------------


class Request(NamedTuple):
    id: str
    event: Any
    deadline_ms: int
    arn: str  # the invoked ARN, with the caller's qualifier when it gave one
    client_context: Any = None  # X-Amz-Client-Context, decoded
    trace_id: str | None = None  # _X_AMZN_TRACE_ID during this invocation


def request(
    request_id: str,
    event: Any,
    deadline_ms: int,
    arn: str,
    client_context: Any = None,
    trace_id: str | None = None,
) -> dict[str, Any]:
    message = {"id": request_id, "event": event, "deadline_ms": deadline_ms, "arn": arn}
    if client_context is not None:
        message["client_context"] = client_context
    if trace_id is not None:
        message["trace_id"] = trace_id
    return message


def decode_request(line: bytes) -> Request:
    data = json.loads(line)
    trace_id = data.get("trace_id")
    return Request(
        str(data["id"]),
        data["event"],
        int(data["deadline_ms"]),
        str(data["arn"]),
        data.get("client_context"),
        None if trace_id is None else str(trace_id),
    )


# -- worker → host ---------------------------------------------------------------------------


class Answer(NamedTuple):
    kind: str  # READY, INIT_ERROR, RESULT or ERROR
    request_id: str | None = None
    payload: str = ""  # RESULT: the handler's result as JSON text
    body: bytes | None = None  # RESULT: the bytes the handler returned (the body as is)
    error: dict[str, Any] | None = None  # INIT_ERROR, ERROR: Lambda's error shape
    fatal: bool = False  # ERROR: the instance cannot serve another invocation
    rss_kb: int | None = None  # RESULT, ERROR: the worker's peak resident memory, in KB


def ready() -> dict[str, Any]:
    return {"kind": READY}


def init_error(shape: dict[str, Any]) -> dict[str, Any]:
    return {"kind": INIT_ERROR, "error": shape}


def result(request_id: str, payload: str) -> dict[str, Any]:
    return {"kind": RESULT, "id": request_id, "payload": payload}


def raw_result(request_id: str, body: bytes) -> dict[str, Any]:
    """The handler returned ``bytes``: Lambda answers with them as they are."""
    return {"kind": RESULT, "id": request_id, "body64": base64.b64encode(body).decode()}


def error(request_id: str, shape: dict[str, Any], fatal: bool = False) -> dict[str, Any]:
    return {"kind": ERROR, "id": request_id, "error": shape, "fatal": fatal}


def decode_answer(line: bytes) -> Answer:
    data = json.loads(line)
    kind = data.get("kind")
    if kind not in (READY, INIT_ERROR, RESULT, ERROR):
        raise ValueError(f"unknown worker message kind {kind!r}")
    request_id = data.get("id")
    body64 = data.get("body64")
    rss_kb = data.get("rss_kb")
    return Answer(
        kind=kind,
        request_id=None if request_id is None else str(request_id),
        payload=str(data.get("payload", "")),
        body=None if body64 is None else base64.b64decode(body64),
        error=data.get("error"),
        fatal=bool(data.get("fatal", False)),
        rss_kb=rss_kb if isinstance(rss_kb, int) and not isinstance(rss_kb, bool) else None,
    )
