"""A function's schedules in its template: one ``AWS::Scheduler::Schedule`` each, and one
role (per function with schedules) that EventBridge Scheduler assumes, which may invoke
exactly that function and nothing else.

Each schedule delivers an EventBridge-style event built from the scheduler's context
attributes (what ``skyfn.host.schedule_event`` builds locally, field for field).
Schedules are named by CloudFormation (no fixed names: a redeploy never collides), and
their logical ids come from the expression and time zone, so reordering ``schedule=``
changes nothing and changing one replaces that one only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from skyfn.model import Function
from skyfn.model_schedules import FunctionSchedule

Json = dict[str, Any]
SCHEDULE_TYPE = "AWS::Scheduler::Schedule"
SOURCE = "aws.scheduler"
DETAIL_TYPE = "Scheduled Event"

# The input of every schedule: EventBridge Scheduler fills in its <aws.scheduler.*>
# context attributes when it fires; CloudFormation fills in account and region.
INPUT = json.dumps(
    {
        "version": "0",
        "id": "<aws.scheduler.execution-id>",
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": "${AWS::AccountId}",
        "time": "<aws.scheduler.scheduled-time>",
        "region": "${AWS::Region}",
        "resources": ["<aws.scheduler.schedule-arn>"],
        "detail": {},
    },
    separators=(",", ":"),
)


def role_logical_id(logical_base: str) -> str:
    return f"ScheduleRole{logical_base}"


def schedule_logical_id(logical_base: str, schedule: FunctionSchedule) -> str:
    digest = hashlib.sha256(f"{schedule.cron}|{schedule.timezone}".encode()).hexdigest()
    return f"Schedule{logical_base}{digest[:10]}"


def logical_ids(function: Function, base: str) -> tuple[str, ...]:
    """The logical ids ``resources`` gives them (none without schedules)."""
    if not function.schedules:
        return ()
    return role_logical_id(base), *(schedule_logical_id(base, s) for s in function.schedules)


def resource_count(function: Function) -> int:
    """The resources its schedules add: each schedule, and their role."""
    return len(function.schedules) + (1 if function.schedules else 0)


def resources(function: Function, base: str, function_id: str, tag_list: list[Json]) -> Json:
    """Logical id → resource, for every schedule of ``function`` and their role."""
    if not function.schedules:
        return {}
    target = {"Fn::GetAtt": [function_id, "Arn"]}
    out: Json = {role_logical_id(base): _role(function, target, tag_list)}
    for schedule in function.schedules:
        out[schedule_logical_id(base, schedule)] = {
            "Type": SCHEDULE_TYPE,
            "Properties": {
                "Description": f"skyfn function {function.name}: {schedule.written}"[:512],
                "ScheduleExpression": schedule.expression,
                "ScheduleExpressionTimezone": schedule.timezone,
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "State": "ENABLED",
                "Target": {
                    "Arn": target,
                    "RoleArn": {"Fn::GetAtt": [role_logical_id(base), "Arn"]},
                    "Input": {"Fn::Sub": INPUT},
                },
            },
        }
    return out


def _role(function: Function, target: Json, tag_list: list[Json]) -> Json:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": f"EventBridge Scheduler invokes skyfn function {function.name}",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        # only schedules of this account (the confused deputy)
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                        },
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "skyfn-invoke-scheduled",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "lambda:InvokeFunction",
                                "Resource": target,
                            }
                        ],
                    },
                }
            ],
            "Tags": tag_list,
        },
    }


def described(resources_: Mapping[str, Any], function_id: str) -> frozenset[str]:
    """The schedules a template gives the function ``function_id``, one line each
    (``cron(0 2 * * ? *) Europe/Paris``), as ``skyfn diff`` shows them."""
    found: set[str] = set()
    for resource in resources_.values():
        if not isinstance(resource, dict) or resource.get("Type") != SCHEDULE_TYPE:
            continue
        props = resource.get("Properties", {})
        arn = props.get("Target", {}).get("Arn")
        if not (isinstance(arn, dict) and arn.get("Fn::GetAtt", [None])[0] == function_id):
            continue
        zone = props.get("ScheduleExpressionTimezone", "UTC")
        state = "" if props.get("State", "ENABLED") == "ENABLED" else f" ({props.get('State')})"
        found.add(f"{props.get('ScheduleExpression')} {zone}{state}")
    return frozenset(found)
