"""``schedule=`` of ``define_function`` → the model's ``FunctionSchedule`` entries.

Amplify's rules (its ``schedule_parser``): ``every Nm`` / ``every Nh`` / ``every day|week|
month|year`` are translated as Amplify translates them (``every 45m`` is ``*/45``: at :00
and :45; ``every week`` is Sunday 00:00), an interval in minutes shorter than the
function's timeout is refused; a cron expression has five or six fields of whole numbers,
``*``, ``a-b``, ``*/n``, ``a/n`` and lists of numbers, ``?`` in day-of-month or
day-of-week. Month and day names, ``L``, ``W`` and ``#`` are refused, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skyfn.model_schedules import FunctionSchedule
from skyfn.schedules import DEFAULT_TIMEZONE, Schedule

Problem = Callable[[str], None]

MAX_SCHEDULES = 20  # per function: each one is a resource of the function's stack part

FIELDS = (  # name, lowest, highest (AWS's cron; day-of-week 1 is Sunday)
    ("minutes", 0, 59),
    ("hours", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 1, 7),
    ("year", 1970, 2199),
)
_RATE = re.compile(r"every (?:(\d+)(m|h)|(day|week|month|year))")
_WORDS = {  # Amplify's translation of the calendar intervals
    "day": "0 0 * * ? *",
    "week": "0 0 ? * 1 *",
    "month": "0 0 1 * ? *",
    "year": "0 0 1 1 ? *",
}
FORMS = (
    '"every 5m", "every 1h", "every day|week|month|year", a cron expression of five or '
    'six fields ("0 2 * * ?"), Schedule(cron=..., timezone=...), or a list of them'
)


def schedules(
    value: object, timeout_seconds: object, problem: Problem
) -> tuple[FunctionSchedule, ...]:
    """The checked schedules (each problem reported, naming the schedule)."""
    if value is None:
        return ()
    items = list(value) if isinstance(value, list | tuple) else [value]
    if len(items) > MAX_SCHEDULES:
        problem(f"schedule lists {len(items)} schedules; at most {MAX_SCHEDULES}")
        return ()
    found: list[FunctionSchedule] = []
    for item in items:
        one = _schedule(item, timeout_seconds, problem)
        if one is None:
            continue
        if any((s.cron, s.timezone) == (one.cron, one.timezone) for s in found):
            problem(f"schedule {one.written!r} fires at the same times as another one; drop one")
            continue
        found.append(one)
    return tuple(found)


def _schedule(item: object, timeout: object, problem: Problem) -> FunctionSchedule | None:
    if isinstance(item, Schedule):
        text, zone = item.cron, item.timezone
    else:
        text, zone = item, DEFAULT_TIMEZONE
    if not isinstance(text, str) or not text.strip():
        problem(f"schedule {text!r} is not a schedule; use {FORMS}")
        return None
    written = " ".join(text.split())
    wrong = _timezone_problem(zone)
    if wrong is not None:
        problem(f"schedule {written!r}: {wrong}")
        return None
    assert isinstance(zone, str)
    if written.startswith("every"):
        cron, wrong = _rate(written, timeout)
    else:
        cron, wrong = _cron(written)
    if wrong is not None:
        problem(f"schedule {written!r}: {wrong}")
        return None
    assert cron is not None
    return FunctionSchedule(cron, zone, written)


def _timezone_problem(zone: object) -> str | None:
    if not isinstance(zone, str) or not zone:
        return f"timezone {zone!r} must be an IANA time zone name such as 'Europe/Paris'"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"timezone {zone!r} is not an IANA time zone name (such as 'Europe/Paris', 'UTC')"
    return None


def _rate(text: str, timeout: object) -> tuple[str | None, str | None]:
    match = _RATE.fullmatch(text)
    if match is None:
        return None, f"not an interval skyfn knows; use {FORMS}"
    number, unit, word = match.groups()
    if word is not None:
        return _WORDS[word], None
    value = int(number)
    highest = 59 if unit == "m" else 23
    if not 1 <= value <= highest:
        whole = "every 1h" if unit == "m" else "every day"
        return None, (
            f"the interval must be a whole number from 1 to {highest} {unit} (cron */{value} "
            f"would not fire every {value}{unit}); use {whole!r} or a cron expression"
        )
    if unit == "m" and isinstance(timeout, int) and value * 60 < timeout:
        return None, (
            f"runs every {value * 60} seconds, less than the function's timeout of "
            f"{timeout} seconds (Amplify's rule); lengthen the interval or shorten timeout_seconds"
        )
    return (f"*/{value} * * * ? *" if unit == "m" else f"0 */{value} * * ? *"), None


def _cron(text: str) -> tuple[str | None, str | None]:
    parts = text.split(" ")
    if len(parts) not in (5, 6):
        return None, (
            f"a cron expression has five or six fields (minutes hours day-of-month month "
            f"day-of-week [year]); this one has {len(parts)}"
        )
    for part, (name, low, high) in zip(parts, FIELDS, strict=False):
        wrong = _field_problem(part, name, low, high)
        if wrong is not None:
            return None, wrong
    day, weekday = parts[2], parts[4]
    if (day == "?") == (weekday == "?"):
        return None, (
            "exactly one of day-of-month and day-of-week must be '?' (AWS's cron), e.g. "
            "'0 2 * * ?' (every day) or '0 2 ? * 2' (Mondays; 1 is Sunday)"
        )
    year = parts[5] if len(parts) == 6 else "*"
    return " ".join([*parts[:5], year]), None


def _whole(text: str, low: int, high: int) -> bool:
    return text.isdigit() and low <= int(text) <= high


def _field_problem(part: str, name: str, low: int, high: int) -> str | None:
    if part == "*" or (part == "?" and name in ("day-of-month", "day-of-week")):
        return None
    if re.search(r"[A-Za-z#]", part):
        return (
            f"cron field {name} is {part!r}: month and day names, L, W and # are not "
            f"supported (Amplify's rule); write whole numbers from {low} to {high}"
            + (" (1 is Sunday)" if name == "day-of-week" else "")
        )
    if "," in part:
        ok = all(_whole(item, low, high) for item in part.split(","))
        what = "a list must hold whole numbers"
    elif "/" in part:
        base, _, step = part.partition("/")
        ok = (base == "*" or _whole(base, low, high)) and step.isdigit() and int(step) > 0
        what = "a step (*/n or a/n) must be a whole number in range over a positive whole step"
    elif "-" in part:
        start, _, end = part.partition("-")
        ok = _whole(start, low, high) and _whole(end, low, high) and int(start) <= int(end)
        what = "a range (a-b) must go up between whole numbers"
    else:
        ok = _whole(part, low, high)
        what = "it must be a whole number, '*'" + (", '?'" if name.startswith("day-") else "")
    if ok:
        return None
    return f"cron field {name} is {part!r}: {what} from {low} to {high}"
