"""The root logger as Lambda's Python runtime sets it up (awslambdaric's ``bootstrap.py``).

Lambda's runtime gives the root logger one handler, writing to stdout: in the text format
``[LEVEL]\\t2024-01-01T00:00:00.000Z\\t<request id>\\t<message>``, or, with the function's
``LoggingConfig`` format JSON (``AWS_LAMBDA_LOG_FORMAT``), one JSON object a line
(timestamp, level, message, logger, requestId, and the error's fields); the level comes
from ``AWS_LAMBDA_LOG_LEVEL``. The local worker installs the same before the cold start.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from typing import Any

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_RESERVED = frozenset(
    [
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    ]
)
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

request_id = ""  # the invocation being served (the worker sets it)


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(datefmt=_DATETIME_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        info = record.exc_info
        result: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": (
                record.msg
                if isinstance(record.msg, dict) and not record.args
                else record.getMessage()
            ),
            "logger": record.name,
            "stackTrace": traceback.format_tb(info[2]) if info else None,
            "errorType": info[0].__name__ if info and info[0] else None,
            "errorMessage": str(info[1]) if info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if info else None,
        }
        tenant = getattr(record, "tenant_id", None)
        if tenant is not None:
            result["tenantId"] = tenant
        result.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RESERVED and key not in result
        )
        return _encode({k: v for k, v in result.items() if v is not None}) + "\n"


class _Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sys.stdout.write(self.format(record))


class _RequestFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = request_id
        record.tenant_id = None
        return True


def install() -> None:
    """Give the root logger Lambda's handler (format and level from the environment)."""
    logging.Formatter.converter = time.gmtime
    handler = _Handler()
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    level = "DEBUG" if level == "TRACE" else level
    root = logging.getLogger()
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)
    handler.addFilter(_RequestFilter())
    root.addHandler(handler)
