"""The web console of a running sandbox: its printed URL; over plain HTTP, a cookie-keeping
client and the CSRF token of a page; in a real browser (a Selenium driver from
``tests/support/browser.py``), the steps the browser tests share: sign in, wait for a page,
read an element's text, set a secret from the Secrets page."""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.support.sandbox import Sandbox


def base_of(url: str) -> str:
    """The console's own path in its printed URL (``/_console/<random>``)."""
    return urlsplit(url).path.rstrip("/")


def console_url(box: Sandbox, timeout: float = 30) -> str:
    """The ``console: http://...?token=...`` line the sandbox printed."""
    deadline = time.monotonic() + timeout
    while True:
        for line in box.out:
            if line.startswith("console: "):
                return line.removeprefix("console: ").strip()
        if time.monotonic() > deadline:
            raise AssertionError(f"no console URL printed:\n{box.out}")
        time.sleep(0.05)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class ConsoleClient:
    """One browser-like client: keeps the cookie the console sets; sends ``Host`` as the
    sandbox's own address unless told otherwise."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    base: str = "/_console"  # the console's path, learnt from the URL signed in with

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body, sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)

    def sign_in(self, url: str) -> Reply:
        parts = urlsplit(url)
        reply = self.request("GET", f"{parts.path}?{parts.query}")
        if reply.status == 303:
            self.base = reply.headers["location"].split("?")[0].rstrip("/")
        return reply


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


# -- in a browser (selenium is imported only by the browser tests, which skip without it)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll ``check`` (page elements may be missing meanwhile) until true or ``timeout``."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except WebDriverException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def text(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def signed_in(driver: Any, box: Sandbox) -> str:
    """Open the printed URL; returns the console's base URL (the token gone from it)."""
    driver.get(console_url(box))
    assert "token=" not in driver.current_url
    return str(driver.current_url)


def set_secret(driver: Any, base: str, value: str) -> None:
    """Set GREETER_TOKEN from the Secrets page, as the browser tests' project (a sandbox
    run with ``--identifier tester``) needs it, and wait for the page to say so."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}secrets")
    entry = driver.find_element(By.ID, "value-scope-GREETER_TOKEN")
    entry.send_keys(value)
    entry.submit()
    wait_for(lambda: "GREETER_TOKEN set for sandbox tester" in text(driver, "main"), "the notice")
