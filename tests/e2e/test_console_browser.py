"""The console in a real headless Chromium against a running sandbox: the functions, an
invocation with a saved event (result and logs), a secret set from the page reaching the
restarted function, a missing secret flagged, the live log, and nothing without the token.

Skipped (only these) when the machine has no chromium/chromedriver; .ci/run installs them."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser
from tests.support.bystander import bystander
from tests.support.console import base_of, console_url, set_secret, signed_in, text, wait_for
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import Sandbox, running_sandbox

_reason = browser.missing()
pytestmark = pytest.mark.skipif(_reason is not None, reason=f"browser tests skipped: {_reason}")

GREETER = """\
import os

def handler(event, context):
    return {"length": len(os.environ["TOKEN"])}
"""
PINGER = """\
def handler(event, context):
    print(f"ping from {event['who']}")
    return {"pong": event["who"]}
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "app",
        {
            "greeter": resource(
                '{"TOKEN": secret("GREETER_TOKEN"), "NAME": "World"}', name="greeter"
            ),
            "pinger": resource('{"MAX_ITEMS": 25}', name="pinger"),
        },
        {"greeter": GREETER, "pinger": PINGER},
    )
    write(root / "events" / "pinger" / "alice.json", json.dumps({"who": "alice"}))
    return root


@pytest.fixture()
def box(project: Path) -> Iterator[Sandbox]:
    with running_sandbox(project, "--identifier", "tester") as sandbox:
        yield sandbox


@pytest.fixture()
def driver() -> Iterator[Any]:
    with browser.chromium() as d:
        yield d


def click(driver: Any, css: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, css).click()


def invoke(driver: Any, base: str, function: str) -> str:
    driver.get(f"{base}functions/{function}/invoke")
    click(driver, "#invoke")
    wait_for(lambda: "ms" in text(driver, "#outcome"), "an outcome")
    return text(driver, "#result")


def test_open_with_the_token_and_see_every_function(driver: Any, box: Sandbox) -> None:
    base = signed_in(driver, box)
    assert driver.title.startswith("Functions")
    table = text(driver, "#functions")
    assert "greeter" in table and "pinger" in table and "no worker" in table
    assert "/2015-03-31/functions/pinger/invocations" in table
    driver.get(f"{base}functions/greeter")
    page = text(driver, "main")
    assert "GREETER_TOKEN" in page and "missing" in page and "MAX_ITEMS" not in page
    assert "of 4096 bytes" in page and "3 s" in page


def test_invoke_with_a_saved_event_shows_result_and_logs(driver: Any, box: Sandbox) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base = signed_in(driver, box)
    driver.get(f"{base}functions/pinger/invoke")
    Select(driver.find_element(By.ID, "saved")).select_by_visible_text("alice")
    click(driver, "form[method=get] button")

    def loaded() -> bool:  # the button loads a new page: wait for it, not the old one
        value = driver.find_element(By.ID, "event").get_attribute("value")
        return bool(json.loads(value) == {"who": "alice"})

    wait_for(loaded, "the saved event in the editor")
    click(driver, "#invoke")
    wait_for(lambda: "ms" in text(driver, "#outcome"), "an outcome")
    assert json.loads(text(driver, "#result")) == {"pong": "alice"}
    assert "cold start" in text(driver, "#outcome")
    logs = text(driver, "#call-logs")
    assert "ping from alice" in logs and "REPORT RequestId" in logs
    click(driver, "#invoke")
    wait_for(lambda: "warm" in text(driver, "#outcome"), "a warm call")
    driver.get(base)
    assert "warm 1" in text(driver, "#functions")


def test_invalid_json_cannot_be_sent(driver: Any, box: Sandbox) -> None:
    from selenium.webdriver.common.by import By

    base = signed_in(driver, box)
    driver.get(f"{base}functions/pinger/invoke")
    area = driver.find_element(By.ID, "event")
    area.clear()
    area.send_keys('{"who": ')
    wait_for(lambda: "Not valid JSON" in text(driver, "#event-status"), "a JSON error")
    assert not driver.find_element(By.ID, "invoke").is_enabled()
    assert area.get_attribute("aria-invalid") == "true"


