"""The local Lambda endpoint of functions, over real HTTP on 127.0.0.1 with real workers: a
caller is known by its worker's token (none or a wrong one: 403), may invoke exactly what
it references (else AccessDeniedException), and is answered 429 rather than queued when
every instance of the callee is busy."""

from __future__ import annotations

import dataclasses
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from skyfn.host.callers import ENDPOINT_VARIABLE, PLACEHOLDER_CREDENTIALS, Callers
from skyfn.host.environment import HostOptions
from skyfn.host.lambda_endpoint import LambdaEndpoint
from skyfn.host.supervisor import Host
from skyfn.model import FunctionReference, Model
from tests.unit.host.conftest import Terminal


def referencing(model: Model) -> Model:
    """``probe`` references ``other``; ``other`` references nothing."""
    functions = tuple(
        dataclasses.replace(f, references=(FunctionReference("OTHER", "other"),))
        if f.name == "probe"
        else f
        for f in model.functions
    )
    return dataclasses.replace(model, functions=functions)


@pytest.fixture()
def served(model: Model) -> Iterator[tuple[Host, LambdaEndpoint]]:
    host = Host(referencing(model), HostOptions(max_workers=1), Terminal(), {})
    endpoint = LambdaEndpoint(host)
    try:
        yield host, endpoint
    finally:
        endpoint.close()
        host.close()


def post(url: str, event: Any) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, json.dumps(event).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def target(base: str, token: str, name: str) -> str:
    return f"{base}/{token}/2015-03-31/functions/{name}/invocations"


def test_the_endpoint_is_plain_http_on_loopback(served: tuple[Host, LambdaEndpoint]) -> None:
    host, endpoint = served
    assert host.callers.url == endpoint.server.url
    assert endpoint.server.url.startswith("http://127.0.0.1:")


def test_a_caller_is_known_by_its_token_and_calls_what_it_references(
    served: tuple[Host, LambdaEndpoint],
) -> None:
    host, endpoint = served
    base = endpoint.server.url
    for token in ("", "guess"):
        status, body = post(target(base, token, "other"), {})
        assert (status, body["__type"]) == (403, "UnrecognizedClientException")
    probe = host.callers.issue("probe")
    status, body = post(target(base, probe, "other"), {"n": 1})
    assert status == 200 and body["event"] == {"n": 1}
    other = host.callers.issue("other")
    status, body = post(target(base, other, "probe"), {})
    assert (status, body["__type"]) == (403, "AccessDeniedException")
    assert "lambda:InvokeFunction" in body["Message"]
    status, body = post(target(base, probe, "probe"), {})  # not even itself, unreferenced
    assert (status, body["__type"]) == (403, "AccessDeniedException")


def test_a_busy_callee_is_429_not_a_wait(served: tuple[Host, LambdaEndpoint]) -> None:
    host, endpoint = served
    holding = threading.Thread(target=host.invoke, args=("other", {"sleep": 60}), daemon=True)
    holding.start()
    pool = host.pool("other")
    while pool.status().busy < 1:  # its only instance taken
        threading.Event().wait(0.01)
    status, body = post(target(endpoint.server.url, host.callers.issue("probe"), "other"), {})
    assert status == 429
    assert body["__type"] == "TooManyRequestsException"
    assert body["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    # the fixture's host.close() stops the held worker


def test_workers_get_the_endpoint_and_placeholders_only_without_credentials() -> None:
    callers = Callers()
    assert callers.worker_variables("fn", {}) == {}  # no endpoint serving: nothing
    callers.url = "http://127.0.0.1:9"
    bare = callers.worker_variables("fn", {})
    assert bare[ENDPOINT_VARIABLE].startswith("http://127.0.0.1:9/")
    assert callers.who(bare[ENDPOINT_VARIABLE].rsplit("/", 1)[1]) == "fn"
    assert PLACEHOLDER_CREDENTIALS.items() <= bare.items()
    own = callers.worker_variables(
        "fn", {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}
    )
    assert set(own) == {ENDPOINT_VARIABLE}  # its own credentials are left alone
    again = callers.worker_variables("fn", {})
    assert again[ENDPOINT_VARIABLE] != bare[ENDPOINT_VARIABLE]  # a token per worker
    assert callers.worker_variables("fn", {}, keep=(ENDPOINT_VARIABLE,)) == {}
