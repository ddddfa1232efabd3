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

from tests.support.refs_shop import make_shop
from tests.support.sandbox import Sandbox, running_sandbox


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    return make_shop(tmp_path / "shop")


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
