"""``skyfn logs``: a deployed function's CloudWatch Logs, newest last, one line per event
with its time and request id, its own secrets masked as in local logs (a multi-line secret
also line by line, in Lambda's ``\r``-joined form, and whole across consecutive events of
a stream: ``skyfn.runtime.masking``).

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

from skyfn import aws, aws_faults
from skyfn.deploy.deployed import deployed_branch
from skyfn.deploy.output_masking import ReadSecrets, function_masker, secret_values
from skyfn.errors import SkyfnError
from skyfn.runtime.masking import Masker

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
            if aws_faults.error_code(exc) == "ResourceNotFoundException":
                return []
            raise
        fresh = [e for e in found if str(e.get("eventId")) not in self._seen]
        # the next poll starts at the newest timestamp: only ids from then on can repeat
        self._seen = {k: t for k, t in self._seen.items() if t >= start_ms}
        self._seen.update((str(e.get("eventId")), int(e.get("timestamp", 0))) for e in fresh)
        return sorted(fresh, key=lambda e: (e.get("timestamp", 0), e.get("ingestionTime", 0)))

    def lines(self, events: list[dict[str, Any]]) -> list[str]:
        """One line per event, in the order given. Each stream's events are masked together
        (``Masker.sequence``): a multi-line secret printed one line per event is masked whole
        when its events come in one read, and line by line in any case."""
        messages = [str(event.get("message", "")).rstrip("\n") for event in events]
        streams: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            streams.setdefault(str(event.get("logStreamName", "")), []).append(index)
        masked = list(messages)
        for indexes in streams.values():
            texts = self.masker.sequence([messages[i] for i in indexes])
            for index, text in zip(indexes, texts, strict=True):
                masked[index] = text
        return [
            self._line(e, m, shown) for e, m, shown in zip(events, messages, masked, strict=True)
        ]

    def _line(self, event: dict[str, Any], message: str, masked: str) -> str:
        stream = str(event.get("logStreamName", ""))
        rid = request_id(message, self._requests.get(stream))
        self._requests[stream] = rid
        stamp = datetime.fromtimestamp(event.get("timestamp", 0) / 1000, UTC)
        shown = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{shown}  {self.masker.text(rid or '-')}  {masked}"


def function_logs(
    app_id: str,
    branch: str,
    function: str,
    since: str,
    warn: Callable[[str], None],
    text_filter: str | None = None,
    follow: bool = False,
    mask: bool = True,
    read_secrets: ReadSecrets = secret_values,
) -> Iterator[str]:
    """The lines to print; with ``follow``, polls until interrupted."""
    start_ms = int((time.time() - since_seconds(since)) * 1000)
    session = aws.session()
    with aws.aws_errors(f"read the logs of {function} on branch {branch}", PERMISSIONS):
        cfn = aws.client("cloudformation", "connect to CloudFormation", session)
        deployed = deployed_branch(cfn, app_id, branch, "no logs were read")
        state = deployed.function(function)
        group = deployed.log_group(cfn, state)
    if mask:
        masker = function_masker(
            state,
            read_secrets,
            "its logs",
            ". Nothing was printed; with --no-mask the logs are printed unmasked",
        )
    else:
        warn(f"note: --no-mask: the secrets of {function} are NOT masked in these logs")
        masker = Masker()
    reader = LogReader(
        aws.client("logs", "connect to CloudWatch Logs", session), group, masker, text_filter
    )
    warn(f"logs of {function} ({group}), branch {branch}")
    with aws.aws_errors(f"read the logs of {function} on branch {branch}", PERMISSIONS):
        while True:
            events = reader.events(start_ms)
            for event in events:
                start_ms = max(start_ms, int(event.get("timestamp", 0)))
            yield from reader.lines(events)
            if not follow:
                return
            time.sleep(POLL_SECONDS)
