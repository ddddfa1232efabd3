"""The Invoke API's logic, without sockets: ``LocalGateway`` over a real host of a tiny
project (its workers are real processes, started once per module)."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from skyfn.host import gateway
from skyfn.host.environment import HostOptions
from skyfn.host.gateway import LocalGateway, Response
from skyfn.host.outcome import TAIL_BYTES, Outcome
from skyfn.host.supervisor import Host
from skyfn.model import Model
from skyfn.runtime import error_shape
from skyfn.runtime.lambda_platform import LATEST, MAX_ASYNC_PAYLOAD, MAX_PAYLOAD, function_arn
from tests.unit.host.conftest import Terminal

PATH = "/2015-03-31/functions/{}/invocations"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture(scope="module")
def host(model: Model, terminal: Terminal) -> Iterator[Host]:
    host = Host(model, HostOptions(region=REGION), terminal, {})
    yield host
    host.close()


@pytest.fixture(scope="module")
def api(host: Host) -> LocalGateway:
    return LocalGateway(host)


def post(
    api: LocalGateway, name: str, body: bytes = b"{}", headers: dict[str, str] | None = None
) -> Response:
    return api.handle_request("POST", PATH.format(name), headers or {}, body)


def assert_error(response: Response, status: int, kind: str, message: str = "") -> str:
    """The response is the API's error shape; returns its message."""
    assert response.status == status
    assert response.headers["x-amzn-ErrorType"] == kind
    assert response.headers["Content-Type"] == "application/json"
    shape = json.loads(response.body)
    assert shape == {
        "Type": "Service" if status >= 500 else "User",
        "Message": shape["Message"],
        "__type": kind,
    }
    assert message in shape["Message"]
    return str(shape["Message"])


def result(response: Response) -> Any:
    assert response.status == 200, response.body
    assert "X-Amz-Function-Error" not in response.headers
    return json.loads(response.body)


# -- routing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PATH.format("probe")),
        ("PUT", PATH.format("probe")),
        ("HEAD", PATH.format("probe")),
        ("POST", "/"),
        ("POST", "/2015-03-31/functions/probe"),
        ("POST", "/2015-03-31/functions/probe/invocations/extra"),
        ("POST", "/2016-01-01/functions/probe/invocations"),
        ("POST", "/2015-03-31/functions//invocations"),
    ],
)
def test_anything_but_post_to_invocations_is_an_unknown_operation(
    api: LocalGateway, method: str, path: str
) -> None:
    response = api.handle_request(method, path, {}, b"{}")
    message = assert_error(response, 404, "UnknownOperationException", f"{method} {path}")
    assert "POST /2015-03-31/functions/{name}/invocations" in message


def test_an_unknown_operation_shows_at_most_200_characters_of_its_path(api: LocalGateway) -> None:
    path = "/" + "p" * 5000
    message = assert_error(
        api.handle_request("GET", path, {}, b""), 404, "UnknownOperationException"
    )
    assert path[:200] in message
    assert path[:201] not in message


@pytest.mark.parametrize(
    "path",
    [
        PATH.format("probe") + "/",
        PATH.format("probe") + "?Qualifier=x",
        PATH.format("probe") + "/?a",
    ],
)
def test_a_trailing_slash_or_query_still_routes(api: LocalGateway, path: str) -> None:
    assert result(api.handle_request("POST", path, {}, b'{"n": 1}'))["event"] == {"n": 1}


# -- function names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "probe",
        "probe:$LATEST",
        "probe:%24LATEST",
        "probe:live",
        "probe:7",
        "123456789012:function:probe",
        "123456789012:function:probe:live",
        "arn:aws:lambda:us-east-1:123456789012:function:probe",
        "arn:aws:lambda:us-east-1:123456789012:function:probe:$LATEST",
        "arn:aws-cn:lambda:cn-north-1:123456789012:function:probe",
        "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aprobe",
    ],
)
def test_names_qualifiers_and_arns_reach_the_function(api: LocalGateway, name: str) -> None:
    assert result(post(api, name, b'"hi"'))["event"] == {"value": "hi"}


