"""The console for keyboard and screen-reader users, at 200 % zoom, in light and dark, in a
real headless Chromium: axe-core (WCAG 2.0/2.1 A and AA) on every page, and one test per
finding of issue 29 (logs, zoom, Enter in "Save as", feedback after an action, the
Functions table's updates, Remove's confirmation, control borders).

Skipped (only these) when the machine has no chromium/chromedriver; .ci/run installs them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import a11y, browser
from tests.support.console import (
    ConsoleClient,
    console_url,
    set_secret,
    signed_in,
    text,
    wait_for,
)
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
    print(f"ping from {event.get('who', 'nobody')}")
    return {"pong": event.get("who")}
"""
# More lines than the Logs page's box shows at once, some with long unbroken URLs.
CHATTY = """\
def handler(event, context):
    for i in range(40):
        print(f"line {i} https://example.com/" + "x" * 150)
    return {"lines": 40}
"""
SCHEMES = ("light", "dark")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "app",
        {
            "greeter": resource(
                '{"TOKEN": secret("GREETER_TOKEN", pattern=r"^[a-z]+$")}',
                name="greeter",
                schedule=["every day", "0 9 ? * 2-6"],  # the Triggers table and Run now
            ),
            "pinger": resource('{"MAX_ITEMS": 25}', name="pinger"),
            "chatty": resource('{"MAX_ITEMS": 25}', name="chatty"),
        },
        {"greeter": GREETER, "pinger": PINGER, "chatty": CHATTY},
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


def by_id(driver: Any, ident: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, ident)


def focused(driver: Any) -> Any:
    return driver.execute_script("return document.activeElement")


def press_enter(driver: Any, ident: str) -> None:
    """Focus the element and press Enter, as a keyboard user does."""
    from selenium.webdriver.common.keys import Keys

    by_id(driver, ident).send_keys(Keys.ENTER)


def press_remove(driver: Any, scope: str, name: str) -> None:
    """Enter on the Secrets page's Remove button of ``name`` in ``scope``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    form = (
        f"//form[input[@name='scope' and @value='{scope}'] and "
        f"input[@name='name' and @value='{name}']]//button[contains(@class, 'danger')]"
    )
    driver.find_element(By.XPATH, form).send_keys(Keys.ENTER)


def function_row(driver: Any, name: str) -> str:
    """The text of ``name``'s row on the Functions page."""
    from selenium.webdriver.common.by import By

    path = f"//table[@id='functions']/tbody/tr[th//a[text()='{name}']]"
    return str(driver.find_element(By.XPATH, path).text)


def every_page(driver: Any, box: Sandbox) -> list[tuple[str, str]]:
    """A busy console: a secret set (so Remove shows), logs longer than their box; the
    (name, URL) of each page, with an invocation's result and Remove's question."""
    base = signed_in(driver, box)
    set_secret(driver, base, "first")
    box.client().invoke(FunctionName="chatty", Payload=b"{}")
    return [
        ("Functions", base),
        ("a function", f"{base}functions/greeter"),
        ("Invoke", f"{base}functions/pinger/invoke?event=alice"),
        ("Logs", f"{base}logs"),
        ("Secrets", f"{base}secrets"),
        ("Remove's question", f"{base}secrets/remove?scope=scope&name=GREETER_TOKEN"),
    ]


def test_axe_finds_no_violation_on_any_page_in_either_scheme(driver: Any, box: Sandbox) -> None:
    pages = every_page(driver, box)
    found: dict[str, list[str]] = {}
    for scheme in SCHEMES:
        a11y.color_scheme(driver, scheme)
        for name, url in pages:
            driver.get(url)
            if name == "Logs":
                wait_for(lambda: text(driver, "#log-state") == "live", "the stream")
                overflow = "const v = document.querySelector('[role=log]');"
                overflow += "return v.scrollHeight > v.clientHeight"
                assert driver.execute_script(overflow), "the log should hold more than fits"
            found[f"{name} ({scheme})"] = a11y.violations(driver)
            if name == "Invoke":  # and with a result and its logs
                press_enter(driver, "invoke")
                wait_for(lambda: "ms" in text(driver, "#outcome"), "an outcome")
                found[f"Invoke's result ({scheme})"] = a11y.violations(driver)
    assert all(not v for v in found.values()), {k: v for k, v in found.items() if v}


# -- 1. Logs ------------------------------------------------------------------------------


