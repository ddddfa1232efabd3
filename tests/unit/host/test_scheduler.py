"""The sandbox's scheduler on a fake clock (no sleeping): a simulated week in two time
zones, counted against the expressions; daylight saving changes kept as EventBridge
Scheduler keeps them; missed runs; reloads; the event parsed by Powertools."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from skyfn.host.scheduler import Scheduler, next_runs
from skyfn.model import Model
from skyfn.model_schedules import FunctionSchedule
from tests.support.models import branch_model

NIGHTLY_PARIS = FunctionSchedule("0 2 * * ? *", "Europe/Paris", "0 2 * * ?")
EVERY_45M_NY = FunctionSchedule("*/45 * * * ? *", "America/New_York", "every 45m")
WEEKLY_NY = FunctionSchedule("0 0 ? * 1 *", "America/New_York", "every week")
WEEKDAYS_NY = FunctionSchedule("0 9 ? * 2-6 *", "America/New_York", "0 9 ? * 2-6")


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Fired:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object], str]] = []

    def __call__(self, name: str, payload: bytes, request_id: str) -> str | None:
        self.calls.append((name, json.loads(payload), request_id))
        return None


def model_with(**schedules: tuple[FunctionSchedule, ...]) -> Model:
    model = branch_model(list(schedules))
    functions = tuple(dataclasses.replace(f, schedules=schedules[f.name]) for f in model.functions)
    return dataclasses.replace(model, functions=functions)


def simulate(model: Model, start: datetime, days: int, step: timedelta) -> Fired:
    clock = FakeClock(start)
    fired = Fired()
    scheduler = Scheduler(lambda: model, fired, "eu-west-1", clock)
    while clock.now < start + timedelta(days=days):
        clock.now += step
        scheduler.tick()
    return fired


def test_a_week_in_two_time_zones_fires_each_run_once() -> None:
    model = model_with(
        nightly=(NIGHTLY_PARIS,), poll=(EVERY_45M_NY,), weekly=(WEEKLY_NY,), office=(WEEKDAYS_NY,)
    )
    start = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)  # a Monday, no clock change that week
    fired = simulate(model, start, 7, timedelta(minutes=1))
    by = {
        name: [str(e["time"]) for n, e, _ in fired.calls if n == name]
        for name in ("nightly", "poll", "weekly", "office")
    }
    # 02:00 in Paris (CEST, UTC+2) is midnight UTC: every night of the week
    assert by["nightly"] == [f"2026-04-{d:02d}T00:00:00Z" for d in range(7, 14)]
    # every 45m is */45: at :00 and :45 of every hour, 2 x 24 x 7
    assert len(by["poll"]) == 2 * 24 * 7
    assert {t[14:16] for t in by["poll"]} == {"00", "45"}
    # every week: Sunday 00:00 in New York (EDT, UTC-4)
    assert by["weekly"] == ["2026-04-12T04:00:00Z"]
    # Monday to Friday (2-6; 1 is Sunday) at 09:00 New York
    assert by["office"] == [f"2026-04-{d:02d}T13:00:00Z" for d in (6, 7, 8, 9, 10)]
    assert len({request_id for _, _, request_id in fired.calls}) == len(fired.calls)


def test_the_event_is_eventbridge_s_and_powertools_parses_it() -> None:
    fired = simulate(
        model_with(nightly=(NIGHTLY_PARIS,)),
        datetime(2026, 4, 6, tzinfo=UTC),
        1,
        timedelta(hours=1),
    )
    ((name, event, request_id),) = fired.calls
    assert name == "nightly"
    assert sorted(event) == sorted(
        [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail",
        ]
    )
    parsed = EventBridgeEvent(event)
    assert parsed.detail_type == "Scheduled Event"
    assert parsed.source == "aws.scheduler"
    assert parsed.get_id == request_id  # the execution id
    assert parsed.time == "2026-04-07T00:00:00Z"
    assert parsed.region == "eu-west-1"
    assert parsed.account == "000000000000"
    assert parsed.detail == {}
    assert parsed.resources[0].startswith(
        "arn:aws:scheduler:eu-west-1:000000000000:schedule/default/nightly-"
    )


def test_a_wall_time_that_does_not_exist_is_skipped_and_one_that_repeats_fires_once() -> None:
    spring = FunctionSchedule("30 2 * * ? *", "Europe/Paris")
    got = next_runs(spring, datetime(2026, 3, 27, tzinfo=UTC), 4)
    # 29 March 2026: Paris goes from 02:00 to 03:00, so 02:30 does not happen that day
    assert [t.strftime("%m-%d %H:%M") for t in got] == [
        "03-27 01:30",
        "03-28 01:30",
        "03-30 00:30",
        "03-31 00:30",
    ]
    autumn = FunctionSchedule("*/30 * * * ? *", "Europe/Paris")
    got = next_runs(autumn, datetime(2026, 10, 25, 0, 10, tzinfo=UTC), 4)
    # 25 October 2026: 02:00-03:00 happens twice in Paris; each run fires the first time only
    assert [t.strftime("%H:%M") for t in got] == ["00:30", "02:00", "02:30", "03:00"]


def test_a_year_field_is_kept() -> None:
    once = FunctionSchedule("0 0 1 1 ? 2030", "UTC")
    assert next_runs(once, datetime(2026, 1, 1, tzinfo=UTC), 3) == [
        datetime(2030, 1, 1, tzinfo=UTC)
    ]
    assert (
        next_runs(FunctionSchedule("0 0 1 1 ? 2020", "UTC"), datetime(2026, 1, 1, tzinfo=UTC), 1)
        == []
    )


def test_runs_missed_while_suspended_fire_once() -> None:
    model = model_with(nightly=(NIGHTLY_PARIS,))
    clock = FakeClock(datetime(2026, 4, 6, 12, 0, tzinfo=UTC))
    fired = Fired()
    scheduler = Scheduler(lambda: model, fired, "eu-west-1", clock)
    clock.now += timedelta(days=3)  # the laptop slept through three nights
    (firing,) = scheduler.tick()
    assert firing.missed == 2 and firing.scheduled == datetime(2026, 4, 9, tzinfo=UTC)
    assert scheduler.tick() == []


def test_a_reload_adds_and_removes_schedules() -> None:
    current = [model_with(a=())]
    clock = FakeClock(datetime(2026, 4, 6, 12, 0, tzinfo=UTC))
    fired = Fired()
    scheduler = Scheduler(lambda: current[0], fired, "eu-west-1", clock)
    assert scheduler.tick() == [] and scheduler.next_run() is None
    current[0] = model_with(a=(FunctionSchedule("0 * * * ? *", "UTC"),))
    clock.now += timedelta(minutes=30)
    assert scheduler.tick() == []  # added at 12:30: its first run is 13:00
    assert scheduler.next_run() == datetime(2026, 4, 6, 13, 0, tzinfo=UTC)
    clock.now += timedelta(minutes=30)
    assert [f.scheduled.hour for f in scheduler.tick()] == [13]
    current[0] = model_with(a=())
    clock.now += timedelta(hours=2)
    assert scheduler.tick() == [] and scheduler.next_run() is None


def test_a_refused_invocation_is_reported() -> None:
    model = model_with(nightly=(NIGHTLY_PARIS,))
    clock = FakeClock(datetime(2026, 4, 6, 12, 0, tzinfo=UTC))
    notes: list[str] = []
    scheduler = Scheduler(lambda: model, lambda *a: "queue full", "eu-west-1", clock, notes.append)
    clock.now += timedelta(days=1)
    (firing,) = scheduler.tick()
    assert firing.refused == "queue full"
    assert notes == [
        "schedule cron(0 2 * * ? *) Europe/Paris of nightly at 2026-04-07T00:00:00Z: "
        "not invoked: queue full"
    ]
