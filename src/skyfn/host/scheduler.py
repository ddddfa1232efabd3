"""The sandbox's EventBridge Scheduler: fires each function's schedules at their times, in
their time zones, as asynchronous invocations carrying the scheduled event.

Times are computed with ``croniter`` on wall-clock time in the schedule's zone, and each
one kept as EventBridge Scheduler keeps it across daylight saving changes: a time that does
not exist (clocks go forward) is skipped, one that happens twice (clocks go back) fires
once, the first time. After the host was suspended, the runs missed meanwhile fire once
(the latest), not in a burst. The clock and the waiting are injected: tests step a fake
clock and call ``tick``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from skyfn.host import schedule_event
from skyfn.model import Function, Model
from skyfn.model_schedules import FunctionSchedule

Clock = Callable[[], datetime]
LOOKAHEAD_YEARS = 5  # no run within this long (a year field in the past): it never runs


def utc_now() -> datetime:
    return datetime.now(UTC)


def _standard(cron: str) -> tuple[str, str]:
    """AWS's six fields → croniter's five (``?`` is ``*``; day-of-week 1-7 from Sunday
    becomes 0-6) and the year field, which croniter does not take."""
    minute, hour, day, month, weekday, year = cron.split(" ")
    day = "*" if day == "?" else day
    if weekday == "?":
        weekday = "*"
    elif weekday != "*":
        weekday = ",".join(_shift(item) for item in weekday.split(","))
    return f"{minute} {hour} {day} {month} {weekday}", year


def _shift(item: str) -> str:
    head, slash, step = item.partition("/")
    if head == "*":
        return item
    shifted = "-".join(str(int(n) - 1) for n in head.split("-"))
    return shifted + (slash + step if slash else "")


def _year_matches(field: str, year: int) -> bool:
    if field == "*":
        return True
    for item in field.split(","):
        head, _, step = item.partition("/")
        low, _, high = head.partition("-")
        start = 1970 if low == "*" else int(low)
        end = 2199 if low == "*" else int(high or (2199 if step else low))
        if start <= year <= end and (year - start) % int(step or 1) == 0:
            return True
    return False


def runs(schedule: FunctionSchedule, after: datetime) -> Iterator[datetime]:
    """The times (aware, UTC) ``schedule`` fires strictly after ``after``, in order."""
    zone = ZoneInfo(schedule.timezone)
    expression, years = _standard(schedule.cron)
    # start an hour early in wall time: after clocks go back, a wall time the run already
    # had (in the first pass) comes again; it is found here and dropped as not after
    start = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=1)
    year_from = start.year
    while True:
        year = next((y for y in range(year_from, 2200) if _year_matches(years, y)), None)
        if year is None or year > after.year + LOOKAHEAD_YEARS:
            return
        if year != year_from:
            start = datetime(year, 1, 1) - timedelta(minutes=1)
        for wall in croniter(expression, start).all_next(datetime):
            if wall.year != year:  # into a year the year field may leave out
                year_from = wall.year
                start = datetime(wall.year, 1, 1) - timedelta(minutes=1)
                break
            instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
            if instant.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # skipped: clocks went forward over this wall time
            if instant > after:
                yield instant


def next_runs(schedule: FunctionSchedule, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    for when in runs(schedule, after):
        found.append(when)
        if len(found) >= count:
            break
    return found


@dataclass(frozen=True)
class Firing:
    function: str
    schedule: FunctionSchedule
    scheduled: datetime  # UTC
    request_id: str
    refused: str | None  # why the async invocation was not queued (``None``: queued)
    missed: int = 0  # earlier runs missed while the host was not running, not fired


Fire = Callable[[str, bytes, str], str | None]  # Host.invoke_in_background


class Scheduler:
    """Fires the schedules of ``model()``'s functions through ``fire`` (an asynchronous
    invocation); ``tick`` fires what is due at ``clock()``. ``_lock`` guards ``_next``
    (schedule → its next run) and ``_last``."""

    def __init__(
        self,
        model: Callable[[], Model],
        fire: Fire,
        region: str,
        clock: Clock = utc_now,
        note: Callable[[str], None] | None = None,
    ) -> None:
        self._model = model
        self._fire = fire
        self._region = region
        self._clock = clock
        self._note = note
        self._lock = threading.Lock()
        self._next: dict[tuple[str, FunctionSchedule], datetime | None] = {}
        self._last = clock()  # the previous tick: a schedule seen first fires after it

    def _entries(self) -> list[tuple[Function, FunctionSchedule]]:
        return [(f, s) for f in self._model().functions for s in f.schedules]

    def tick(self) -> list[Firing]:
        """Fire every schedule whose next run is due; a schedule added by a reload starts
        from now, one removed is forgotten."""
        now = self._clock()
        due: list[tuple[Function, FunctionSchedule, datetime, int]] = []
        with self._lock:
            entries = self._entries()
            keys = {(f.name, s) for f, s in entries}
            for key in list(self._next):
                if key not in keys:
                    del self._next[key]
            for function, schedule in entries:
                key = (function.name, schedule)
                if key not in self._next:
                    self._next[key] = next(runs(schedule, self._last), None)
                upcoming = self._next[key]
                if upcoming is None or upcoming > now:
                    continue
                missed = 0
                latest = upcoming
                for when in runs(schedule, upcoming):
                    if when > now:
                        self._next[key] = when
                        break
                    missed += 1
                    latest = when
                else:
                    self._next[key] = None
                due.append((function, schedule, latest, missed))
            self._last = now
        return [self._run(f, s, when, missed) for f, s, when, missed in due]

    def _run(
        self, function: Function, schedule: FunctionSchedule, when: datetime, missed: int
    ) -> Firing:
        execution = str(uuid.uuid4())
        event = schedule_event.build(self._region, function.name, schedule, when, execution)
        refused = self._fire(function.name, json.dumps(event).encode(), execution)
        if self._note is not None:
            skipped = (
                f" ({missed} earlier run(s) missed while the host was not running)"
                if missed
                else ""
            )
            outcome = f"not invoked: {refused}" if refused else "invoked (async)"
            self._note(
                f"schedule {schedule.label} of {function.name} at "
                f"{schedule_event.timestamp(when)}: {outcome}{skipped}"
            )
        return Firing(function.name, schedule, when, execution, refused, missed)

    def next_run(self) -> datetime | None:
        """The earliest next run of any schedule (``None``: none will run)."""
        with self._lock:
            times = [t for t in self._next.values() if t is not None]
        return min(times) if times else None

    def run_forever(self, stop: threading.Event, longest_wait: float = 30.0) -> None:
        """Tick until ``stop``; waits until the next run (at most ``longest_wait`` seconds,
        so a reload's new schedules and a resumed laptop are noticed)."""
        while not stop.is_set():
            self.tick()
            upcoming = self.next_run()
            wait = longest_wait
            if upcoming is not None:
                wait = min(wait, max(0.0, (upcoming - self._clock()).total_seconds()))
            stop.wait(wait)


def upcoming(
    function: Function, now: datetime, count: int = 3
) -> list[tuple[FunctionSchedule, list[datetime]]]:
    """Each schedule of ``function`` and its next ``count`` runs after ``now`` (the console)."""
    return [(s, next_runs(s, now, count)) for s in function.schedules]