def ax_leaves(index: dict[str, dict[str, Any]], node_id: str) -> list[str]:
    node = index[node_id]
    if node.get("role", {}).get("value") == "StaticText":
        return [str(node.get("name", {}).get("value", ""))]
    return [t for c in node.get("childIds", []) if c in index for t in ax_leaves(index, c)]


def ax_text(nodes: list[dict[str, Any]], node_id: str) -> str:
    """What a screen reader reads of a node: its text leaves in order, each a separate
    utterance (Chromium trims their spaces, so they are joined with one)."""
    spoken = " ".join(ax_leaves({n["nodeId"]: n for n in nodes}, node_id))
    return re.sub(r"\s+([,:])", r"\1", spoken)


def test_logs_are_served_read_in_parts_and_only_new_lines_announced(
    driver: Any, box: Sandbox
) -> None:
    box.client().invoke(FunctionName="pinger", Payload=json.dumps({"who": "ann"}).encode())
    client = ConsoleClient(box.port)
    client.sign_in(console_url(box))
    served = client.request("GET", f"{client.base}/logs").text
    # the backlog is in the page as served, in a plain list inside the live region
    assert re.search(r'<div id="log-view" role="log" tabindex="0" aria-label="[^"]+"><ol ', served)
    assert '<ol id="log-lines" data-source' in served and "ping from ann" in served
    assert 'role="log"' not in served.split("<ol ")[1]

    base = signed_in(driver, box)
    driver.get(f"{base}logs")
    wait_for(lambda: text(driver, "#log-state") == "live", "the stream")
    # what the live region receives from now on: only new lines, never the backlog again
    driver.execute_script(
        "window.added = [];"
        "new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes)"
        " window.added.push(n.textContent); })"
        ".observe(document.getElementById('log-view'), {childList: true, subtree: true});"
    )
    box.client().invoke(FunctionName="pinger", Payload=json.dumps({"who": "bob"}).encode())
    wait_for(lambda: "ping from bob" in text(driver, "#log-lines"), "the new line")
    wait_for(lambda: any("REPORT" in a for a in driver.execute_script("return added")), "all")
    added = driver.execute_script("return added")
    assert added and not any("ann" in a for a in added), added
    seqs = driver.execute_script(
        "return Array.from(document.querySelectorAll('#log-lines li'), (li) => li.dataset.seq)"
    )
    assert len(seqs) == len(set(seqs)), "a line is shown twice"

    # the accessibility tree: a named log region holding a list; a line reads in parts
    nodes = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    log = next(n for n in nodes if n.get("role", {}).get("value") == "log")
    assert log["name"]["value"] == "Function logs, newest last"
    roles = {
        c: n.get("role", {}).get("value")
        for n in nodes
        for c in [n["nodeId"]]
        if n.get("parentId") == log["nodeId"]
    }
    assert "list" in roles.values(), roles
    lines = [
        ax_text(nodes, n["nodeId"]) for n in nodes if n.get("role", {}).get("value") == "listitem"
    ]
    bob = next(line for line in lines if "ping from bob" in line)
    assert re.fullmatch(r"\d\d:\d\d:\d\d, pinger, request [0-9a-f]{8}: ping from bob", bob), bob

    # the list can be focused (and so scrolled) from the keyboard
    driver.execute_script("document.getElementById('log-view').focus()")
    assert focused(driver).get_attribute("id") == "log-view"

    # live updates can be paused; what came meanwhile is added on resume
    press_enter(driver, "log-pause")
    assert by_id(driver, "log-pause").get_attribute("aria-pressed") == "true"
    box.client().invoke(FunctionName="pinger", Payload=json.dumps({"who": "carol"}).encode())
    wait_for(lambda: "waiting" in text(driver, "#log-state"), "lines held back")
    assert "ping from carol" not in text(driver, "#log-lines")
    press_enter(driver, "log-pause")
    assert by_id(driver, "log-pause").get_attribute("aria-pressed") == "false"
    assert "ping from carol" in text(driver, "#log-lines")


# -- 2. 200 % zoom ------------------------------------------------------------------------

