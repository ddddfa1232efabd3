"""The console's pages escape what they show (a value is text, never markup)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

from skyfn.host.console import pages
from skyfn.host.console.inventory import ScopeSecret, ScopeTable, SecretRow, budget
from skyfn.host.pool import PoolStatus
from skyfn.model import EnvValue, Model
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
        pages.logs([f.name], BASE),
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
