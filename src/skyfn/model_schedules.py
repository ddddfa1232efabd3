"""A function's schedules in the model: each one an AWS cron expression (six fields, as
EventBridge Scheduler takes it) and the IANA time zone it fires in. Checked and
translated from ``schedule=`` by ``skyfn.synth.schedules``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class FunctionSchedule:
    cron: str  # six fields: minutes hours day-of-month month day-of-week year
    timezone: str  # an IANA name, e.g. "UTC", "Europe/Paris"
    written: str = ""  # as the user wrote it ("every 45m"), for messages and listings

    @property
    def expression(self) -> str:
        """EventBridge Scheduler's ``ScheduleExpression``: ``cron(0 2 * * ? *)``."""
        return f"cron({self.cron})"

    @property
    def label(self) -> str:
        """``cron(*/45 * * * ? *) UTC (every 45m)``: how listings show it."""
        said = f" ({self.written})" if self.written.startswith("every") else ""
        return f"{self.expression} {self.timezone}{said}"
