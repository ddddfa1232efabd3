"""A local function instance: ``python -m skyfn.runtime.worker READ_FD WRITE_FD [FORGET]``.

The skyfn host starts one per warm instance. Its cold start is exactly the deployed one,
``skyfn.runtime.bootstrap.cold_start()``; then it serves one invocation at a time, as Lambda
does, reading requests from READ_FD and writing answers to WRITE_FD (one JSON object per
line). stdout and stderr are the function's logs. After each invocation it writes a marker
line to both, so the host knows it has every log line of that invocation. FORGET is a
comma-separated list of variables the store reader needed and the handler must not see.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any, BinaryIO

from skyfn.runtime.context import Context


def log_marker(request_id: str) -> str:
    """Ends the log lines of one invocation (or of the cold start, ``init``)."""
    return f"\x1eskyfn-end:{request_id}\x1e"


_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frames(exc: BaseException) -> list[str]:
    """The traceback without skyfn.runtime's own frames (as Lambda shows it)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.dirname(os.path.abspath(f.filename)) != _RUNTIME_DIR]
    return traceback.format_list(own)


def error_shape(exc: BaseException, request_id: str | None) -> dict[str, Any]:
    """Lambda's error payload."""
    shape: dict[str, Any] = {"errorMessage": str(exc), "errorType": type(exc).__name__}
    if request_id is not None:
        shape["requestId"] = request_id
    shape["stackTrace"] = user_frames(exc)
    return shape


def _log_error(exc: BaseException) -> None:
    # Lambda's Python runtime logs an unhandled error like this (without its own frames).
    # A cold start refused by skyfn (a missing secret, a damaged store) has no user frames:
    # its message says what to fix, and an empty "Traceback" header would only alarm.
    frames = user_frames(exc)
    trace = "\nTraceback (most recent call last):\n" + "".join(frames) if frames else ""
    print(f"[ERROR] {type(exc).__name__}: {exc}{trace.rstrip()}", file=sys.stderr)


def _end_logs(request_id: str) -> None:
    marker = log_marker(request_id)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.write(f"{marker}\n")
            stream.flush()
        except (OSError, ValueError):  # the handler closed or replaced the stream
            pass


def _send(out: BinaryIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    out.flush()


def _context(request: dict[str, Any]) -> Context:
    env = os.environ
    return Context(
        function_name=env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        function_version=env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        invoked_function_arn=str(request["arn"]),
        memory_limit_in_mb=env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", ""),
        aws_request_id=str(request["id"]),
        log_group_name=env.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        log_stream_name=env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        deadline_ms=int(request["deadline_ms"]),
    )


def serve(requests: BinaryIO, answers: BinaryIO, forget: list[str]) -> int:
    try:
        # Exactly what Lambda does with _HANDLER=skyfn.runtime.bootstrap.handler: importing
        # bootstrap runs the cold start (secrets, then the user's module).
        from skyfn.runtime import bootstrap

        if getattr(bootstrap, "_user_handler", None) is None:
            bootstrap._user_handler = bootstrap.cold_start()  # when the import did not
        handler = bootstrap.handler
    except Exception as exc:
        _log_error(exc)
        _end_logs("init")
        _send(answers, {"init_error": error_shape(exc, None)})
        return 1
    finally:
        for name in forget:
            os.environ.pop(name, None)
    _end_logs("init")
    _send(answers, {"ready": True})
    for line in requests:  # EOF: the host is gone or done with this instance
        request = json.loads(line)
        request_id = str(request["id"])
        try:
            result = handler(request["event"], _context(request))
        except Exception as exc:  # SystemExit ends the process: the host reports the exit
            _log_error(exc)
            answer: dict[str, Any] = {"error": error_shape(exc, request_id)}
        else:
            try:
                answer = {"result": json.dumps(result)}
            except (TypeError, ValueError) as exc:
                answer = {
                    "error": {
                        "errorMessage": f"Unable to marshal response: {exc}",
                        "errorType": "Runtime.MarshalError",
                        "requestId": request_id,
                        "stackTrace": [],
                    }
                }
        _end_logs(request_id)
        _send(answers, {"id": request_id, **answer})
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m skyfn.runtime.worker READ_FD WRITE_FD [FORGET]", file=sys.stderr)
        return 2
    forget = [name for name in (argv[3] if len(argv) > 3 else "").split(",") if name]
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with os.fdopen(int(argv[1]), "rb") as requests, os.fdopen(int(argv[2]), "wb") as answers:
        return serve(requests, answers, forget)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