CUT_OFF = """
const width = document.documentElement.clientWidth;
const out = [];
if (document.documentElement.scrollWidth > width) out.push("page " + document.documentElement.scrollWidth);
for (const el of document.querySelectorAll("main a, main button, main input, main select, main textarea, nav a")) {
  const r = el.getBoundingClientRect();
  if (r.width === 0) continue;
  if (r.left < 0 || r.right > width + 0.5) out.push(el.outerHTML.slice(0, 80) + " at " + r.left + ".." + r.right);
  if (el.scrollWidth > el.clientWidth + 1 && el.tagName !== "INPUT" && el.tagName !== "TEXTAREA" && el.tagName !== "SELECT") out.push(el.outerHTML.slice(0, 80) + " clipped");
}
return out;
"""


def test_at_200_percent_zoom_no_page_is_wider_than_the_window(driver: Any, box: Sandbox) -> None:
    pages = every_page(driver, box)
    box.client().invoke(FunctionName="pinger", Payload=b"{}")  # a last call on Functions
    a11y.zoom(driver, 640, 430, 2)  # a 1280 px window at 200 %
    cut: dict[str, list[str]] = {}
    for name, url in pages:
        driver.get(url)
        cut[name] = driver.execute_script(CUT_OFF) + a11y.violations(driver)
    assert all(not c for c in cut.values()), {k: v for k, v in cut.items() if v}
    driver.get(pages[0][1])
    assert driver.find_element("css selector", "#functions td").aria_role == "cell"  # still a table


# -- 3. Enter in "Save as" -------------------------------------------------------------------


def test_enter_in_save_as_saves_and_invokes_nothing(
    driver: Any, box: Sandbox, project: Path
) -> None:
    base = signed_in(driver, box)
    driver.get(f"{base}functions/pinger/invoke?event=alice")
    from selenium.webdriver.common.keys import Keys

    by_id(driver, "save-name").send_keys("bob-event", Keys.ENTER)
    wait_for(lambda: "Saved as" in text(driver, "main"), "the saved notice")
    assert json.loads((project / "events/pinger/bob-event.json").read_text()) == {"who": "alice"}
    assert not driver.find_elements("css selector", "#outcome")
    driver.get(base)
    assert "never called" in function_row(driver, "pinger")


# -- 4. Feedback after an action ------------------------------------------------------------


def test_after_each_action_focus_is_on_its_outcome_and_the_title_says_it(
    driver: Any, box: Sandbox
) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    def outcome_focused(title_start: str) -> str:
        wait_for(lambda: driver.title.startswith(title_start), f"a title {title_start!r}")
        target = focused(driver)
        assert target.tag_name != "body", driver.title
        return str(target.text)

    base = signed_in(driver, box)
    driver.get(f"{base}functions/pinger/invoke?event=alice")
    assert "Loaded saved event alice" in outcome_focused("Loaded saved event alice")
    press_enter(driver, "invoke")
    said = outcome_focused("Invoked pinger: ok in ")
    assert said.startswith("ok ·") and "request" in said
    by_id(driver, "save-name").send_keys("again", Keys.ENTER)
    assert "Saved as" in outcome_focused("Saved as events/pinger/again.json")
    Select(by_id(driver, "saved")).select_by_visible_text("again")
    press_enter(driver, "load")
    assert "Loaded saved event again" in outcome_focused("Loaded saved event again")

    driver.get(f"{base}secrets")
    by_id(driver, "value-scope-GREETER_TOKEN").send_keys("first", Keys.ENTER)
    assert "GREETER_TOKEN set for sandbox tester" in outcome_focused("GREETER_TOKEN set for")
    by_id(driver, "value-shared-GREETER_TOKEN").send_keys("NOT-LOWER", Keys.ENTER)
    said = outcome_focused("Not changed: ")
    assert focused(driver).get_attribute("role") == "alert", said
    press_remove(driver, "scope", "GREETER_TOKEN")
    said = outcome_focused("Remove GREETER_TOKEN from sandbox tester?")
    assert "cannot be undone" in said
    press_enter(driver, "confirm-remove")
    assert "removed" in outcome_focused("GREETER_TOKEN removed from sandbox tester")


# -- 5. The Functions table ------------------------------------------------------------------

MARK = """
for (const cell of document.querySelectorAll("#functions tbody th, #functions tbody td"))
  cell.marked = true;
"""
UNMARKED = """
return Array.from(document.querySelectorAll("#functions tbody th, #functions tbody td"))
  .filter((cell) => !cell.marked)
  .map((cell) => cell.closest("tr").querySelector("th").textContent + ": "
    + document.querySelectorAll("#functions thead th")[cell.cellIndex].textContent);
"""


