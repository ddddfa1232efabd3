"""The console over plain HTTP: nothing without the token, nothing from another origin,
nothing changed without the CSRF token, never a secret value, and the Invoke API beside it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.console import ConsoleClient, console_url, csrf_of
from tests.support.projects import make_project, resource
from tests.support.sandbox import Sandbox, running_sandbox

HANDLER = """\
import os

def handler(event, context):
    return {"length": len(os.environ["TOKEN"])}
"""
VALUE = "console-secret-value-7f3a"


@pytest.fixture()
def box(tmp_path: Path) -> Iterator[Sandbox]:
    project = make_project(
        tmp_path / "app",
        {
            "greeter": resource(
                '{"TOKEN": secret("GREETER_TOKEN"), "NAME": "World"}', name="greeter"
            )
        },
        {"greeter": HANDLER},
    )
    with running_sandbox(project, "--identifier", "tester") as sandbox:
        yield sandbox


def signed_in(box: Sandbox) -> ConsoleClient:
    client = ConsoleClient(box.port)
    reply = client.sign_in(console_url(box))
    assert reply.status == 303
    return client


def test_without_the_token_nothing_is_shown(box: Sandbox) -> None:
    client = ConsoleClient(box.port)
    for path in (
        "/_console/",
        "/_console/functions/greeter",
        "/_console/secrets",
        "/_console/logs/stream",
    ):
        reply = client.request("GET", path)
        assert reply.status == 401, path
        assert "greeter" not in reply.text and "GREETER_TOKEN" not in reply.text
    wrong = client.request("GET", "/_console/?token=not-the-token")
    assert wrong.status == 403 and "set-cookie" not in wrong.headers


def test_the_token_becomes_a_strict_http_only_cookie_and_leaves_the_url(box: Sandbox) -> None:
    client = ConsoleClient(box.port)
    reply = client.sign_in(console_url(box))
    assert reply.status == 303
    assert reply.headers["location"] == "/_console/"
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.request("GET", "/_console/")
    assert page.status == 200 and "greeter" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_another_origin_sees_and_changes_nothing(box: Sandbox) -> None:
    client = signed_in(box)
    csrf = csrf_of(client.request("GET", "/_console/secrets").text)
    evil = {"Origin": "http://evil.example"}
    assert client.request("GET", "/_console/", headers=evil).status == 403
    form = {"csrf": csrf, "scope": "scope", "name": "GREETER_TOKEN", "value": VALUE}
    refused = client.request("POST", "/_console/secrets/set", form, headers=evil)
    assert refused.status == 403
    cross_site = client.request(
        "POST", "/_console/secrets/set", form, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status == 403
    rebinding = client.request("GET", "/_console/", headers={"Host": f"evil.example:{box.port}"})
    assert rebinding.status == 403 and "greeter" not in rebinding.text
    assert "missing" in client.request("GET", "/_console/secrets").text  # still not set


def test_a_form_without_the_csrf_token_changes_nothing(box: Sandbox) -> None:
    client = signed_in(box)
    form = {"scope": "scope", "name": "GREETER_TOKEN", "value": VALUE}
    assert client.request("POST", "/_console/secrets/set", form).status == 403
    form["csrf"] = "guessed"
    assert client.request("POST", "/_console/secrets/set", form).status == 403
    page = client.request("GET", "/_console/secrets").text
    assert "GREETER_TOKEN</strong> is missing" in page


def test_a_secret_set_in_the_console_is_never_sent_back(box: Sandbox) -> None:
    client = signed_in(box)
    csrf = csrf_of(client.request("GET", "/_console/secrets").text)
    form = {"csrf": csrf, "scope": "scope", "name": "GREETER_TOKEN", "value": VALUE}
    reply = client.request("POST", "/_console/secrets/set", form)
    assert reply.status == 303 and VALUE not in reply.headers["location"]
    pages = [
        client.request("GET", path).text
        for path in (
            "/_console/",
            "/_console/secrets",
            "/_console/functions/greeter",
            "/_console/logs",
        )
    ]
    assert "version 1" in pages[1]
    assert "sandbox tester" in pages[2]  # where the function finds it
    for text in pages:
        assert VALUE not in text
    assert VALUE not in box.logs()
    # the function has it
    result = box.client().invoke(FunctionName="greeter", Payload=b"{}")
    assert json.loads(result["Payload"].read()) == {"length": len(VALUE)}
    assert VALUE not in "\n".join(box.out)


def test_the_invoke_api_still_answers_beside_the_console(box: Sandbox, tmp_path: Path) -> None:
    project = tmp_path / "app"
    result = run_skyfn(
        "secret", "set", "GREETER_TOKEN", "--identifier", "tester", cwd=project, stdin="abc"
    )
    assert result.code == 0, result.err
    response = box.client().invoke(FunctionName="greeter", Payload=b"{}")
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"length": 3}


def test_open_hands_the_console_url_to_the_browser(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"pinger": resource(name="pinger")})
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f'#!/bin/sh\nprintf %s "$1" > {opened}\n')
    fake.chmod(0o755)
    with running_sandbox(project, "--open", env={"BROWSER": str(fake)}) as box:
        url = console_url(box)
        deadline = time.monotonic() + 30
        while not opened.exists() or not opened.read_text():
            assert time.monotonic() < deadline, "the browser was not opened"
            time.sleep(0.05)
        assert opened.read_text() == url
        assert ConsoleClient(box.port).sign_in(url).status == 303


def test_idle_warm_workers_stop_and_the_console_shows_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"pinger": resource(name="pinger")})
    with running_sandbox(project, "--idle-timeout", "1") as box:
        client = ConsoleClient(box.port)
        client.sign_in(console_url(box))
        assert "no worker" in client.request("GET", "/_console/").text
        box.client().invoke(FunctionName="pinger", Payload=b"{}")
        assert "warm 1" in client.request("GET", "/_console/").text
        deadline = time.monotonic() + 30
        while "warm 1" in client.request("GET", "/_console/").text:
            assert time.monotonic() < deadline, "the idle worker was not stopped"
            time.sleep(0.1)
        page = client.request("GET", "/_console/").text
        assert "no worker" in page and "ok</span>" in page  # the last call is still shown


def test_a_bad_idle_timeout_is_one_clear_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"pinger": resource(name="pinger")})
    result = run_skyfn("sandbox", "--port", "0", "--idle-timeout", "0", cwd=project)
    assert result.code != 0
    assert "--idle-timeout" in result.err and "Traceback" not in result.err


def test_a_secret_removed_in_the_console_is_missing_again(box: Sandbox) -> None:
    client = signed_in(box)
    csrf = csrf_of(client.request("GET", "/_console/secrets").text)
    form = {"csrf": csrf, "scope": "shared", "name": "GREETER_TOKEN", "value": VALUE}
    assert client.request("POST", "/_console/secrets/set", form).status == 303
    page = client.request("GET", "/_console/functions/greeter").text
    assert "<td>shared</td>" in page
    del form["value"]
    reply = client.request("POST", "/_console/secrets/remove", form)
    assert reply.status == 303 and "removed" in reply.headers["location"]
    assert "GREETER_TOKEN</strong> is missing" in client.request("GET", "/_console/secrets").text
