"""Issue 24, schedules locally: the nightly report runs every night of a simulated week (a
real host and real workers, the scheduler on a fake clock: no sleeping), ``skyfn invoke
--event-template schedule`` sends the scheduled event, and ``skyfn sandbox`` lists the
schedules at start-up or says ``--no-schedules`` turned them off."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from skyfn import scope
from skyfn.host.environment import HostOptions
from skyfn.host.schedule_event import schedule_arn
from skyfn.host.scheduler import Scheduler
from skyfn.host.supervisor import Host
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.synth.run import generate_env
from tests.support.cli import run_skyfn
from tests.support.console import ConsoleClient, console_url, csrf_of
from tests.support.projects import make_project
from tests.support.sandbox import Sandbox, running_sandbox
from tests.unit.host.conftest import Terminal

REPORT = """\
from skyfn import Schedule, define_function
fn = define_function(
    name="nightly-report",
    schedule=Schedule(cron="0 2 * * ?", timezone="Europe/Paris"),
    environment={"OUT": {out!r}},
)
"""

HANDLER = """\
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    return event
"""


def report_project(root: Path, out: Path) -> Path:
    return make_project(
        root,
        {"nightly_report": REPORT.replace("{out!r}", repr(str(out)))},
        {"nightly_report": HANDLER},
    )


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def model(tmp_path: Path) -> Model:
    root = report_project(tmp_path / "app", tmp_path / "runs.jsonl")
    return generate_env(find_project(root), scope.sandbox("unit"), "inline").model


@pytest.fixture()
def host(model: Model) -> Iterator[Host]:
    host = Host(model, HostOptions(max_workers=2), Terminal(), {})
    try:
        yield host
    finally:
        host.close()


def test_the_nightly_report_runs_every_night_of_a_simulated_week(
    tmp_path: Path, model: Model, host: Host
) -> None:
    start = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)  # a Monday
    clock = FakeClock(start)
    scheduler = Scheduler(lambda: model, host.invoke_in_background, "eu-west-1", clock)
    while clock.now < start + timedelta(days=7):
        clock.now += timedelta(minutes=5)
        scheduler.tick()
    host.wait_for_events()  # asynchronous invocations: queued, run by the host's own threads
    runs = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    # 02:00 in Paris (UTC+2 in April), every night, each run once, in order
    assert [r["time"] for r in runs] == [f"2026-04-{d:02d}T00:00:00Z" for d in range(7, 14)]
    (function,) = model.functions
    arn = schedule_arn("eu-west-1", "nightly-report", function.schedules[0])
    for run in runs:
        event = EventBridgeEvent(run)
        assert event.detail_type == "Scheduled Event" and event.resources == [arn]
    assert len({r["id"] for r in runs}) == 7


def test_invoke_sends_the_scheduled_event_once(tmp_path: Path) -> None:
    root = report_project(tmp_path / "app", tmp_path / "runs.jsonl")
    result = run_skyfn("invoke", "nightly-report", "--event-template", "schedule", cwd=root)
    assert result.code == 0, result.err
    event = EventBridgeEvent(json.loads(result.out))
    assert event.detail_type == "Scheduled Event" and event.source == "aws.scheduler"
    assert event.resources[0].startswith("arn:aws:scheduler:")
    assert event.resources[0].split("/")[-1].startswith("nightly-report-")
    sent = datetime.strptime(event.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - sent).total_seconds()) < 3600
    both = run_skyfn(
        "invoke", "nightly-report", "--event-template", "schedule", "--event", "{}", cwd=root
    )
    assert both.code == 2 and "--event-template replaces --event" in both.err
    assert "Traceback" not in both.err


def output_through(box: Sandbox, text: str) -> str:
    deadline = time.monotonic() + 30
    while not any(text in line for line in box.out):
        assert time.monotonic() < deadline, box.out
        time.sleep(0.05)
    return "\n".join(box.out)


def test_the_sandbox_lists_its_schedules_or_says_they_are_off(tmp_path: Path) -> None:
    root = report_project(tmp_path / "app", tmp_path / "runs.jsonl")
    with running_sandbox(root) as box:
        shown = output_through(box, "console:")
    assert "schedules (fired as asynchronous invocations):" in shown
    assert "nightly-report  cron(0 2 * * ? *) Europe/Paris  next 20" in shown
    with running_sandbox(root, "--no-schedules") as box:
        shown = output_through(box, "console:")
    assert "schedules off (--no-schedules): 1 schedule(s) not fired" in shown


def test_the_console_shows_next_runs_and_runs_a_schedule_now(tmp_path: Path) -> None:
    out = tmp_path / "runs.jsonl"
    root = report_project(tmp_path / "app", out)
    with running_sandbox(root, "--no-schedules") as box:
        client = ConsoleClient(box.port)
        client.sign_in(console_url(box))
        page = client.request("GET", f"{client.base}/functions/nightly-report").text
        assert '<h2 id="triggers-h">Triggers</h2>' in page
        assert "<code>cron(0 2 * * ? *)</code>" in page
        # three next runs, each at 02:00 in Paris, with its UTC time
        assert page.count(" 02:00 Europe/Paris (") == 3
        action = f"{client.base}/functions/nightly-report/run-now"
        # no CSRF token (a form posted from another site could not know it): refused
        refused = client.request("POST", action, {"schedule": "0"})
        assert refused.status == 403 and not out.exists()
        other_site = client.request(
            "POST",
            action,
            {"schedule": "0", "csrf": csrf_of(page)},
            {"Origin": "http://evil.example"},
        )
        assert other_site.status == 403 and not out.exists()
        wrong = client.request("POST", action, {"schedule": "7", "csrf": csrf_of(page)})
        assert "Not run: no such schedule" in wrong.text
        done = client.request("POST", action, {"schedule": "0", "csrf": csrf_of(page)})
        assert done.status == 200 and "Queued nightly-report with the event of" in done.text
        box.wait_for_log("nightly-report")
        deadline = time.monotonic() + 30
        while not out.exists() or not out.read_text().strip():
            assert time.monotonic() < deadline, box.logs()
            time.sleep(0.05)
    (run,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert EventBridgeEvent(run).detail_type == "Scheduled Event"
