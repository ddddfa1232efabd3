"""The runtime's SigV4 signer produces exactly botocore's signature for the same inputs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from skyfn.runtime.sigv4 import Credentials, amz_date, sign

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7)
HEADERS = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameters"}


def botocore_headers(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    body: bytes,
    credentials: Credentials,
    region: str,
) -> dict[str, str]:
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: WHEN)
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(HEADERS))
    boto = BotoCredentials(credentials.access_key, credentials.secret_key, credentials.token)
    SigV4Auth(boto, "ssm", region).add_auth(request)
    return dict(request.headers.items())


def ours(host: str, body: bytes, credentials: Credentials, region: str) -> dict[str, str]:
    return sign(
        method="POST",
        host=host,
        path="/",
        headers=HEADERS,
        body=body,
        credentials=credentials,
        region=region,
        service="ssm",
        timestamp=WHEN.strftime("%Y%m%dT%H%M%SZ"),
    )


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://ssm.eu-west-1.amazonaws.com/", "ssm.eu-west-1.amazonaws.com"),
        ("http://127.0.0.1:5123/", "127.0.0.1:5123"),
    ],
)
@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEBYaDH//session+token=="])
def test_signature_equals_botocores(
    monkeypatch: pytest.MonkeyPatch, url: str, host: str, token: str | None
) -> None:
    body = json.dumps({"Names": ["/skyfn/app/shared/A", "/skyfn/app/shared/B"]}).encode()
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    expected = botocore_headers(monkeypatch, url, body, credentials, "eu-west-1")
    got = ours(host, body, credentials, "eu-west-1")
    assert got["Authorization"] == expected["Authorization"]
    assert got["X-Amz-Date"] == expected["X-Amz-Date"]
    assert got.get("X-Amz-Security-Token") == expected.get("X-Amz-Security-Token")


@settings(max_examples=40, deadline=None)
@given(
    secret_key=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1),
    region=st.sampled_from(["us-east-1", "ap-southeast-2", "eu-central-1"]),
    names=st.lists(st.from_regex(r"/[A-Za-z0-9_.-]{1,20}", fullmatch=True), max_size=10),
)
def test_signature_equals_botocores_for_any_body_and_key(
    secret_key: str, region: str, names: list[str]
) -> None:
    body = json.dumps({"Names": names, "WithDecryption": True}).encode()
    credentials = Credentials("AKIDEXAMPLE", secret_key, "token")
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = botocore_headers(
            monkeypatch, f"https://ssm.{region}.amazonaws.com/", body, credentials, region
        )
    got = ours(f"ssm.{region}.amazonaws.com", body, credentials, region)
    assert got["Authorization"] == expected["Authorization"]


def test_amz_date_is_utc() -> None:
    assert amz_date(0) == "19700101T000000Z"