@pytest.mark.parametrize(
    "name",
    [
        "bad%20name",
        "bad.name",
        "x" * 65,
        "probe:bad.qualifier",
        "probe:" + "q" * 129,
        "probe:",
        "probe:a:b",
        "arn:aws:lambda:us-east-1:1234:function:probe",
        "arn:aws:s3:us-east-1:123456789012:function:probe",
        "123456789012:function:",
        "%ff",
    ],
)
def test_an_invalid_name_is_a_validation_error(api: LocalGateway, name: str) -> None:
    response = post(api, name)
    assert_error(response, 400, "ValidationException", "at 'functionName' failed to satisfy")


def test_a_long_invalid_name_is_shown_shortened() -> None:
    with pytest.raises(gateway.InvalidName) as raised:
        gateway.function_name("!" * 1000)
    assert repr("!" * 140 + "...") in str(raised.value)


def test_function_name_strips_arn_and_qualifier() -> None:
    arn = function_arn("us-east-1", "my-fn_1")
    assert gateway.function_name(arn + ":prod") == "my-fn_1"
    assert gateway.function_name("my-fn_1") == "my-fn_1"


def test_an_unknown_function_is_not_found_with_its_arn_in_the_hosts_region(
    api: LocalGateway,
) -> None:
    response = post(api, "arn:aws:lambda:us-east-1:123456789012:function:nope:live")
    message = assert_error(response, 404, "ResourceNotFoundException")
    assert message == f"Function not found: {function_arn(REGION, 'nope')}"


# -- the event ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b"{", "Expecting property name"),
        (b"{'a': 1}", "Expecting property name"),
        (b"\xff\xfe\x00", "Could not parse"),
        (b"[" * 100_000 + b"]" * 100_000, "Could not parse"),
        (b"NaNa", "Could not parse"),
    ],
)
def test_a_body_that_is_not_json_is_invalid_request_content(
    api: LocalGateway, body: bytes, shown: str
) -> None:
    message = assert_error(post(api, "probe", body), 400, "InvalidRequestContentException", shown)
    assert message.startswith("Could not parse request body into json: ")
    assert len(message) <= len("Could not parse request body into json: ") + 200


@pytest.mark.parametrize("body", [b"", b"  \r\n\t"])
def test_an_empty_body_is_an_empty_event(api: LocalGateway, body: bytes) -> None:
    assert result(post(api, "probe", body))["event"] == {}


def test_the_name_is_checked_before_the_body(api: LocalGateway) -> None:
    assert_error(post(api, "bad.name", b"{"), 400, "ValidationException")
    assert_error(post(api, "nope", b"{"), 404, "ResourceNotFoundException")


# -- invocation types -----------------------------------------------------------------------


def test_request_response_answers_with_the_result(api: LocalGateway) -> None:
    response = post(api, "probe", b'{"n": 2}')
    assert result(response)["event"] == {"n": 2}
    assert response.headers["X-Amz-Executed-Version"] == LATEST
    assert response.headers["Content-Type"] == "application/json"
    assert len(response.headers["x-amzn-RequestId"]) == 36
    assert "X-Amz-Log-Result" not in response.headers


def test_request_response_is_the_default_and_header_names_ignore_case(api: LocalGateway) -> None:
    explicit = post(api, "probe", headers={"x-amz-invocation-type": "RequestResponse"})
    assert result(explicit)["greeting"] == "hello"
    dry = post(api, "probe", headers={"X-AMZ-INVOCATION-TYPE": "DryRun"})
    assert dry.status == 204


def test_a_function_error_is_200_with_the_function_error_header(api: LocalGateway) -> None:
    response = post(api, "probe", b'{"raise": "boom"}')
    assert response.status == 200
    assert response.headers["X-Amz-Function-Error"] == "Unhandled"
    assert error_shape.parse(response.body) == ("ValueError", "boom")


