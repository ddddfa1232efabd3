"""The console's pages escape what they show (a value is text, never markup)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

from skyfn.host.console import pages
from skyfn.host.console.inventory import ScopeSecret, ScopeTable, SecretRow, budget
from skyfn.host.console.livelog import LiveLog
from skyfn.host.pool import PoolStatus
from skyfn.model import EnvValue, FunctionReference, Model
from skyfn.secrets.store import SecretInfo

BASE = "/_console/k3y"


def test_values_and_names_are_escaped(model: Model) -> None:
    f = dataclasses.replace(
        model.functions[0], environment=(EnvValue("HTML", '<script>alert("x")</script>'),)
    )
    used, limit = budget(f)
    page = pages.function(f, [], used, limit, BASE)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert f'max="{limit}"' in page and limit == 4096 and 0 < used < limit
    listing = pages.functions([(f, PoolStatus(0, 0, 0, None))], 'http://x"><b>', BASE)
    assert '"><b>' not in listing and "no worker" in listing and "never called" in listing


def test_states() -> None:
    assert pages.state(PoolStatus(2, 0, 2, None)) == "warm 2"
    assert pages.state(PoolStatus(1, 3, 4, None)) == "busy 3, warm 1"
    assert pages.state(PoolStatus(0, 0, 5, None)) == "no worker"


def test_every_link_is_under_the_base(model: Model) -> None:
    f = model.functions[0]
    used, limit = budget(f)
    shown = [
        pages.functions([(f, PoolStatus(0, 0, 0, None))], "http://127.0.0.1:3001", BASE),
        pages.function(f, [SecretRow("K", "S", None, None, None)], used, limit, BASE),
        pages.invoke(pages.InvokeView(f.name, [], "{}", "c", BASE)),
        pages.logs([f.name], [], BASE),
        pages.confirm_remove(pages.RemoveView("S", "shared", "shared", [], "c", BASE)),
    ]
    for page in shown:
        targets = re.findall(r'(?:href|action|data-source)="([^"]*)"', page)
        assert targets and all(t.startswith(f"{BASE}/") for t in targets), targets


def test_a_value_breaking_its_pattern_shows_invalid_never_the_value() -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    info = SecretInfo("/skyfn/a/shared/S", 3, when)
    table = ScopeTable(None, "shared", "shared", (ScopeSecret("S", ("f (K)",), info, True),))
    page = pages.secrets([table], [], "c", "", BASE)
    assert "INVALID" in page and "version 3" in page
    ok = ScopeTable(None, "shared", "shared", (ScopeSecret("S", ("f (K)",), info, False),))
    assert "INVALID" not in pages.secrets([ok], [], "c", "", BASE)


def test_the_logs_page_serves_the_kept_lines_in_a_plain_list_inside_the_live_region() -> None:
    log = LiveLog()
    log.add("say-hello", "6d3cdec5-aaaa", "<b>API_KEY</b> resolved")
    log.add("", "", "console: noted")
    page = pages.logs(["say-hello"], log.kept(), BASE)
    region = page.index('<div id="log-view" role="log" tabindex="0"')
    assert region < page.index('<ol id="log-lines"') and 'data-after="2"' in page
    assert "<ol" in page and 'role="log"' not in page[page.index("<ol") :]
    assert "&lt;b&gt;API_KEY&lt;/b&gt;" in page and "<b>" not in page
    first, second = re.findall(r"<li .*?</li>", page)
    read = re.sub(r"<[^>]+>", "", first)  # what a screen reader reads, separators included
    assert re.fullmatch(r"\d\d:\d\d:\d\d, say-hello, request 6d3cdec5: &lt;b&gt;API_KEY.*", read)
    assert re.fullmatch(r"\d\d:\d\d:\d\d, skyfn: console: noted", re.sub(r"<[^>]+>", "", second))


def test_remove_on_the_secrets_page_only_asks() -> None:
    info = SecretInfo("/skyfn/a/shared/S", 3, datetime(2024, 1, 1, tzinfo=UTC))
    table = ScopeTable(None, "shared", "shared", (ScopeSecret("S", ("f (K)",), info, False),))
    page = pages.secrets([table], [], "c", "", BASE)
    asking = re.search(r'<form method="(\w+)" action="([^"]+)">(?:(?!</form>).)*Remove…', page)
    assert asking is not None and asking.groups() == ("get", f"{BASE}/secrets/remove")
    question = pages.confirm_remove(pages.RemoveView("S<x>", "shared", "shared", ["f"], "c", BASE))
    assert "Remove <code>S&lt;x&gt;</code> from shared?" in question and "<x>" not in question
    assert 'name="confirm" value="yes"' in question and 'name="csrf" value="c"' in question


def test_a_function_reference_is_listed_with_the_name_the_worker_sees(model: Model) -> None:
    # found by the every-option property test: function_ref keys were missing from the page
    f = dataclasses.replace(
        model.functions[0],
        references=(FunctionReference("MAILER", "mailer", "app-main-mailer-1a2b3c4d"),),
    )
    used, limit = budget(f)
    page = pages.function(f, [], used, limit, BASE)
    row = re.search(r"<tr><th scope=\"row\"><code>MAILER</code>.*?</tr>", page)
    assert row is not None, page
    assert "function_ref" in row.group() and "mailer" in row.group()
