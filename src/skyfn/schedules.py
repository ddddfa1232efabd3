"""``Schedule``: the definition API's record of one ``schedule=`` entry of ``define_function``.

It only records what the user wrote; ``skyfn.synth.schedules`` checks it (Amplify's rules)
and turns it into the model's ``skyfn.model_schedules.FunctionSchedule``."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class Schedule:
    """When a function runs by itself: ``cron`` is what a ``schedule=`` string may be
    (``"every 5m"``, ``"every 1h"``, ``"every day|week|month|year"``, or a cron expression
    of five or six fields, AWS's: ``"0 2 * * ?"``), ``timezone`` an IANA name
    (``"Europe/Paris"``), in which it fires; default UTC."""

    cron: object
    timezone: object = DEFAULT_TIMEZONE