def test_dry_run_checks_and_does_not_invoke(api: LocalGateway, host: Host) -> None:
    started = host.pool("other").started
    response = post(api, "other", b'{"exit": 1}', {"X-Amz-Invocation-Type": "DryRun"})
    assert (response.status, response.body) == (204, b"")
    assert len(response.headers["x-amzn-RequestId"]) == 36
    assert "x-amzn-ErrorType" not in response.headers
    assert host.pool("other").started == started
    assert_error(
        post(api, "other", b"{", {"X-Amz-Invocation-Type": "DryRun"}),
        400,
        "InvalidRequestContentException",
    )


def test_event_answers_at_once_and_runs_in_the_background(
    api: LocalGateway, terminal: Terminal
) -> None:
    response = post(api, "probe", b'{"sleep": 0.2}', {"X-Amz-Invocation-Type": "Event"})
    assert (response.status, response.body) == (202, b"")
    request_id = response.headers["x-amzn-RequestId"]
    deadline = time.monotonic() + 30
    while f"END RequestId: {request_id}" not in terminal.text():
        assert time.monotonic() < deadline, terminal.text()
        time.sleep(0.02)


def test_an_unknown_invocation_type_is_an_invalid_parameter(api: LocalGateway) -> None:
    kind = "Sometimes" * 10
    response = post(api, "probe", headers={"X-Amz-Invocation-Type": kind})
    message = assert_error(response, 400, "InvalidParameterValueException", repr(kind[:40]))
    assert message.endswith("is not one of RequestResponse, Event, DryRun")


def test_the_first_of_repeated_headers_counts() -> None:
    pairs = [("X-Amz-Log-Type", "Tail"), ("x-amz-log-type", "None")]
    assert gateway.header_fields(pairs) == {"x-amz-log-type": "Tail"}


# -- the answer -----------------------------------------------------------------------------


def test_tail_gives_the_last_4_kb_of_the_logs_in_base64(api: LocalGateway) -> None:
    response = post(api, "probe", b'{"lines": 100}', {"X-Amz-Log-Type": "Tail"})
    assert result(response)["event"] == {"lines": 100}
    tail = base64.b64decode(response.headers["X-Amz-Log-Result"]).decode()
    assert len(tail) == TAIL_BYTES
    assert "line 00099 " in tail
    assert "line 00050 " not in tail
    request_id = response.headers["x-amzn-RequestId"]
    assert f"END RequestId: {request_id}\nREPORT RequestId: {request_id}\t" in tail
    assert tail.endswith(("ms\t\n", "MB\t\n"))  # Lambda ends its REPORT line with a tab


def test_tail_of_short_logs_is_all_of_them(api: LocalGateway) -> None:
    response = post(api, "probe", b"{}", {"X-Amz-Log-Type": "Tail"})
    tail = base64.b64decode(response.headers["X-Amz-Log-Result"]).decode()
    assert tail.startswith("START RequestId: ")
    assert len(tail) < TAIL_BYTES


def test_a_response_past_the_payload_limit_becomes_response_size_too_large() -> None:
    payload = b'"' + b"x" * (MAX_PAYLOAD - 1) + b'"'
    response = gateway.answer(Outcome("rid", payload, False, "START\n"), tail=True)
    assert response.status == 200
    assert response.headers["X-Amz-Function-Error"] == "Unhandled"
    assert response.headers["x-amzn-RequestId"] == "rid"
    assert base64.b64decode(response.headers["X-Amz-Log-Result"]) == b"START\n"
    error = error_shape.parse(response.body)
    assert error.error_type == error_shape.RESPONSE_TOO_LARGE
    assert f"({MAX_PAYLOAD + 1} bytes)" in error.message
    assert f"({MAX_PAYLOAD} bytes)" in error.message
    at_limit = gateway.answer(Outcome("rid", payload[:-1], False, ""))
    assert at_limit.body == payload[:-1]
    assert "X-Amz-Function-Error" not in at_limit.headers


def test_a_closed_host_is_a_service_error(model: Model) -> None:
    host = Host(model, HostOptions(), Terminal(), {})
    host.close()
    response = post(LocalGateway(host), "probe")
    assert_error(response, 503, "ServiceException", "the host is stopping; probe not invoked")