def test_a_missing_secret_is_flagged_then_set_and_picked_up(driver: Any, box: Sandbox) -> None:
    base = signed_in(driver, box)
    driver.get(f"{base}secrets")
    flagged = text(driver, "#missing")
    assert "GREETER_TOKEN is missing" in flagged
    assert "skyfn secret set GREETER_TOKEN --identifier tester" in flagged
    assert '"errorType"' in invoke(driver, base, "greeter")  # cold start fails: not set
    set_secret(driver, base, "first")
    assert "#missing" not in driver.page_source and "version 1" in text(driver, "main")
    assert json.loads(invoke(driver, base, "greeter")) == {"length": 5}
    driver.get(base)
    assert "warm 1" in text(driver, "#functions")
    set_secret(driver, base, "the-second-value")
    driver.get(base)
    assert "no worker" in text(driver, "#functions tbody tr:first-child")  # restarted
    assert json.loads(invoke(driver, base, "greeter")) == {"length": 16}
    assert "cold start" in text(driver, "#outcome")
    for page in ("", "secrets", "functions/greeter", "logs"):
        driver.get(base + page)
        assert "the-second-value" not in driver.page_source
    assert driver.execute_script("return document.cookie") == ""  # HttpOnly: scripts see none


def test_the_live_log_streams_and_filters(driver: Any, box: Sandbox) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base = signed_in(driver, box)
    driver.get(f"{base}logs")
    wait_for(lambda: text(driver, "#log-state") == "live", "the stream")
    box.client().invoke(FunctionName="pinger", Payload=json.dumps({"who": "bob"}).encode())
    wait_for(lambda: "ping from bob" in text(driver, "#log-lines"), "the log line")
    Select(driver.find_element(By.ID, "log-function")).select_by_visible_text("greeter")
    assert "ping from bob" not in text(driver, "#log-lines")
    Select(driver.find_element(By.ID, "log-function")).select_by_visible_text("All")
    driver.find_element(By.ID, "log-text").send_keys("from bob")
    shown = text(driver, "#log-lines")
    assert "ping from bob" in shown and "START RequestId" not in shown


def test_without_the_token_the_browser_sees_nothing(driver: Any, box: Sandbox) -> None:
    base = base_of(console_url(box))
    driver.get(f"{box.url}{base}/")
    assert "Sign in" in driver.title
    assert "greeter" not in driver.page_source
    driver.get(f"{box.url}{base}/secrets")
    assert "GREETER_TOKEN" not in driver.page_source
    driver.get(f"{box.url}/_console/secrets")
    assert "Not found" in driver.title and "GREETER_TOKEN" not in driver.page_source


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # a 303 is an answer to look at, not to follow


def replay(
    url: str, headers: dict[str, str], form: dict[str, str] | None = None
) -> tuple[int, str]:
    """``url`` asked with ``headers`` (what another server captured), by plain urllib."""
    data = None if form is None else urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data, headers, method="GET" if form is None else "POST")
    if form is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=60) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8", "replace")


BETRAYING = ("host", "content-length", "origin", "referer")  # an attacker would drop these


def test_what_the_browser_hands_another_local_server_is_useless(driver: Any, box: Sandbox) -> None:
    base = signed_in(driver, box)  # a signed-in console: the browser holds its cookie
    path = urllib.parse.urlsplit(base).path.rstrip("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', _page(driver, f"{base}secrets"))
    assert csrf is not None
    with bystander() as other:
        # from a console page (same site: ports do not count), then as the user would
        driver.execute_script("window.location.href = arguments[0]", f"{other.url}/_console/")
        wait_for(lambda: driver.title == "elsewhere", "the other server's page")
        for tail in ("/", "/_console", "/_console/secrets", "/_console/functions/greeter"):
            driver.get(other.url + tail)
        wait_for(lambda: len(other.seen) >= 5, "the requests at the other server")
        captured = list(other.seen)
    assert {"/_console/", "/_console/secrets"} <= {p for p, _ in captured}
    for _, sent in captured:
        headers = {
            k: v
            for k, v in sent.items()
            if k.lower() not in BETRAYING and not k.lower().startswith("sec-fetch-")
        }
        # the console's real path given away too, and its CSRF token: still nothing
        for where in ("/_console", path):
            status, page = replay(f"{box.url}{where}/secrets", headers)
            assert status in (401, 404) and "GREETER_TOKEN" not in page, (where, sent)
            form = {"csrf": csrf.group(1), "scope": "scope", "name": "GREETER_TOKEN"}
            status, _ = replay(f"{box.url}{where}/secrets/set", headers, {**form, "value": "x"})
            assert status in (401, 404)
            status, _ = replay(
                f"{box.url}{where}/functions/pinger/invoke", headers, {**form, "event": "{}"}
            )
            assert status in (401, 404)
    driver.get(f"{base}secrets")
    assert "GREETER_TOKEN is missing" in text(driver, "#missing")  # nothing was set
    driver.get(base)
    assert "never called" in text(driver, "#functions")  # nothing was invoked


def _page(driver: Any, url: str) -> str:
    driver.get(url)
    return str(driver.page_source)
