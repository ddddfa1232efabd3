"""Finding 2 of the security review: a web page cannot invoke local functions (cross-origin
requests, DNS rebinding), and with ``--auth`` only requests signed with the credentials the
sandbox printed get in. Real ``skyfn sandbox`` processes, real HTTP, boto3."""

from __future__ import annotations

import base64
import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

PATH = "/2015-03-31/functions/hello/invocations"
HANDLER = "def handler(event, context):\n    return {'hello': event.get('who', 'world')}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("access") / "app"
    make_project(root, {"hello": resource(name="hello")}, {"hello": HANDLER})
    return root


@pytest.fixture(scope="module")
def sandbox(project: Path) -> Iterator[Sandbox]:
    with running_sandbox(project) as box:
        yield box


def raw_post(box: Sandbox, headers: dict[str, str], body: bytes = b"{}") -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", box.port, timeout=30)
    try:
        connection.putrequest("POST", PATH, skip_host=True)
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        connection.close()


def client(box: Sandbox, key: str = "x", secret: str = "x") -> object:
    return boto3.client(
        "lambda",
        endpoint_url=box.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


def invoke(lambda_client: object, who: str) -> Any:
    response = lambda_client.invoke(FunctionName="hello", Payload=json.dumps({"who": who}))  # type: ignore[attr-defined]
    return json.loads(response["Payload"].read())


def test_the_sandbox_own_host_works(sandbox: Sandbox) -> None:
    status, body = raw_post(sandbox, {"Host": f"127.0.0.1:{sandbox.port}"})
    assert (status, body) == (200, {"hello": "world"})
    status, body = raw_post(sandbox, {"Host": f"localhost:{sandbox.port}"})
    assert status == 200
    assert invoke(client(sandbox), "boto3") == {"hello": "boto3"}  # any credentials: no auth


def test_a_foreign_host_is_refused(sandbox: Sandbox) -> None:
    status, body = raw_post(sandbox, {"Host": f"rebound.evil.example:{sandbox.port}"})
    assert status == 403
    assert body["__type"] == "AccessDeniedException"
    assert "hello" not in body  # the function did not run


def test_a_web_page_is_refused(sandbox: Sandbox) -> None:
    host = f"127.0.0.1:{sandbox.port}"
    status, body = raw_post(sandbox, {"Host": host, "Origin": "http://evil.example"})
    assert status == 403 and body["__type"] == "AccessDeniedException"
    # the "simple" cross-origin POST a page can send without a CORS preflight
    status, body = raw_post(
        sandbox,
        {"Host": host, "Origin": "http://evil.example", "Content-Type": "text/plain"},
        b'{"who": "page"}',
    )
    assert status == 403 and "hello" not in body


def credentials(box: Sandbox) -> tuple[str, str]:
    text = "\n".join(box.out)
    key = re.search(r"aws_access_key_id=(\S+)", text)
    secret = re.search(r"aws_secret_access_key=(\S+)", text)
    assert key and secret, text
    return key.group(1), secret.group(1)


def test_auth_lets_in_only_the_printed_credentials(project: Path) -> None:
    with running_sandbox(project, "--auth") as box:
        key, secret = credentials(box)
        assert invoke(client(box, key, secret), "signed") == {"hello": "signed"}
        with pytest.raises(ClientError) as wrong:
            invoke(client(box, key, secret + "x"), "forged")
        assert wrong.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert wrong.value.response["Error"]["Code"] == "InvalidSignatureException"
        with pytest.raises(ClientError) as other:
            invoke(client(box), "anyone")
        assert other.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        status, _ = raw_post(box, {"Host": f"127.0.0.1:{box.port}"})  # unsigned (curl)
        assert status == 403


def captured_request(box: Sandbox, key: str, secret: str) -> dict[str, str]:
    """The headers of a call boto3 would send (signed by botocore's own signer), as someone
    watching the network would capture them."""
    request = AWSRequest(
        method="POST",
        url=f"{box.url}{PATH}",
        data=b"{}",
        headers={"X-Amz-Invocation-Type": "RequestResponse"},
    )
    SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
    return {"Host": f"127.0.0.1:{box.port}", **dict(request.headers.items())}


def replay(box: Sandbox, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    connection = http.client.HTTPConnection("127.0.0.1", box.port, timeout=30)
    try:
        connection.request("POST", PATH, b"{}", headers)
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), json.loads(reply.read() or b"null")
    finally:
        connection.close()


def test_auth_honours_no_x_amz_header_outside_the_signature(project: Path) -> None:
    """Finding 1 of review three: headers added to a captured signed request (logs, a forged
    client context, another invocation type) are refused, not honoured."""
    with running_sandbox(project, "--auth") as box:
        key, secret = credentials(box)
        captured = captured_request(box, key, secret)
        status, headers, body = replay(box, captured)
        assert (status, body) == (200, {"hello": "world"})
        for name, value in (
            ("X-Amz-Log-Type", "Tail"),
            ("X-Amz-Client-Context", base64.b64encode(b'{"custom": {"who": "forged"}}').decode()),
        ):
            status, headers, body = replay(box, {**captured, name: value})
            assert status == 403, (name, body)
            assert body["__type"] == "InvalidSignatureException"
            assert name.lower() in body["Message"]
            assert "X-Amz-Log-Result" not in headers
        # boto3's own calls sign what they send, Tail included
        response = client(box, key, secret).invoke(FunctionName="hello", LogType="Tail")  # type: ignore[attr-defined]
        assert "START RequestId" in base64.b64decode(response["LogResult"]).decode()


def test_ipv6_loopback_works_without_a_warning(project: Path) -> None:
    with running_sandbox(project, "--host", "::1") as box:
        assert box.url.startswith("http://[::1]:")
        assert invoke(client(box), "six") == {"hello": "six"}
        assert not any("reachable from other machines" in line for line in box.out)


def test_localhost_is_loopback_no_warning_no_auth(project: Path) -> None:
    with running_sandbox(project, "--host", "localhost") as box:
        assert not any(
            "reachable from other" in line or "authentication" in line for line in box.out
        )
        assert invoke(client(box), "local") == {"hello": "local"}
