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

from skyfn.runtime import lean_json

TYPE_CHECKING = False  # typing is not imported on the cold start
if TYPE_CHECKING:
    import re
    from typing import Any

    _RequestFields = tuple[str, Any, int, str, Any, str | None]
    _AnswerFields = tuple[
        str, str | None, str, bytes | None, dict[str, Any] | None, bool, int | None
    ]
else:
    _RequestFields = _AnswerFields = tuple

READY = "ready"
INIT_ERROR = "init_error"
RESULT = "result"
ERROR = "error"
INIT_ID = "init"  # the request id of the cold start's logs

_MARKER = rb"\x1eskyfn-end:[^\x1e\n]{0,80}\x1e"  # MARKER_PATTERN, compiled on first use


def __getattr__(name: str) -> re.Pattern[bytes]:
    if name == "MARKER_PATTERN":
        import re

        return re.compile(_MARKER)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def log_marker(request_id: str) -> str:
    """Ends the log lines of one invocation (or of the cold start, ``INIT_ID``)."""
    return f"\x1eskyfn-end:{request_id}\x1e"


def encode(message: dict[str, Any]) -> bytes:
    return lean_json.dumps(message).encode() + b"\n"


# -- host → worker ---------------------------------------------------------------------------


class Request(_RequestFields):
    """One invocation (a plain tuple: a ``NamedTuple`` would import ``typing``)."""

    __slots__ = ()

    def __new__(
        cls,
        id: str,
        event: Any,
        deadline_ms: int,
        arn: str,
        client_context: Any = None,
        trace_id: str | None = None,
    ) -> Request:
        return super().__new__(cls, (id, event, deadline_ms, arn, client_context, trace_id))

    @property
    def id(self) -> str:
        return self[0]

    @property
    def event(self) -> Any:
        return self[1]

    @property
    def deadline_ms(self) -> int:
        return self[2]

    @property
    def arn(self) -> str:  # the invoked ARN, with the caller's qualifier when it gave one
        return self[3]

    @property
    def client_context(self) -> Any:  # X-Amz-Client-Context, decoded
        return self[4]

    @property
    def trace_id(self) -> str | None:  # _X_AMZN_TRACE_ID during this invocation
        return self[5]


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
    data = lean_json.loads(line)
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


class Answer(_AnswerFields):
    """One message of the worker (a plain tuple, as ``Request``)."""

    __slots__ = ()

    def __new__(
        cls,
        kind: str,
        request_id: str | None = None,
        payload: str = "",
        body: bytes | None = None,
        error: dict[str, Any] | None = None,
        fatal: bool = False,
        rss_kb: int | None = None,
    ) -> Answer:
        return super().__new__(cls, (kind, request_id, payload, body, error, fatal, rss_kb))

    @property
    def kind(self) -> str:  # READY, INIT_ERROR, RESULT or ERROR
        return self[0]

    @property
    def request_id(self) -> str | None:
        return self[1]

    @property
    def payload(self) -> str:  # RESULT: the handler's result as JSON text
        return self[2]

    @property
    def body(self) -> bytes | None:  # RESULT: the bytes the handler returned (as is)
        return self[3]

    @property
    def error(self) -> dict[str, Any] | None:  # INIT_ERROR, ERROR: Lambda's error shape
        return self[4]

    @property
    def fatal(self) -> bool:  # ERROR: the instance cannot serve another invocation
        return self[5]

    @property
    def rss_kb(self) -> int | None:  # RESULT, ERROR: the worker's peak resident memory, in KB
        return self[6]


def ready() -> dict[str, Any]:
    return {"kind": READY}


def init_error(shape: dict[str, Any]) -> dict[str, Any]:
    return {"kind": INIT_ERROR, "error": shape}


def result(request_id: str, payload: str) -> dict[str, Any]:
    return {"kind": RESULT, "id": request_id, "payload": payload}


def raw_result(request_id: str, body: bytes) -> dict[str, Any]:
    """The handler returned ``bytes``: Lambda answers with them as they are."""
    import base64

    return {"kind": RESULT, "id": request_id, "body64": base64.b64encode(body).decode()}


def error(request_id: str, shape: dict[str, Any], fatal: bool = False) -> dict[str, Any]:
    return {"kind": ERROR, "id": request_id, "error": shape, "fatal": fatal}


def decode_answer(line: bytes) -> Answer:
    data = lean_json.loads(line)
    kind = data.get("kind")
    if kind not in (READY, INIT_ERROR, RESULT, ERROR):
        raise ValueError(f"unknown worker message kind {kind!r}")
    request_id = data.get("id")
    body64 = data.get("body64")
    rss_kb = data.get("rss_kb")
    if body64 is not None:
        import base64
    return Answer(
        kind=kind,
        request_id=None if request_id is None else str(request_id),
        payload=str(data.get("payload", "")),
        body=None if body64 is None else base64.b64decode(body64),
        error=data.get("error"),
        fatal=bool(data.get("fatal", False)),
        rss_kb=rss_kb if isinstance(rss_kb, int) and not isinstance(rss_kb, bool) else None,
    )
