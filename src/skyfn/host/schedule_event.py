"""The event a schedule delivers, built as EventBridge Scheduler builds it from the input
``skyfn.deploy.schedules.INPUT`` (its context attributes filled in): locally by the
sandbox's scheduler, by the console's "run now" and by ``skyfn invoke FN --event-template
schedule``. Parsed by Powertools' ``EventBridgeEvent``."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from skyfn.model_schedules import FunctionSchedule
from skyfn.runtime.lambda_platform import LOCAL_ACCOUNT_ID

DETAIL_TYPE = "Scheduled Event"
SOURCE = "aws.scheduler"


def schedule_name(function: str, schedule: FunctionSchedule) -> str:
    """A local schedule's name (as CloudFormation would generate one: stable, unique)."""
    digest = hashlib.sha256(f"{schedule.cron}|{schedule.timezone}".encode()).hexdigest()
    return f"{function}-{digest[:10]}"[:64]


def schedule_arn(region: str, function: str, schedule: FunctionSchedule | None) -> str:
    name = schedule_name(function, schedule) if schedule is not None else f"{function}-run-now"
    return f"arn:aws:scheduler:{region}:{LOCAL_ACCOUNT_ID}:schedule/default/{name}"


def timestamp(when: datetime) -> str:
    """``<aws.scheduler.scheduled-time>``: ISO 8601 in UTC, to the second."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(
    region: str,
    function: str,
    schedule: FunctionSchedule | None,
    scheduled: datetime,
    execution_id: str | None = None,
) -> dict[str, Any]:
    """The event of one run of ``schedule`` of ``function`` at ``scheduled``
    (``schedule`` ``None``: a run asked for by hand, not one of its schedules')."""
    return {
        "version": "0",
        "id": execution_id or str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": LOCAL_ACCOUNT_ID,
        "time": timestamp(scheduled),
        "region": region,
        "resources": [schedule_arn(region, function, schedule)],
        "detail": {},
    }
