"""Function URLs in the sandbox (issue 24): requests sent to 127.0.0.1 with the URL's
``Host`` become payload format 2.0 events exactly as AWS documents them (compared field by
field, and parsed by Powertools' ``LambdaFunctionUrlEvent``); handler returns become answers
by the documented response rules; CORS preflights are answered by the URL layer; other
origins are refused; ``auth="iam"`` needs the session's SigV4 signature. A real
``skyfn sandbox`` process, real HTTP."""

from __future__ import annotations

import base64
import calendar
import http.client
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support.projects import make_project
from tests.support.sandbox import Sandbox, running_sandbox

HEAD = "from skyfn import Cors, FunctionUrl, define_function\n"
RESOURCES = {
    "echo": HEAD + 'fn = define_function(name="echo", url=FunctionUrl(auth="none", cors=Cors('
    'allow_origins=["https://shop.example.com"], allow_methods=["GET", "POST"], '
    'allow_headers=["content-type", "x-token"], max_age=600)))\n',
    "reply": HEAD + 'fn = define_function(name="Reply_Fn", url=FunctionUrl(auth="none"))\n',
    "private": HEAD + 'fn = define_function(name="private", url=True)\n',
    "plain": HEAD + 'fn = define_function(name="plain")\n',
}
ECHO = "import json\ndef handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}\n"
# returns what the request's JSON body says to return (or raises)
REPLY = (
    "import json\n"
    "def handler(event, context):\n"
    "    wanted = json.loads(event['body'])\n"
    "    if wanted == 'raise':\n"
    "        raise ValueError('no')\n"
    "    if wanted == 'huge':\n"
    "        return 'x' * 7_000_000\n"
    "    return wanted['return']\n"
)
HANDLERS = {"echo": ECHO, "reply": REPLY, "private": ECHO, "plain": ECHO}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = tmp_path_factory.mktemp("urls") / "app"
    make_project(root, RESOURCES, HANDLERS)
    with running_sandbox(root) as box:
        while not any(line.startswith("console:") for line in box.out):
            assert box.proc.poll() is None, box.err
            time.sleep(0.05)
        yield box