def test_the_functions_table_changes_only_where_something_did_and_pauses(
    driver: Any, box: Sandbox
) -> None:
    base = signed_in(driver, box)
    driver.get(base)

    def row(name: str) -> str:
        return function_row(driver, name)

    def ticks() -> int:
        return int(by_id(driver, "functions").get_attribute("data-ticks") or 0)

    driver.execute_script(MARK)
    box.client().invoke(FunctionName="pinger", Payload=json.dumps({"who": "x"}).encode())
    wait_for(lambda: "warm 1" in row("pinger"), "the update")
    # only pinger's state, last call and cold starts are new elements
    changed = sorted(driver.execute_script(UNMARKED))
    assert changed == ["pinger: Cold starts", "pinger: Last invocation", "pinger: State"]

    toggle = by_id(driver, "refresh-toggle")
    assert toggle.is_displayed() and toggle.get_attribute("aria-pressed") == "false"
    press_enter(driver, "refresh-toggle")
    assert toggle.get_attribute("aria-pressed") == "true"
    assert text(driver, "#refresh-state") == "Updates paused."
    before = row("chatty")
    box.client().invoke(FunctionName="chatty", Payload=b"{}")
    seen = ticks()
    wait_for(lambda: ticks() >= seen + 2, "two updates due while paused")
    assert row("chatty") == before and "never called" in before
    press_enter(driver, "refresh-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    wait_for(lambda: "warm 1" in row("chatty"), "the update after resuming")


# -- 6. Remove asks first -------------------------------------------------------------------


def test_remove_asks_naming_the_secret_and_scope_before_deleting(driver: Any, box: Sandbox) -> None:
    base = signed_in(driver, box)
    set_secret(driver, base, "first")
    press_remove(driver, "scope", "GREETER_TOKEN")  # one Enter, as in the audit
    wait_for(lambda: driver.title.startswith("Remove GREETER_TOKEN"), "the question")
    question = text(driver, "main")
    assert "Remove GREETER_TOKEN from sandbox tester?" in question
    assert "greeter will fail from their next call" in question
    driver.get(f"{base}secrets")
    assert "version 1" in text(driver, "main")  # still there
    press_remove(driver, "scope", "GREETER_TOKEN")
    wait_for(lambda: driver.title.startswith("Remove GREETER_TOKEN"), "the question")
    press_enter(driver, "cancel-remove")
    wait_for(lambda: driver.title.startswith("Secrets"), "the Secrets page")
    assert "version 1" in text(driver, "main") and "#missing" not in driver.page_source
    press_remove(driver, "scope", "GREETER_TOKEN")
    wait_for(lambda: driver.title.startswith("Remove GREETER_TOKEN"), "the question")
    assert by_id(driver, "confirm-remove").text == "Remove GREETER_TOKEN from sandbox tester"
    press_enter(driver, "confirm-remove")
    wait_for(lambda: "removed" in driver.title, "the removal")
    assert "GREETER_TOKEN is missing" in text(driver, "#missing")


# -- 7. Control borders ---------------------------------------------------------------------

BORDERS = """
const out = [];
const page = getComputedStyle(document.body).backgroundColor;
for (const el of document.querySelectorAll("textarea, input:not([type=hidden]), select")) {
  const s = getComputedStyle(el);
  out.push([el.id, s.borderTopColor, s.backgroundColor, page]);
}
return out;
"""


def test_form_control_borders_have_3_to_1_contrast_in_both_schemes(
    driver: Any, box: Sandbox
) -> None:
    base = signed_in(driver, box)
    low = []
    for scheme in SCHEMES:
        a11y.color_scheme(driver, scheme)
        for page in ("functions/pinger/invoke?event=alice", "secrets", "logs"):
            driver.get(base + page)
            for ident, border, inside, outside in driver.execute_script(BORDERS):
                # against the control's own fill and the page around it
                ratio = min(a11y.contrast(border, inside), a11y.contrast(border, outside))
                if ratio < 3:
                    low.append(f"{scheme} {page} #{ident}: {ratio:.2f}:1")
    assert not low, low
    assert by_id(driver, "log-text")  # the last page had its controls


def test_contrast_is_wcags_ratio() -> None:
    assert a11y.contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert a11y.contrast("rgb(208, 215, 222)", "rgb(246, 248, 250)") == pytest.approx(1.36, 0.01)
    assert a11y.contrast("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(1)
