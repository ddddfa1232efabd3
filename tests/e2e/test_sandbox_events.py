"""Finding 6 of review three: ``Event`` invocations are bounded as Lambda bounds them (1 MB
each, 413 past it), queued per function within caps (429 past them), and an ordinary call is
answered while many queued events wait. A real ``skyfn sandbox``, boto3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from skyfn.host.event_queue import MAX_QUEUED_BYTES
from skyfn.runtime.lambda_platform import MAX_ASYNC_PAYLOAD
from tests.support.projects import make_project, resource
from tests.support.sandbox import running_sandbox

# An event naming a gate waits until that file exists; any other call answers at once.
HANDLER = """\
import os, time

def handler(event, context):
    gate = event.get("gate")
    if gate:
        while not os.path.exists(gate):
            time.sleep(0.01)
        return {"ran": event["n"]}
    return {"ok": True}
"""


def payload(gate: Path, number: int, size: int) -> bytes:
    """An event of exactly ``size`` bytes."""
    base = json.dumps({"gate": str(gate), "n": number, "pad": ""})
    body = json.dumps({"gate": str(gate), "n": number, "pad": "x" * (size - len(base))})
    assert len(body) == size
    return body.encode()


def status_of(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]


def test_events_are_bounded_and_ordinary_calls_are_served_beside_them(tmp_path: Path) -> None:
    # a long timeout: a queued event ends only when the gate opens, never by timing out
    definition = resource(name="gated", timeout_seconds=900)
    project = make_project(tmp_path / "app", {"gated": definition}, {"gated": HANDLER})
    gate = tmp_path / "gate"
    with running_sandbox(project) as box:
        lam = box.client()

        def event(body: bytes) -> Any:
            return lam.invoke(FunctionName="gated", InvocationType="Event", Payload=body)

        # past Lambda's asynchronous limit: refused as Lambda refuses it (was: queued)
        too_big = payload(gate, 0, 5 * 1024 * 1024)
        assert status_of(lambda: event(too_big)) == (413, "RequestEntityTooLargeException")
        # fill the function's queue to its byte cap with the largest events Lambda takes
        accepted = []
        for number in range(MAX_QUEUED_BYTES // MAX_ASYNC_PAYLOAD):
            response = event(payload(gate, number, MAX_ASYNC_PAYLOAD))
            assert response["StatusCode"] == 202
            accepted.append(response["ResponseMetadata"]["RequestId"])
        one_more = payload(gate, 99, MAX_ASYNC_PAYLOAD)
        assert status_of(lambda: event(one_more)) == (429, "TooManyRequestsException")
        # with the queue full and its events all waiting, an ordinary call is answered
        answer = lam.invoke(FunctionName="gated", Payload=b"{}")
        assert json.loads(answer["Payload"].read()) == {"ok": True}
        assert not gate.exists()  # so no queued event has finished: it did not wait for them
        logs = box.logs()
        assert not [rid for rid in accepted if f"END RequestId: {rid}" in logs]
        gate.touch()
        for request_id in accepted:
            box.wait_for_log(f"END RequestId: {request_id}", timeout=120)
        assert event(payload(gate, 100, 10_000))["StatusCode"] == 202  # room again
