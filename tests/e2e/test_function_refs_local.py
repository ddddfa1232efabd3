"""A function calls another through boto3, locally, with the code it runs deployed: a real
``skyfn sandbox`` hands each worker AWS_ENDPOINT_URL_LAMBDA (a per-worker token in its
path), so ``boto3.client("lambda").invoke(FunctionName=env.MAILER, ...)`` reaches the local
mailer synchronously, as an event and as a dry run; a call to a function it does not
reference is refused (AccessDeniedException, as the missing grant on AWS); a cycle past the
pools' capacity (orders calls mailer calls orders ...) is answered 429, never a hang."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.support.projects import make_project
from tests.support.sandbox import Sandbox, running_sandbox

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


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "shop",
        {"mailer": MAILER, "orders": ORDERS, "report": REPORT},
        handlers={
            "orders": CALLER.format(module="orders", body=ORDERS_BODY),
            "mailer": CALLER.format(module="mailer", body=MAILER_BODY),
        },
    )
    return root


def invoke(client: Any, name: str, event: dict[str, Any]) -> Any:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event))
    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, result
    return result


def wait_for_file(path: Path, box: Sandbox) -> str:
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never written:\n{box.logs()}")
        time.sleep(0.05)
    return path.read_text()


def test_functions_call_each_other_through_boto3(shop: Path, tmp_path: Path) -> None:
    with running_sandbox(shop) as box:
        client = box.client()
        assert invoke(client, "orders", {"mode": "sync"}) == {
            "status": 200,
            "payload": {"sent": "alice"},
            "function_error": None,
        }
        mark = tmp_path / "mark.txt"
        sent = invoke(client, "orders", {"mode": "event", "mark": str(mark)})
        assert sent == {"status": 202, "payload": None, "function_error": None}
        assert wait_for_file(mark, box) == "bob"
        assert invoke(client, "orders", {"mode": "dryrun"})["status"] == 204
        refused = invoke(client, "orders", {"mode": "unreferenced"})
        assert (refused["status"], refused["error"]) == (403, "AccessDeniedException")
        assert "lambda:InvokeFunction" in refused["message"]
        assert "function_ref('report')" in refused["message"]
        # orders -> mailer -> orders -> ... until every instance is busy: the last call
        # gets 429, each function returns what it got, and nothing hangs
        result = invoke(client, "orders", {"mode": "cycle"})
        depth = 0
        while "payload" in result:
            result = result["payload"]
            depth += 1
        assert result["error"] == "TooManyRequestsException", result
        assert result["status"] == 429
        assert depth >= 4  # it went round the cycle before the pools were full


def test_a_worker_cannot_be_reached_without_its_token_and_auth_does_not_block_it(
    shop: Path,
) -> None:
    with running_sandbox(shop, "--auth") as box:
        text = "\n".join(box.out)
        key = re.search(r"aws_access_key_id=(\S+)", text)
        secret = re.search(r"aws_secret_access_key=(\S+)", text)
        assert key and secret, text
        client = boto3.client(
            "lambda",
            endpoint_url=box.url,
            region_name="us-east-1",
            aws_access_key_id=key.group(1),
            aws_secret_access_key=secret.group(1),
            config=Config(retries={"max_attempts": 1}, read_timeout=120),
        )
        # the call inside orders is unsigned by the session's keys: its token lets it in
        assert invoke(client, "orders", {"mode": "sync"})["payload"] == {"sent": "alice"}
        # what the sandbox's own port answers for the worker's path: not a way in
        anyone = boto3.client(
            "lambda",
            endpoint_url=box.url + "/guess",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}),
        )
        with pytest.raises(anyone.exceptions.ClientError) as refused:
            anyone.invoke(FunctionName="mailer", Payload=b"{}")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
