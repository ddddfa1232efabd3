"""Findings 9 and 1 of review three: off loopback the sandbox (the Invoke API and the console
on one port) speaks only HTTPS, with the certificate the user gives, or does not start.
Real ``skyfn sandbox`` processes, a self-signed certificate made with ``cryptography``,
boto3 over https."""

from __future__ import annotations

import http.client
import json
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError

from tests.support.certificates import self_signed
from tests.support.cli import run_skyfn
from tests.support.console import console_url
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

HANDLER = "def handler(event, context):\n    return {'hello': event.get('who', 'world')}\n"
OFF_LOOPBACK = "0.0.0.0"  # every address: reachable from other machines


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tls") / "app"
    make_project(root, {"hello": resource(name="hello")}, {"hello": HANDLER})
    return root


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("certs"), ("127.0.0.1", OFF_LOOPBACK))


@pytest.fixture(scope="module")
def lan(project: Path, certificate: tuple[Path, Path]) -> Iterator[Sandbox]:
    cert, key = certificate
    args = ("--host", OFF_LOOPBACK, "--tls-cert", str(cert), "--tls-key", str(key))
    with running_sandbox(project, *args) as box:
        yield box


def credentials(box: Sandbox) -> tuple[str, str]:
    text = "\n".join(box.out)
    key = re.search(r"aws_access_key_id=(\S+)", text)
    secret = re.search(r"aws_secret_access_key=(\S+)", text)
    assert key and secret, text
    return key.group(1), secret.group(1)


def local_url(box: Sandbox) -> str:
    """The sandbox's URL as a client on this machine calls it."""
    return f"https://127.0.0.1:{box.port}"


def lambda_client(box: Sandbox, verify: Any = None) -> Any:
    key, secret = credentials(box)
    return boto3.client(
        "lambda",
        endpoint_url=local_url(box),
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        verify=verify,
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


def invoke(client: Any, who: str) -> Any:
    return json.loads(
        client.invoke(FunctionName="hello", Payload=json.dumps({"who": who}))["Payload"].read()
    )


def test_off_loopback_without_a_certificate_the_sandbox_refuses_to_start(project: Path) -> None:
    result = run_skyfn("sandbox", "--port", "0", "--host", OFF_LOOPBACK, cwd=project, timeout=60)
    assert result.code != 0
    assert "--tls-cert" in result.err and "not a loopback address" in result.err
    assert "Traceback" not in result.err and "listening" not in result.out


def test_off_loopback_boto3_calls_over_https_trusting_the_certificate(
    lan: Sandbox, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, _ = certificate
    assert lan.url.startswith("https://")
    assert f"verify='{cert}'" in "\n".join(lan.out)  # the printed boto3 line says how
    assert invoke(lambda_client(lan, verify=str(cert)), "verify") == {"hello": "verify"}
    monkeypatch.setenv("AWS_CA_BUNDLE", str(cert))
    assert invoke(lambda_client(lan), "bundle") == {"hello": "bundle"}


def test_a_client_that_does_not_trust_the_certificate_is_not_served(lan: Sandbox) -> None:
    with pytest.raises(SSLError):
        invoke(lambda_client(lan, verify=True), "untrusting")  # the system's trust store


def test_plain_http_to_the_https_port_is_told_to_use_https(lan: Sandbox) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", lan.port, timeout=30)
    try:
        connection.request("POST", "/2015-03-31/functions/hello/invocations", b"{}")
        reply = connection.getresponse()
        body = json.loads(reply.read())
    finally:
        connection.close()
    assert reply.status == 400
    assert "HTTPS only" in body["Message"] and "hello" not in body


def test_the_console_is_served_over_https_too(lan: Sandbox, certificate: tuple[Path, Path]) -> None:
    url = console_url(lan)
    assert url.startswith("https://")
    context = ssl.create_default_context(cafile=str(certificate[0]))
    connection = http.client.HTTPSConnection("127.0.0.1", lan.port, timeout=30, context=context)
    parts = urlsplit(url)
    try:
        connection.request(
            "GET", f"{parts.path}?{parts.query}", headers={"Host": f"127.0.0.1:{lan.port}"}
        )
        reply = connection.getresponse()
        reply.read()
    finally:
        connection.close()
    assert reply.status == 303 and reply.getheader("Set-Cookie", "").endswith("; Secure")


def test_loopback_may_use_tls_too(project: Path, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    with running_sandbox(project, "--tls-cert", str(cert), "--tls-key", str(key)) as box:
        assert box.url.startswith("https://127.0.0.1:")
        client = boto3.client(
            "lambda",
            endpoint_url=box.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            verify=str(cert),
            config=Config(retries={"max_attempts": 1}),
        )
        assert invoke(client, "loopback") == {"hello": "loopback"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--tls-cert", "cert.pem"), "--tls-cert needs --tls-key too"),
        (("--tls-key", "key.pem"), "--tls-key needs --tls-cert too"),
        (("--tls-cert", "missing.pem", "--tls-key", "missing.pem"), "no such file"),
        (("--tls-cert", "pyproject.toml", "--tls-key", "pyproject.toml"), "not a PEM certificate"),
    ],
)
def test_bad_tls_options_are_one_clear_line(
    project: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run_skyfn("sandbox", "--port", "0", *args, cwd=project, timeout=60)
    assert result.code != 0
    assert expected in result.err, result.err
    assert "Traceback" not in result.err
