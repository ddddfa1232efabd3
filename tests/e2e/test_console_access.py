"""The console over plain HTTP: nothing without the token, nothing from another origin,
nothing changed without the CSRF token, never a secret value, and the Invoke API beside it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from skyfn import scope as scopes
from skyfn.secrets.local import LocalStore
from tests.support.cli import run_skyfn
from tests.support.console import ConsoleClient, base_of, console_url, csrf_of
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
    base = base_of(console_url(box))
    for tail in ("/", "/functions/greeter", "/secrets", "/logs/stream"):
        reply = client.request("GET", base + tail)
        assert reply.status == 401, tail
        assert "greeter" not in reply.text and "GREETER_TOKEN" not in reply.text
        outside = client.request("GET", "/_console" + tail)  # not under the random path
        assert outside.status == 404 and "greeter" not in outside.text
    wrong = client.request("GET", f"{base}/?token=not-the-token")
    assert wrong.status == 403 and "set-cookie" not in wrong.headers


def test_the_token_becomes_a_strict_http_only_cookie_and_leaves_the_url(box: Sandbox) -> None:
    client = ConsoleClient(box.port)
    reply = client.sign_in(console_url(box))
    assert reply.status == 303
    base = base_of(console_url(box))
    assert reply.headers["location"] == f"{base}/"
    assert len(base) > len("/_console/") + 20  # an unguessable path of its own
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and f"Path={base};" in cookie
    page = client.request("GET", f"{client.base}/")
    assert page.status == 200 and "greeter" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_another_origin_sees_and_changes_nothing(box: Sandbox) -> None:
    client = signed_in(box)
    csrf = csrf_of(client.request("GET", f"{client.base}/secrets").text)
    evil = {"Origin": "http://evil.example"}
    assert client.request("GET", f"{client.base}/", headers=evil).status == 403
    form = {"csrf": csrf, "scope": "scope", "name": "GREETER_TOKEN", "value": VALUE}
    refused = client.request("POST", f"{client.base}/secrets/set", form, headers=evil)
    assert refused.status == 403
    cross_site = client.request(
        "POST", f"{client.base}/secrets/set", form, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status == 403
    rebinding = client.request(
        "GET", f"{client.base}/", headers={"Host": f"evil.example:{box.port}"}
    )
    assert rebinding.status == 403 and "greeter" not in rebinding.text
    assert "missing" in client.request("GET", f"{client.base}/secrets").text  # still not set


def test_a_form_without_the_csrf_token_changes_nothing(box: Sandbox) -> None:
    client = signed_in(box)
    form = {"scope": "scope", "name": "GREETER_TOKEN", "value": VALUE}
    assert client.request("POST", f"{client.base}/secrets/set", form).status == 403
    form["csrf"] = "guessed"
    assert client.request("POST", f"{client.base}/secrets/set", form).status == 403
    page = client.request("GET", f"{client.base}/secrets").text
    assert "GREETER_TOKEN</strong> is missing" in page


def test_a_secret_set_in_the_console_is_never_sent_back(box: Sandbox) -> None:
    client = signed_in(box)
    csrf = csrf_of(client.request("GET", f"{client.base}/secrets").text)
    form = {"csrf": csrf, "scope": "scope", "name": "GREETER_TOKEN", "value": VALUE}
    reply = client.request("POST", f"{client.base}/secrets/set", form)
    assert reply.status == 303 and VALUE not in reply.headers["location"]
    pages = [
        client.request("GET", path).text
        for path in (
            f"{client.base}/",
            f"{client.base}/secrets",
            f"{client.base}/functions/greeter",
            f"{client.base}/logs",
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


def command_lines() -> str:
    """Every process's arguments, as ``ps`` shows them to any local user."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            found.append(cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
        except OSError:  # the process ended meanwhile
            continue
    return "\n".join(found)


def test_open_passes_the_browser_a_one_time_link_not_the_token(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"pinger": resource(name="pinger")})
    opened = tmp_path / "argv.txt"
    fake = tmp_path / "fake-browser"  # records its whole command line
    fake.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$0" "$@" > {opened}.tmp\nmv {opened}.tmp {opened}\n'
    )
    fake.chmod(0o755)
    with running_sandbox(project, "--open", env={"BROWSER": str(fake)}) as box:
        printed = console_url(box)
        token = parse_qs(urlsplit(printed).query)["token"][0]
        base = base_of(printed)
        deadline = time.monotonic() + 30
        while not opened.exists():
            assert time.monotonic() < deadline, "the browser was not opened"
            time.sleep(0.05)
        argv = opened.read_text()
        assert token not in argv and base not in argv  # neither the key nor the path to it
        assert token not in command_lines()
        link = next(arg for arg in argv.splitlines() if arg.startswith(box.url))
        client = ConsoleClient(box.port)
        first = client.sign_in(link)
        assert first.status == 303 and first.headers["location"] == f"{base}/"
        assert client.request("GET", f"{base}/").status == 200  # signed in
        again = ConsoleClient(box.port).sign_in(link)  # a second use: refused
        assert again.status == 403 and "set-cookie" not in again.headers
        assert "used or expired" in again.text


