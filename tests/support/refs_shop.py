"""A shop whose functions call each other through boto3 (``function_ref``): orders
references mailer, mailer references orders (by name), report is referenced by none."""

from __future__ import annotations

from pathlib import Path

from tests.support.projects import make_project

ORDERS = """\
from skyfn import define_function, function_ref
from functions.mailer.resource import fn as mailer
fn = define_function(
    name="orders", timeout_seconds=120, environment={"MAILER": function_ref(mailer)}
)
"""
MAILER = """\
from skyfn import define_function, function_ref
fn = define_function(
    name="mailer", timeout_seconds=120, environment={"ORDERS": function_ref("orders")}
)
"""
REPORT = """\
from skyfn import define_function
fn = define_function(name="report")
"""
# The same code would run deployed: nothing here names an endpoint or credentials.
# (max_attempts=1: a 429 is not retried, so the cycle ends quickly; boto3's default
# retries would only delay the same answer.)
CALLER = """\
import json
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from skyfn_env.{module} import env

lam = boto3.client("lambda", config=Config(retries={{"max_attempts": 1}}, read_timeout=300))


def call(name, payload, kind="RequestResponse"):
    try:
        answer = lam.invoke(FunctionName=name, InvocationType=kind, Payload=json.dumps(payload))
    except ClientError as exc:
        return {{"error": exc.response["Error"]["Code"],
                "status": exc.response["ResponseMetadata"]["HTTPStatusCode"],
                "message": exc.response["Error"]["Message"]}}
    body = answer["Payload"].read()
    return {{"status": answer["StatusCode"], "payload": json.loads(body) if body else None,
            "function_error": answer.get("FunctionError")}}


def handler(event, context):
{body}
"""
ORDERS_BODY = """\
    mode = event["mode"]
    if mode == "sync":
        return call(env.MAILER, {"to": "alice"})
    if mode == "event":
        return call(env.MAILER, {"to": "bob", "mark": event["mark"]}, "Event")
    if mode == "dryrun":
        return call(env.MAILER, {}, "DryRun")
    if mode == "unreferenced":
        return call("report", {})
    if mode == "cycle":
        return call(env.MAILER, {"bounce": True})
"""
MAILER_BODY = """\
    if event.get("bounce"):
        return call(env.ORDERS, {"mode": "cycle"})
    if "mark" in event:
        with open(event["mark"], "w") as out:
            out.write(event["to"])
    return {"sent": event.get("to")}
"""


def make_shop(root: Path) -> Path:
    return make_project(
        root,
        {"mailer": MAILER, "orders": ORDERS, "report": REPORT},
        handlers={
            "orders": CALLER.format(module="orders", body=ORDERS_BODY),
            "mailer": CALLER.format(module="mailer", body=MAILER_BODY),
        },
    )
