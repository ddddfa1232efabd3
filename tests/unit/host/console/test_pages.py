"""The console's pages escape what they show (a value is text, never markup)."""

from __future__ import annotations

import dataclasses

from skyfn.host.console import pages
from skyfn.host.console.inventory import budget
from skyfn.host.pool import PoolStatus
from skyfn.model import EnvValue, Model


def test_values_and_names_are_escaped(model: Model) -> None:
    f = dataclasses.replace(
        model.functions[0], environment=(EnvValue("HTML", '<script>alert("x")</script>'),)
    )
    used, limit = budget(f)
    page = pages.function(f, [], used, limit)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert f'max="{limit}"' in page and limit == 4096 and 0 < used < limit
    listing = pages.functions([(f, PoolStatus(0, 0, 0, None))], 'http://x"><b>')
    assert '"><b>' not in listing and "no worker" in listing and "never called" in listing


def test_states() -> None:
    assert pages.state(PoolStatus(2, 0, 2, None)) == "warm 2"
    assert pages.state(PoolStatus(1, 3, 4, None)) == "busy 3, warm 1"
    assert pages.state(PoolStatus(0, 0, 5, None)) == "no worker"
