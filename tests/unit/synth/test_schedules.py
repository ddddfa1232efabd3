"""``schedule=`` at synth: Amplify's forms and translations, Amplify's refusals, each one
line naming the function and the schedule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import skyfn
from skyfn import scope
from skyfn.errors import DefinitionError
from skyfn.model_schedules import FunctionSchedule
from skyfn.project import open_project
from skyfn.synth.run import load_model
from tests.support.projects import make_project


def synth(tmp_path: Path, options: str) -> tuple[FunctionSchedule, ...]:
    body = (
        f"from skyfn import Schedule, define_function\nfn = define_function(name='fn', {options})\n"
    )
    root = make_project(tmp_path / "app", {"fn": body})
    model = load_model(open_project(root), scope.branch("main"), "ssm")
    return model.functions[0].schedules


def crons(found: tuple[FunctionSchedule, ...]) -> list[tuple[str, str]]:
    return [(s.cron, s.timezone) for s in found]


def test_schedule_is_exported() -> None:
    assert skyfn.Schedule(cron="every day").timezone == "UTC"


def test_no_schedule_is_none(tmp_path: Path) -> None:
    assert synth(tmp_path, "") == ()


@pytest.mark.parametrize(
    ("written", "cron"),
    [  # Amplify's translations (its schedule_parser tests and CDK's cron defaults)
        ("every 5m", "*/5 * * * ? *"),
        ("every 45m", "*/45 * * * ? *"),
        ("every 1h", "0 */1 * * ? *"),
        ("every 2h", "0 */2 * * ? *"),
        ("every day", "0 0 * * ? *"),
        ("every week", "0 0 ? * 1 *"),
        ("every month", "0 0 1 * ? *"),
        ("every year", "0 0 1 1 ? *"),
        ("* * * * ?", "* * * * ? *"),
        ("0 1,2 * * ?", "0 1,2 * * ? *"),
        ("0 1-5 * * ?", "0 1-5 * * ? *"),
        ("0 2 ? * 2", "0 2 ? * 2 *"),
        ("15 3 1 * ? 2027", "15 3 1 * ? 2027"),
        ("5/10 8-17 ? * 2-6 *", "5/10 8-17 ? * 2-6 *"),
    ],
)
def test_amplify_forms_translate_as_amplify_does(tmp_path: Path, written: str, cron: str) -> None:
    assert crons(synth(tmp_path, f"schedule={written!r}")) == [(cron, "UTC")]


def test_a_list_and_time_zones(tmp_path: Path) -> None:
    found = synth(
        tmp_path,
        "schedule=['every day', Schedule(cron='0 2 * * ?', timezone='Europe/Paris'), "
        "Schedule(cron='every week', timezone='America/New_York')]",
    )
    assert crons(found) == [
        ("0 0 * * ? *", "UTC"),
        ("0 2 * * ? *", "Europe/Paris"),
        ("0 0 ? * 1 *", "America/New_York"),
    ]
    assert found[1].expression == "cron(0 2 * * ? *)"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("schedule='every 1m', timeout_seconds=61", "less than the function's timeout of 61"),
        ("schedule='every 0m'", "whole number from 1 to 59 m"),
        ("schedule='every 90m'", "whole number from 1 to 59 m"),
        ("schedule='every 1.5h'", "not an interval skyfn knows"),
        ("schedule='every -5m'", "not an interval skyfn knows"),
        ("schedule='every fortnight'", "not an interval skyfn knows"),
        ("schedule='0 2 * *'", "five or six fields"),
        ("schedule='0 2 * * *'", "exactly one of day-of-month and day-of-week must be '?'"),
        ("schedule='0 2 ? * ?'", "exactly one of day-of-month and day-of-week must be '?'"),
        ("schedule='0 2 ? * MON'", "cron field day-of-week is 'MON': month and day names, L"),
        ("schedule='0 2 ? JAN 2'", "cron field month is 'JAN'"),
        ("schedule='0 2 L * ?'", "cron field day-of-month is 'L'"),
        ("schedule='0 2 15W * ?'", "cron field day-of-month is '15W'"),
        ("schedule='0 2 ? * 2#1'", "cron field day-of-week is '2#1'"),
        ("schedule='60 2 * * ?'", "cron field minutes is '60': it must be a whole number"),
        ("schedule='0 24 * * ?'", "cron field hours is '24'"),
        ("schedule='0 2 ? * 0'", "cron field day-of-week is '0'"),
        ("schedule='0 2 * * ? 1969'", "cron field year is '1969'"),
        ("schedule='1,60 2 * * ?'", "a list must hold whole numbers from 0 to 59"),
        ("schedule='*/0 2 * * ?'", "a step"),
        ("schedule='0 5-2 * * ?'", "a range (a-b) must go up"),
        ("schedule='0 2 ? * 1-3/2'", "cron field day-of-week is '1-3/2'"),
        ("schedule=Schedule(cron='every day', timezone='Mars/Olympus')", "timezone 'Mars/Olympus'"),
        ("schedule=Schedule(cron='every day', timezone=2)", "timezone 2 must be an IANA"),
        ("schedule=5", "schedule 5 is not a schedule"),
        ("schedule=['every day', '0 0 * * ?']", "fires at the same times as another one"),
        ("schedule=['every day'] * 21", "at most 20"),
    ],
)
def test_a_wrong_schedule_is_one_line_naming_the_function(
    tmp_path: Path, options: str, expected: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        synth(tmp_path, options)
    text = str(caught.value)
    assert text.startswith("function fn: ") and "\n" not in text
    assert expected in text


def test_the_env_module_says_which_schedules_trigger_the_function(tmp_path: Path) -> None:
    from skyfn.synth.envgen import render_env_module

    body = (
        "from skyfn import Schedule, define_function\n"
        "fn = define_function(name='fn', schedule=['every 45m', "
        "Schedule(cron='0 2 * * ?', timezone='Europe/Paris')])\n"
    )
    root = make_project(tmp_path / "app", {"fn": body})
    (function,) = load_model(open_project(root), scope.branch("main"), "ssm").functions
    source = render_env_module(function)
    doc = source.split('"""')[1]
    assert "Triggers: schedules; each run's event is an EventBridge Scheduler event" in doc
    assert "- schedule cron(*/45 * * * ? *) UTC (every 45m)" in doc
    assert "- schedule cron(0 2 * * ? *) Europe/Paris" in doc
    compile(source, "fn.py", "exec")
    plain = dataclasses.replace(function, schedules=())
    assert "Triggers" not in render_env_module(plain)
