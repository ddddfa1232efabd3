"""The function page's triggers: each schedule, its next runs (in UTC and in its own time
zone) and a "Run now" button, which queues one asynchronous invocation with the event
the schedule delivers (a POST with the console's CSRF token, like every other action)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from skyfn.host.console.layout import csrf_field, esc, function_url
from skyfn.host.scheduler import next_runs
from skyfn.model import Function

NEXT_RUNS = 3


def section(f: Function, now: datetime, csrf: str, base: str) -> str:
    if not f.schedules:
        return "<h2>Triggers</h2><p>No schedule: it runs when it is invoked.</p>"
    rows = "".join(_row(f, index, now, csrf, base) for index in range(len(f.schedules)))
    return (
        '<h2 id="triggers-h">Triggers</h2><table class="reflow" id="schedules"><caption>'
        "Schedules: fired by the sandbox as asynchronous invocations (unless "
        "<code>--no-schedules</code>), deployed as EventBridge Scheduler schedules</caption>"
        "<thead><tr><th scope=col>Schedule</th><th scope=col>Time zone</th>"
        "<th scope=col>Next runs</th><th scope=col>Run</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _row(f: Function, index: int, now: datetime, csrf: str, base: str) -> str:
    schedule = f.schedules[index]
    upcoming = next_runs(schedule, now, NEXT_RUNS)
    times = "".join(
        f'<li><time datetime="{t.isoformat()}">{esc(_local(t, schedule.timezone))}</time></li>'
        for t in upcoming
    )
    listed = f"<ul>{times}</ul>" if times else "none: it will not run again"
    said = f" ({esc(schedule.written)})" if schedule.written.startswith("every") else ""
    return (
        f'<tr><th scope="row"><code>{esc(schedule.expression)}</code>{said}</th>'
        f'<td data-label="Time zone">{esc(schedule.timezone)}</td>'
        f'<td data-label="Next runs">{listed}</td>'
        f'<td data-label="Run"><form method="post" '
        f'action="{function_url(base, f.name, "/run-now")}">{csrf_field(csrf)}'
        f'<input type="hidden" name="schedule" value="{index}">'
        f'<button id="run-now-{index}" aria-label="Run now: {esc(schedule.expression)} '
        f'{esc(schedule.timezone)}">Run now</button></form></td></tr>'
    )


def _local(moment: datetime, zone: str) -> str:
    here = moment.astimezone(ZoneInfo(zone))
    utc = moment.strftime("%Y-%m-%d %H:%M UTC")
    if zone == "UTC":
        return utc
    return f"{here.strftime('%Y-%m-%d %H:%M')} {zone} ({utc})"
