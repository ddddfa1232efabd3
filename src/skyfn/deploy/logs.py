"""``skyfn logs``: a deployed function's CloudWatch Logs, newest last, one line per event
with its time and request id, its own secrets masked as in local logs.

The secrets are read with the caller's credentials (``ssm:GetParameters``); when they cannot
be, the command says so and prints unmasked only when asked to (``--no-mask``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions

from skyfn import aws
from skyfn.deploy.deployed import deployed_branch
from skyfn.errors import SkyfnError
from skyfn.runtime.masking import Masker
from skyfn.secrets.ssm import SsmStore

PERMISSIONS = (
    "cloudformation:DescribeStacks, cloudformation:GetTemplate, "
    "cloudformation:DescribeStackResource and logs:FilterLogEvents"
)
POLL_SECONDS = 2.0
_SINCE = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_REQUEST_LINE = re.compile(r"^(?:START|END|REPORT) RequestId: (\S+)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def since_seconds(text: str) -> int:
    """``10m``, ``2h``, ``30s``, ``1d`` → seconds."""
    found = _SINCE.fullmatch(text.strip())
    if not found:
        raise SkyfnError(
            f"--since {text!r} is not a duration: use a number and a unit, e.g. 30s, 10m, 2h, 1d"
        )
    return int(found.group(1)) * _UNITS[found.group(2)]


def request_id(message: str, previous: str | None) -> str | None:
    """The request an event belongs to: named in Lambda's START/END/REPORT lines, in the
    second field of a text-format line, or in a JSON line's ``requestId``; else the last
    request seen in the same stream."""
    if found := _REQUEST_LINE.match(message):
        return found.group(1)
    fields = message.split("\t", 2)
    if len(fields) == 3 and _UUID.fullmatch(fields[1]):
        return fields[1]
    if message.startswith("{"):
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        found_id = data.get("requestId") if isinstance(data, dict) else None
        if isinstance(found_id, str):
            return found_id
    return previous


@dataclass
class LogReader:
    client: Any
    group: str
    masker: Masker
    text_filter: str | None = None

    def __post_init__(self) -> None:
        self._seen: dict[str, int] = {}  # event id -> timestamp, of events already printed
        self._requests: dict[str, str | None] = {}

    def events(self, start_ms: int) -> list[dict[str, Any]]:
        arguments: dict[str, Any] = {"logGroupName": self.group, "startTime": start_ms}
        if self.text_filter:
            arguments["filterPattern"] = '"' + self.text_filter.replace('"', '\\"') + '"'
        found: list[dict[str, Any]] = []
        try:
            for page in self.client.get_paginator("filter_log_events").paginate(**arguments):
                found += page.get("events", [])
        except botocore.exceptions.ClientError as exc:
            if aws.error_code(exc) == "ResourceNotFoundException":
                return []
            raise
        fresh = [e for e in found if str(e.get("eventId")) not in self._seen]
        # the next poll starts at the newest timestamp: only ids from then on can repeat
        self._seen = {k: t for k, t in self._seen.items() if t >= start_ms}
        self._seen.update((str(e.get("eventId")), int(e.get("timestamp", 0))) for e in fresh)
        return sorted(fresh, key=lambda e: (e.get("timestamp", 0), e.get("ingestionTime", 0)))

    def line(self, event: dict[str, Any]) -> str:
        message = str(event.get("message", "")).rstrip("\n")
        stream = str(event.get("logStreamName", ""))
        rid = request_id(message, self._requests.get(stream))
        self._requests[stream] = rid
        stamp = datetime.fromtimestamp(event.get("timestamp", 0) / 1000, UTC)
        shown = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return self.masker.text(f"{shown}  {rid or '-'}  {message}")


def secret_values(paths: list[str]) -> list[str]:
    return [v.value for v in SsmStore().read_many(paths).values()]


def function_logs(
    app_id: str,
    branch: str,
    function: str,
    since: str,
    warn: Callable[[str], None],
    text_filter: str | None = None,
    follow: bool = False,
    mask: bool = True,
    read_secrets: Callable[[list[str]], list[str]] = secret_values,
) -> Iterator[str]:
    """The lines to print; with ``follow``, polls until interrupted."""
    start_ms = int((time.time() - since_seconds(since)) * 1000)
    session = aws.session()
    with aws.aws_errors(f"read the logs of {function} on branch {branch}", PERMISSIONS):
        cfn = session.client("cloudformation")
        deployed = deployed_branch(cfn, app_id, branch, "no logs were read")
        state = deployed.function(function)
        group = f"/aws/lambda/{deployed.physical_name(cfn, state)}"
    masker = Masker()
    if mask:
        paths = sorted({p for use in state.secrets.values() for p in use.paths})
        try:
            masker.learn(read_secrets(paths) if paths else [])
        except SkyfnError as exc:
            raise SkyfnError(
                f"cannot mask the secrets of {function} in its logs: {exc}. Nothing was "
                "printed; with --no-mask the logs are printed unmasked"
            ) from None
    else:
        warn(f"note: --no-mask: the secrets of {function} are NOT masked in these logs")
    reader = LogReader(session.client("logs"), group, masker, text_filter)
    warn(f"logs of {function} ({group}), branch {branch}")
    with aws.aws_errors(f"read the logs of {function} on branch {branch}", PERMISSIONS):
        while True:
            for event in reader.events(start_ms):
                start_ms = max(start_ms, int(event.get("timestamp", 0)))
                yield reader.line(event)
            if not follow:
                return
            time.sleep(POLL_SECONDS)
