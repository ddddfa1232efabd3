"""Who may call the Invoke API (``skyfn.host.access``): the Host allow-list, the Origin
check and SigV4 verification, with requests signed by botocore's own signer."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from skyfn.host import addresses
from skyfn.host.access import AccessPolicy, Refused, SessionCredentials, split_host
from skyfn.host.gateway import LocalGateway, header_fields

PORT = 3001
PATH = "/2015-03-31/functions/say-hello/invocations"
LOOPBACK = AccessPolicy.for_address("127.0.0.1")


def check(policy: AccessPolicy, headers: dict[str, str], target: str = PATH) -> None:
    policy.check("POST", target, header_fields(headers.items()), b"{}", PORT)


@pytest.mark.parametrize(
    "host", ["127.0.0.1:3001", "localhost:3001", "LOCALHOST:3001", "[::1]:3001", "localhost.:3001"]
)
def test_the_sandbox_own_names_pass(host: str) -> None:
    check(LOOPBACK, {"Host": host})


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:3001",
        "evil.example",
        "127.0.0.1:80",
        "127.0.0.1",
        "localhost:3002",
        "",
        "[::1",
    ],
)
def test_foreign_hosts_are_refused(host: str) -> None:
    with pytest.raises(Refused) as refused:
        check(LOOPBACK, {"Host": host})
    assert refused.value.kind == "AccessDeniedException"
    assert "--allowed-host" in refused.value.message


def test_allowed_host_and_the_given_address_pass() -> None:
    policy = AccessPolicy.for_address("127.0.0.2", allowed=["devbox.internal"])
    assert policy.credentials is None
    check(policy, {"Host": "devbox.internal:3001"})
    check(policy, {"Host": "127.0.0.2:3001"})


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "127.0.0.1:3001", "Origin": "http://evil.example"},
        {"Host": "127.0.0.1:3001", "Origin": "null"},
        {"Host": "127.0.0.1:3001", "Origin": "http://localhost:3001"},  # another origin
        {"Host": "127.0.0.1:3001", "Sec-Fetch-Site": "cross-site"},
    ],
)
def test_web_pages_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(Refused, match=r"web pages|other sites"):
        check(LOOPBACK, headers)


def test_the_sandbox_own_origin_passes() -> None:
    check(LOOPBACK, {"Host": "127.0.0.1:3001", "Origin": "http://127.0.0.1:3001"})
    check(LOOPBACK, {"Host": "127.0.0.1:3001", "Origin": "https://127.0.0.1:3001"})  # TLS


def test_split_host() -> None:
    assert split_host("[::1]:3001") == ("[::1]", 3001)
    assert split_host("localhost") == ("localhost", 80)
    assert split_host("a:b") == ("a", None)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
        ("example.com", False),
    ],
)
def test_loopback_addresses(address: str, loopback: bool) -> None:
    assert addresses.is_loopback(address) is loopback
    assert (AccessPolicy.for_address(address).credentials is None) is loopback


# -- signatures --------------------------------------------------------------------------------

AUTH = AccessPolicy.for_address("0.0.0.0")


def signed(
    secret: str | None = None,
    key: str | None = None,
    host: str = "192.168.1.20:3001",
    target: str = PATH,
    body: bytes = b"{}",
    when: dt.datetime | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> dict[str, str]:
    assert AUTH.credentials is not None
    creds = Credentials(key or AUTH.credentials.access_key, secret or AUTH.credentials.secret_key)
    request = AWSRequest(
        method="POST",
        url=f"http://{host}{target}",
        data=body,
        headers={"Content-Type": "application/json", "X-Amz-Invocation-Type": "RequestResponse"},
    )
    if when is not None and monkeypatch is not None:
        monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: when)
    SigV4Auth(creds, "lambda", "eu-west-1").add_auth(request)
    return {"Host": host, **dict(request.headers.items())}


def verify(headers: dict[str, str], target: str = PATH, body: bytes = b"{}") -> None:
    AUTH.check("POST", target, header_fields(headers.items()), body, PORT)


def test_a_request_signed_with_the_session_credentials_passes_under_any_host() -> None:
    verify(signed())
    verify(signed(host="host.docker.internal:3001"))


def test_qualified_and_arn_targets_verify() -> None:
    arn = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ax/invocations"
    verify(signed(target=arn), target=arn)
    qualified = PATH + "?Qualifier=%24LATEST"
    verify(signed(target=qualified), target=qualified)


@pytest.mark.parametrize(
    ("secret", "key", "kind"),
    [
        ("wrong-secret", None, "InvalidSignatureException"),
        (None, "AKIAOTHERKEY00000000", "UnrecognizedClientException"),
    ],
)
def test_wrong_credentials_are_refused(secret: str | None, key: str | None, kind: str) -> None:
    with pytest.raises(Refused) as refused:
        verify(signed(secret=secret, key=key))
    assert refused.value.kind == kind


def test_unsigned_requests_are_refused_even_from_loopback_names() -> None:
    with pytest.raises(Refused) as refused:
        verify({"Host": "127.0.0.1:3001"})
    assert refused.value.kind == "MissingAuthenticationTokenException"


def test_a_changed_body_or_target_is_refused() -> None:
    headers = signed(body=b'{"amount": 1}')
    with pytest.raises(Refused, match="does not match"):
        verify(headers, body=b'{"amount": 1000}')
    with pytest.raises(Refused, match="does not match"):
        verify(signed(), target=PATH.replace("say-hello", "other"))


def test_an_old_signature_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    old = dt.datetime.fromtimestamp(time.time() - 16 * 60, dt.UTC).replace(tzinfo=None)
    with pytest.raises(Refused, match="15 minutes"):
        verify(signed(when=old, monkeypatch=monkeypatch))


def test_a_signed_request_from_a_web_page_is_still_refused() -> None:
    headers = {**signed(), "Origin": "http://evil.example"}
    with pytest.raises(Refused, match="web pages"):
        verify(headers)


def test_session_credentials_are_random() -> None:
    one, two = SessionCredentials.generate(), SessionCredentials.generate()
    assert one != two
    assert len(one.access_key) == 20 and len(one.secret_key) >= 40


class _NoFunctions:
    options = None

    def pool(self, name: str) -> None:
        raise AssertionError("a refused request must not reach a function")


def test_the_gateway_answers_refusals_with_403_in_the_api_error_shape() -> None:
    gateway = LocalGateway(_NoFunctions(), LOOPBACK, PORT)  # type: ignore[arg-type]
    response = gateway.handle_request("POST", PATH, {"Host": "evil.example:3001"}, b"{}")
    assert response.status == 403
    body = json.loads(response.body)
    assert body["__type"] == "AccessDeniedException" and body["Type"] == "User"
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def signed_with(extra: dict[str, str]) -> dict[str, str]:
    """A request botocore signed with ``extra`` among its headers."""
    assert AUTH.credentials is not None
    creds = Credentials(AUTH.credentials.access_key, AUTH.credentials.secret_key)
    host = "192.168.1.20:3001"
    request = AWSRequest(method="POST", url=f"http://{host}{PATH}", data=b"{}", headers=extra)
    SigV4Auth(creds, "lambda", "eu-west-1").add_auth(request)
    return {"Host": host, **dict(request.headers.items())}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Amz-Log-Type", "Tail"),  # would return the function's logs
        ("X-Amz-Client-Context", "eyJjdXN0b20iOiB7fX0="),  # would forge the context
        ("X-Amz-Invocation-Type", "Event"),  # would change the call
        ("x-amz-anything-new", "1"),
    ],
)
def test_an_x_amz_header_added_to_a_signed_request_is_refused(name: str, value: str) -> None:
    captured = signed_with({"Content-Type": "application/json"})
    verify(captured)  # as sent: fine
    with pytest.raises(Refused) as refused:
        verify({**captured, name: value})
    assert refused.value.kind == "InvalidSignatureException"
    assert name.lower() in refused.value.message and "SignedHeaders" in refused.value.message


def test_signed_x_amz_headers_pass() -> None:
    verify(signed_with({"X-Amz-Log-Type": "Tail", "X-Amz-Client-Context": "e30="}))


def test_unsigned_headers_of_other_names_do_not_matter() -> None:
    verify({**signed_with({}), "User-Agent": "curl/8", "X-Amzn-Trace-Id": "Root=1-2-3"})