def test_error_shape_and_response_are_plain_frozen_data() -> None:
    response = gateway.error(502, "ServiceException", "down")
    assert json.loads(response.body) == {
        "Type": "Service",
        "Message": "down",
        "__type": "ServiceException",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        response.status = 200  # type: ignore[misc]


CONTEXT = b'{"context": true}'


@pytest.mark.parametrize(
    ("name", "path_suffix", "qualifier"),
    [("probe:$LATEST", "", "$LATEST"), ("probe", "?Qualifier=live", "live"), ("probe", "", None)],
)
def test_a_qualifier_reaches_the_invoked_arn(
    api: LocalGateway, name: str, path_suffix: str, qualifier: str | None
) -> None:
    path = PATH.format(name) + path_suffix
    answer = result(api.handle_request("POST", path, {}, CONTEXT))
    base = function_arn(REGION, "probe")
    assert answer["arn"] == (f"{base}:{qualifier}" if qualifier else base)


def test_the_client_context_header_reaches_context_client_context(api: LocalGateway) -> None:
    header = base64.b64encode(
        json.dumps({"client": {"app_title": "shop"}, "custom": {"tenant": "t1"}}).encode()
    ).decode()
    answer = result(post(api, "probe", CONTEXT, {"X-Amz-Client-Context": header}))
    assert answer == {
        "arn": function_arn(REGION, "probe"),
        "custom": {"tenant": "t1"},
        "app": "shop",
    }


@pytest.mark.parametrize("header", ["not base64!", base64.b64encode(b"[1, 2]").decode()])
def test_a_client_context_that_is_not_base64_json_is_refused(
    api: LocalGateway, header: str
) -> None:
    response = post(api, "probe", CONTEXT, {"X-Amz-Client-Context": header})
    assert response.status == 400
    assert "X-Amz-Client-Context" in json.loads(response.body)["Message"]


def test_an_event_past_lambdas_async_limit_is_refused_413(api: LocalGateway) -> None:
    """Review three, finding 6: Lambda takes 1 MB for an Event (6 MB synchronously)."""
    body = json.dumps({"pad": "x" * MAX_ASYNC_PAYLOAD}).encode()
    response = post(api, "probe", body, {"X-Amz-Invocation-Type": "Event"})
    message = assert_error(response, 413, "RequestEntityTooLargeException")
    assert f"smaller than {MAX_ASYNC_PAYLOAD} bytes" in message and str(len(body)) in message
    exact = json.dumps({"pad": "x" * (MAX_ASYNC_PAYLOAD - 11)}).encode()
    assert len(exact) == MAX_ASYNC_PAYLOAD
    dry = post(api, "probe", exact, {"X-Amz-Invocation-Type": "DryRun"})
    assert dry.status == 204  # within the limit: fine
    assert post(api, "probe", body).status == 200  # synchronously: fine


def test_events_past_the_queue_cap_are_throttled_429(model: Model) -> None:
    terminal = Terminal()
    host = Host(model, HostOptions(max_workers=2, max_queued_events=2), terminal, {})
    try:
        api = LocalGateway(host)
        slow = b'{"sleep": 60}'
        for _ in range(2):
            assert post(api, "probe", slow, {"X-Amz-Invocation-Type": "Event"}).status == 202
        response = post(api, "probe", slow, {"X-Amz-Invocation-Type": "Event"})
        assert response.status == 429
        assert response.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
        assert response.headers["Retry-After"] == "1"
        shape = json.loads(response.body)
        assert shape["__type"] == "TooManyRequestsException" and shape["Type"] == "User"
        assert shape["Reason"] == "ConcurrentInvocationLimitExceeded"
        assert "2 asynchronous invocations of probe" in shape["Message"]
        # the other function's queue is its own, and ordinary calls still run beside them
        assert post(api, "other", slow, {"X-Amz-Invocation-Type": "Event"}).status == 202
        assert post(api, "probe", b'{"n": 1}').status == 200
    finally:
        host.close()