def send(
    box: Sandbox,
    label: str,
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    host: str | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", box.port, timeout=60)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or f"{label}.localhost:{box.port}")
        for key, value in headers or []:
            connection.putheader(key, value)
        if body or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        reply = connection.getresponse()
        return reply.status, reply.headers, reply.read()
    finally:
        connection.close()


def echoed(box: Sandbox, *args: Any, **kwargs: Any) -> dict[str, Any]:
    status, _, body = send(box, "echo", *args, **kwargs)
    assert status == 200, body
    event = json.loads(body)
    assert isinstance(event, dict)
    return event


# (method, target, headers, body) -> the fields AWS documents for it; "absent": left out
CORPUS: list[tuple[str, str, list[tuple[str, str]], bytes, dict[str, Any]]] = [
    (
        "GET",
        "/",
        [("User-Agent", "curl/8.0")],
        b"",
        {
            "rawPath": "/",
            "rawQueryString": "",
            "cookies": "absent",
            "queryStringParameters": "absent",
            "body": "absent",
            "isBase64Encoded": False,
            "headers": {"user-agent": "curl/8.0"},
            "http": {"method": "GET", "path": "/", "userAgent": "curl/8.0"},
        },
    ),
    (
        "GET",
        "/orders/42?status=open&tag=a&tag=b&empty=",
        [("X-Multi", "one"), ("x-multi", "two"), ("Accept", "application/json")],
        b"",
        {
            "rawPath": "/orders/42",
            "rawQueryString": "status=open&tag=a&tag=b&empty=",
            "queryStringParameters": {"status": "open", "tag": "a,b", "empty": ""},
            "headers": {"x-multi": "one,two", "accept": "application/json"},
            "body": "absent",
        },
    ),
    (
        "POST",
        "/orders",
        [("Content-Type", "application/json"), ("Cookie", "session=abc; theme=dark")],
        b'{"item": "caf\xc3\xa9", "qty": 2}',
        {
            "rawPath": "/orders",
            "cookies": ["session=abc", "theme=dark"],
            "body": '{"item": "café", "qty": 2}',
            "isBase64Encoded": False,
            "headers": {"content-type": "application/json"},
            "no_headers": ["cookie"],
            "http": {"method": "POST"},
        },
    ),
    (
        "PUT",
        "/upload/photo.png",
        [("Content-Type", "image/png")],
        bytes(range(256)),
        {
            "rawPath": "/upload/photo.png",
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
            "http": {"method": "PUT"},
        },
    ),
    (
        "POST",
        "/caf%C3%A9/%E2%9C%93?q=%C3%BC%20x",
        [("Content-Type", "text/plain; charset=utf-8")],
        "grüße ✓".encode(),
        {
            "rawPath": "/caf%C3%A9/%E2%9C%93",
            "rawQueryString": "q=%C3%BC%20x",
            "queryStringParameters": {"q": "ü x"},
            "body": "grüße ✓",
            "isBase64Encoded": False,
        },
    ),
    (
        "DELETE",
        "/orders/7",
        [],
        b"",
        {"rawPath": "/orders/7", "http": {"method": "DELETE"}, "body": "absent"},
    ),
    (
        "PATCH",
        "/orders/7",
        [("Content-Type", "application/octet-stream")],
        b"\xff\xfe\x00binary",
        {"body": base64.b64encode(b"\xff\xfe\x00binary").decode(), "isBase64Encoded": True},
    ),
]

TIME = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")


@pytest.mark.parametrize(("method", "target", "headers", "body", "expected"), CORPUS)
def test_each_request_becomes_the_documented_event(
    sandbox: Sandbox,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    expected: dict[str, Any],
) -> None:
    event = echoed(sandbox, method, target, headers, body)
    host = f"echo.localhost:{sandbox.port}"
    # the documented top level, nothing else
    allowed = {
        "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
        "queryStringParameters", "requestContext", "body", "isBase64Encoded",
    }  # fmt: skip
    assert set(event) <= allowed
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    for key in ("rawPath", "rawQueryString", "cookies", "queryStringParameters", "body"):
        if key in expected:
            if expected[key] == "absent":
                assert key not in event, key
            else:
                assert event[key] == expected[key], key
    if "isBase64Encoded" in expected:
        assert event["isBase64Encoded"] is expected["isBase64Encoded"]
    assert event["headers"]["host"] == host
    for key, value in expected.get("headers", {}).items():
        assert event["headers"][key] == value
    assert all(k == k.lower() for k in event["headers"])
    for key in expected.get("no_headers", []):
        assert key not in event["headers"]
    context = event["requestContext"]
    assert set(context) == {
        "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey",
        "stage", "time", "timeEpoch",
    }  # fmt: skip
    assert context["accountId"] == "anonymous"  # auth="none", as AWS
    assert context["domainName"] == "echo.localhost"
    assert context["domainPrefix"] == context["apiId"] == "echo"
    assert context["routeKey"] == context["stage"] == "$default"
    assert TIME.match(context["time"])
    seconds = calendar.timegm(time.strptime(context["time"], "%d/%b/%Y:%H:%M:%S +0000"))
    assert seconds == context["timeEpoch"] // 1000
    assert re.fullmatch(r"[0-9a-f-]{36}", context["requestId"])
    http_ = context["http"]
    assert http_["protocol"] == "HTTP/1.1"
    assert http_["sourceIp"] == "127.0.0.1"
    assert http_["path"] == event["rawPath"]
    assert http_["method"] == method
    for key, value in expected.get("http", {}).items():
        assert http_[key] == value
    # Powertools reads it as a function URL event
    parsed = LambdaFunctionUrlEvent(event)
    assert parsed.raw_path == event["rawPath"]
    assert parsed.request_context.http.method == method
    assert parsed.request_context.domain_name == "echo.localhost"
    assert parsed.request_context.time_epoch == context["timeEpoch"]
    assert parsed.is_base64_encoded == event["isBase64Encoded"]
    assert (parsed.cookies or None) == event.get("cookies")
    if body and parsed.is_base64_encoded:  # Powertools' decoded_body assumes UTF-8 text
        assert base64.b64decode(parsed.body or "") == body
    elif body:
        assert (parsed.decoded_body or "").encode() == body
    for key, value in (event.get("queryStringParameters") or {}).items():
        assert parsed.get_query_string_value(key) == value


# handler return -> (status, content type, body, extra headers, Set-Cookie values)
RETURNS: list[tuple[Any, int, str | None, bytes, dict[str, str], list[str]]] = [
    ({"hello": "world"}, 200, "application/json", b'{"hello": "world"}', {}, []),
    ("Hello (world)", 200, "application/json", b'"Hello (world)"', {}, []),
    (42, 200, "application/json", b"42", {}, []),
    ([1, "a"], 200, "application/json", b'[1, "a"]', {}, []),
    (None, 200, "application/json", b"null", {}, []),
    (
        {
            "statusCode": 201,
            "headers": {"content-type": "text/plain", "x-custom": "yes"},
            "body": "created",
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        },
        201,
        "text/plain",
        b"created",
        {"x-custom": "yes"},
        ["a=1; Path=/", "b=2; HttpOnly"],
    ),
    (
        {
            "statusCode": 200,
            "headers": {"content-type": "image/png"},
            "body": base64.b64encode(b"\x89PNG\x00\xff").decode(),
            "isBase64Encoded": True,
        },
        200,
        "image/png",
        b"\x89PNG\x00\xff",
        {},
        [],
    ),
    ({"statusCode": 404}, 404, None, b"", {}, []),
    ({"statusCode": 302, "headers": {"Location": "/x"}}, 302, None, b"", {"location": "/x"}, []),
]


@pytest.mark.parametrize(("value", "status", "kind", "body", "headers", "cookies"), RETURNS)
def test_each_return_is_answered_by_the_documented_rules(
    sandbox: Sandbox,
    value: Any,
    status: int,
    kind: str | None,
    body: bytes,
    headers: dict[str, str],
    cookies: list[str],
) -> None:
    payload = json.dumps({"return": value}).encode()
    got_status, got_headers, got_body = send(
        sandbox, "reply-fn", "POST", "/", [("Content-Type", "application/json")], payload
    )
    assert got_status == status
    if kind is not None:
        assert got_headers["content-type"] == kind
    assert got_body == body
    for key, item in headers.items():
        assert got_headers[key] == item
    assert (got_headers.get_all("set-cookie") or []) == cookies


def test_a_function_error_is_a_502_and_an_oversized_answer_too(sandbox: Sandbox) -> None:
    label = "reply-fn"
    json_type = [("Content-Type", "application/json")]
    status, _, _ = send(sandbox, label, "POST", "/", json_type, b'"raise"')
    assert status == 502
    status, _, _ = send(sandbox, label, "POST", "/", json_type, b'"huge"')
    assert status == 502  # over Lambda's 6 MB response payload


def test_a_preflight_is_answered_from_cors_never_by_the_function(sandbox: Sandbox) -> None:
    status, headers, body = send(
        sandbox,
        "echo",
        "OPTIONS",
        "/orders",
        [
            ("Origin", "https://shop.example.com"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ],
    )
    assert status == 200
    assert body == b""  # the echo function would have answered its event
    assert headers["access-control-allow-origin"] == "https://shop.example.com"
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-allow-headers"] == "content-type,x-token"
    assert headers["access-control-max-age"] == "600"
    # an allowed cross-origin request reaches the function and carries the CORS answer
    status, headers, _ = send(sandbox, "echo", "GET", "/", [("Origin", "https://shop.example.com")])
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://shop.example.com"


def test_another_origin_is_refused_before_the_function_runs(sandbox: Sandbox) -> None:
    for origin in ("https://evil.example", f"http://reply-fn.localhost:{sandbox.port}"):
        status, _, body = send(sandbox, "echo", "POST", "/", [("Origin", origin)], b"{}")
        assert status == 403, body
        assert b"Origin" in body
    # a URL without CORS: only its own origin
    own = f"http://reply-fn.localhost:{sandbox.port}"
    status, _, _ = send(
        sandbox,
        "reply-fn",
        "POST",
        "/",
        [("Origin", own), ("Content-Type", "application/json")],
        b'{"return": 1}',
    )
    assert status == 200
    status, _, _ = send(sandbox, "reply-fn", "GET", "/", [("Sec-Fetch-Site", "cross-site")])
    assert status == 403


def credentials_of(box: Sandbox) -> tuple[str, str]:
    text = "\n".join(box.out)
    key = re.findall(r"aws_access_key_id=(\S+)", text)[-1]
    secret = re.findall(r"aws_secret_access_key=(\S+)", text)[-1]
    return key, secret


def signed(box: Sandbox, key: str, secret: str, target: str) -> list[tuple[str, str]]:
    host = f"private.localhost:{box.port}"
    request = AWSRequest("GET", f"http://{host}{target}", headers={"Host": host})
    SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
    return [(k, v) for k, v in request.headers.items() if k.lower() != "host"]


def test_an_iam_url_needs_the_session_signature(sandbox: Sandbox) -> None:
    status, _, body = send(sandbox, "private", "GET", "/")
    assert status == 403 and b"signed" in body
    key, secret = credentials_of(sandbox)
    status, _, body = send(sandbox, "private", "GET", "/", signed(sandbox, "AKIAOTHER", "x", "/"))
    assert status == 403
    status, _, body = send(
        sandbox, "private", "GET", "/?a=1", signed(sandbox, key, secret, "/?a=1")
    )
    assert status == 200, body
    event = json.loads(body)
    iam = event["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == key
    assert event["requestContext"]["accountId"] == "000000000000"
    assert LambdaFunctionUrlEvent(event).request_context.authorizer.iam.access_key == key


def test_urls_are_printed_and_unknown_labels_never_reach_the_invoke_api(sandbox: Sandbox) -> None:
    out = "\n".join(sandbox.out)
    assert f"http://echo.localhost:{sandbox.port}/" in out
    assert f"http://reply-fn.localhost:{sandbox.port}/" in out
    assert "plain.localhost" not in out
    # a *.localhost Host is the URL layer's, even on the Invoke API's path
    invoke = "/2015-03-31/functions/plain/invocations"
    status, _, _ = send(sandbox, "plain", "POST", invoke, body=b"{}")
    assert status == 404
    status, _, body = send(sandbox, "echo", "POST", invoke, body=b"{}")
    assert status == 200 and json.loads(body)["rawPath"] == invoke  # the function, not the API
    status, _, _ = send(sandbox, "echo", "GET", "/_console/")
    assert status == 200  # the function's answer: the console is not on a URL's origin
    # the Invoke API is unchanged on the sandbox's own address
    status, _, body = send(
        sandbox, "", "POST", invoke, body=b"{}", host=f"127.0.0.1:{sandbox.port}"
    )
    assert status == 200


def test_the_console_shows_each_function_s_url(sandbox: Sandbox) -> None:
    from tests.support.console import ConsoleClient, console_url

    client = ConsoleClient(sandbox.port)
    assert client.sign_in(console_url(sandbox)).status == 303
    page = client.request("GET", f"{client.base}/functions/echo").text
    assert f"http://echo.localhost:{sandbox.port}/" in page
    assert "Function URL" not in client.request("GET", f"{client.base}/functions/plain").text
