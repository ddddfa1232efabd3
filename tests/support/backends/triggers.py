"""Triggers (issue 24): every form of ``schedule=`` (text, ``Schedule``, a list of them
that fire differently) and of ``url=``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from skyfn.schedules import Schedule
from tests.support.backends.spec import OMIT, FunctionSpec

# Every form of schedule= (issue 24); none shorter than the longest timeout drawn (900 s).
_schedule_text = st.sampled_from(
    [
        "every 15m",
        "every 45m",
        "every 2h",
        "every day",
        "every week",
        "every month",
        "every year",
        "0 2 * * ?",
        "30 9 ? * 2-6",
        "*/20 8-17 ? * 2-6 *",
        "0 0 1 1 ? 2030",
    ]
)
_schedule_one = _schedule_text | st.builds(
    Schedule,
    cron=_schedule_text,
    timezone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]),
)
schedule_option = _schedule_one | st.lists(
    _schedule_one,
    min_size=1,
    max_size=3,
    unique_by=lambda s: (s.cron, s.timezone) if isinstance(s, Schedule) else (s, "UTC"),
).filter(lambda found: len({_fires(s) for s in found}) == len(found))


def _fires(schedule: str | Schedule) -> tuple[object, object]:
    """What a schedule is once translated ("every day" is "0 0 * * ?"): two alike are refused."""
    cron, zone = (
        (schedule.cron, schedule.timezone) if isinstance(schedule, Schedule) else (schedule, "UTC")
    )
    return {"every day": "0 0 * * ?"}.get(str(cron), cron), zone


URLS = {  # url= as written in resource.py
    True: "True",
    "iam": 'FunctionUrl(auth="iam")',
    "none": 'FunctionUrl(auth="none")',
    "cors": 'FunctionUrl(auth="none", cors=Cors(allow_origins=["https://example.com"], '
    'allow_methods=["GET", "POST"], allow_headers=["content-type"], max_age=60))',
}


def url_auth(spec: FunctionSpec) -> str | None:
    """``"iam"`` or ``"none"``: the auth of the function's URL; ``None``: it has none."""
    if spec.url is OMIT:
        return None
    return "iam" if spec.url in (True, "iam") else "none"
