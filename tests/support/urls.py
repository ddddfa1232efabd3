"""Calling a sandbox's function URL as a client would: ``Host: <label>.localhost:<port>``
on 127.0.0.1, signed with the session credentials the sandbox printed when it is
``auth="iam"``."""

from __future__ import annotations

import http.client
import json
import re
import time
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from skyfn.synth.urls import label
from tests.support.sandbox import Sandbox


def started(box: Sandbox, timeout: float = 60) -> None:
    """Wait until the sandbox printed everything it prints at start (the console last)."""
    deadline = time.monotonic() + timeout
    while not any(line.startswith("console:") for line in box.out):
        if box.proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"sandbox did not start:\n{box.out}\n{box.err}")
        time.sleep(0.05)


def credentials(box: Sandbox) -> tuple[str, str]:
    started(box)
    text = "\n".join(box.out)
    return (
        re.findall(r"aws_access_key_id=(\S+)", text)[-1],
        re.findall(r"aws_secret_access_key=(\S+)", text)[-1],
    )


def url_answer(box: Sandbox, function: str, signed: bool, target: str = "/") -> Any:
    """GET the function's URL; its JSON answer (asserting a 200)."""
    host = f"{label(function)}.localhost:{box.port}"
    headers = {"Host": host}
    if signed:
        key, secret = credentials(box)
        request = AWSRequest("GET", f"http://{host}{target}", headers={"Host": host})
        SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
    connection = http.client.HTTPConnection("127.0.0.1", box.port, timeout=60)
    try:
        connection.request("GET", target, headers=headers)
        reply = connection.getresponse()
        body = reply.read()
    finally:
        connection.close()
    assert reply.status == 200, (function, reply.status, body[:500])
    return json.loads(body)
