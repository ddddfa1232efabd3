"""A function URL's origin (``page.localhost``) in a real headless Chromium cannot reach the
Invoke API or the console, even with the console signed in and its random path known: the
page loads from its URL (the URL layer serves it), and every call it makes to the sandbox's
other parts is refused before any function runs (issue 24).

Skipped (only these) when the machine has no chromium/chromedriver."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser
from tests.support.console import console_url
from tests.support.projects import make_project
from tests.support.sandbox import Sandbox, running_sandbox

_reason = browser.missing()
pytestmark = pytest.mark.skipif(_reason is not None, reason=f"browser tests skipped: {_reason}")

HEAD = "from skyfn import FunctionUrl, define_function\n"
PAGE = """\
import json

SCRIPT = '''
const port = location.port;
const base = new URLSearchParams(location.search).get("console");
const api = "/2015-03-31/functions/victim/invocations";
const tries = [];
for (const host of ["127.0.0.1", "localhost"]) {
  tries.push(fetch(`http://${host}:${port}${api}`, {method: "POST", body: "{}"}));
  tries.push(fetch(`http://${host}:${port}${api}`, {method: "POST", body: "{}", mode: "no-cors"}));
  const form = new URLSearchParams({event: "{}"});
  const console_ = base.replace("127.0.0.1", host);
  tries.push(fetch(`${console_}functions/victim/invoke`,
    {method: "POST", body: form, mode: "no-cors", credentials: "include"}));
  tries.push(fetch(`${console_}functions/victim/invoke`,
    {method: "POST", body: form, credentials: "include"}));
}
Promise.allSettled(tries).then((all) => {
  document.title = "done " + all.map((r) => r.status === "fulfilled" ? r.value.status : "x").join(",");
});
'''


def handler(event, context):
    html = "<!doctype html><title>loading</title><script>" + SCRIPT + "</script>"
    return {"statusCode": 200, "headers": {"content-type": "text/html"}, "body": html}
"""


def victim(marker: Path) -> str:
    return (
        "def handler(event, context):\n"
        f"    open({str(marker)!r}, 'a').write('ran\\n')\n"
        "    return {'ran': True}\n"
    )


@pytest.fixture()
def driver() -> Iterator[Any]:
    with browser.chromium() as d:
        yield d


def test_a_url_origin_cannot_reach_the_invoke_api_or_the_console(
    driver: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "victim-ran"
    root = make_project(
        tmp_path / "app",
        {
            "page": HEAD + 'fn = define_function(name="page", url=FunctionUrl(auth="none"))\n',
            "victim": HEAD + 'fn = define_function(name="victim")\n',
        },
        {"page": PAGE, "victim": victim(marker)},
    )
    with running_sandbox(root) as box:
        _wait(lambda: any(line.startswith("console:") for line in box.out), box)
        driver.get(console_url(box))  # signed in: the browser holds the console's cookie
        base = str(driver.current_url)
        page = f"http://page.localhost:{box.port}/?console={urllib.parse.quote(base)}"
        driver.get(page)
        _wait(lambda: str(driver.title).startswith("done"), box)
        results = str(driver.title).removeprefix("done ").split(",")
        # each call failed (CORS: no response to read) or was answered 4xx; none was a 2xx
        assert all(r == "x" or r == "0" or r.startswith("4") for r in results), results
        assert not marker.exists(), "a URL's page invoked another function"
        # the page itself came through the URL layer
        assert driver.current_url.startswith(f"http://page.localhost:{box.port}/")


def _wait(check: Any, box: Sandbox, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert box.proc.poll() is None, box.err
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; sandbox said:\n{box.out}\n{box.err}")
        time.sleep(0.1)