def test_idle_warm_workers_stop_and_the_console_shows_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"pinger": resource(name="pinger")})
    with running_sandbox(project, "--idle-timeout", "1") as box:
        client = ConsoleClient(box.port)
        client.sign_in(console_url(box))
        assert "no worker" in client.request("GET", f"{client.base}/").text
        box.client().invoke(FunctionName="pinger", Payload=b"{}")
        assert "warm 1" in client.request("GET", f"{client.base}/").text
        deadline = time.monotonic() + 30
        while "warm 1" in client.request("GET", f"{client.base}/").text:
            assert time.monotonic() < deadline, "the idle worker was not stopped"
            time.sleep(0.1)
        page = client.request("GET", f"{client.base}/").text
        assert "no worker" in page and "ok</span>" in page  # the last call is still shown


def test_a_bad_idle_timeout_is_one_clear_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "app", {"pinger": resource(name="pinger")})
    result = run_skyfn("sandbox", "--port", "0", "--idle-timeout", "0", cwd=project)
    assert result.code != 0
    assert "--idle-timeout" in result.err and "Traceback" not in result.err


def test_a_secret_removed_in_the_console_is_missing_again(box: Sandbox) -> None:
    client = signed_in(box)
    csrf = csrf_of(client.request("GET", f"{client.base}/secrets").text)
    form = {"csrf": csrf, "scope": "shared", "name": "GREETER_TOKEN", "value": VALUE}
    assert client.request("POST", f"{client.base}/secrets/set", form).status == 303
    page = client.request("GET", f"{client.base}/functions/greeter").text
    assert "<td>shared</td>" in page
    del form["value"]
    reply = client.request("POST", f"{client.base}/secrets/remove", form)
    assert reply.status == 303 and "removed" in reply.headers["location"]
    assert (
        "GREETER_TOKEN</strong> is missing" in client.request("GET", f"{client.base}/secrets").text
    )


CHECKED = """\
import os

def handler(event, context):
    return {"length": len(os.environ["TOKEN"])}
"""


def test_the_consoles_set_makes_the_checks_secret_set_makes(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "app",
        {
            "greeter": resource(
                '{"TOKEN": secret("GREETER_TOKEN", pattern=r"^tok-[0-9]+$")}', name="greeter"
            ),
            "legacy": resource('{"KEY": aws_secret("LEGACY_KEY")}', name="legacy"),
        },
        {"greeter": CHECKED, "legacy": CHECKED},
    )
    with running_sandbox(project, "--identifier", "tester") as box:
        client = signed_in(box)
        csrf = csrf_of(client.request("GET", f"{client.base}/secrets").text)
        form = {"csrf": csrf, "scope": "scope", "name": "GREETER_TOKEN", "value": "not-a-tok"}
        broken = client.request("POST", f"{client.base}/secrets/set", form)
        note = unquote_plus(broken.headers["location"])
        assert broken.status == 303 and "Not changed" in note and "not-a-tok" not in note
        assert "does not match its pattern '^tok-[0-9]+$'" in note
        form.update(name="LEGACY_KEY", value="tok-1")
        external = unquote_plus(
            client.request("POST", f"{client.base}/secrets/set", form).headers["location"]
        )
        assert "Not changed: LEGACY_KEY is an external secret of function legacy" in external
        listed = run_skyfn("secret", "list", "--identifier", "tester", "--json", cwd=project)
        assert json.loads(listed.out) == []  # neither was written
        page = client.request("GET", f"{client.base}/secrets").text
        assert "GREETER_TOKEN</strong> is missing" in page and "LEGACY_KEY" not in page
        form.update(name="GREETER_TOKEN", value="tok-42")
        good = client.request("POST", f"{client.base}/secrets/set", form)
        assert "GREETER_TOKEN set for sandbox tester (version 1)" in unquote_plus(
            good.headers["location"]
        )
        assert "INVALID" not in client.request("GET", f"{client.base}/secrets").text
        # a value stored before the pattern was added (or by another tool): INVALID, as in
        # ``skyfn secret status``, and its value still never sent
        path = scopes.secret_path("testapp", scopes.sandbox("tester"), "GREETER_TOKEN")
        LocalStore().write(path, "stale-value-9")
        shown = [
            client.request("GET", f"{client.base}/{page}").text
            for page in ("secrets", "functions/greeter")
        ]
        for text in shown:
            assert "INVALID" in text and "stale-value-9" not in text
        status = run_skyfn("secret", "status", "--identifier", "tester", cwd=project)
        assert "INVALID" in status.out
