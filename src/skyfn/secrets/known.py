"""The secret values this process has seen, so that a crash report can mask them
(``skyfn.cli.crash``).

Fed where values enter the tooling: every ``SecretValue`` a store returns, every value on
its way into a store (``manage.check_value``), every value read from a ``.env`` file to
import, every external reference read with the developer's credentials. A resolver that
reads values another way (the host's, through ``skyfn.runtime.secrets``) calls ``remember``
too. Nothing here is ever written anywhere; it lives as long as the process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

_lock = threading.Lock()
_values: set[str] = set()


def remember(values: Iterable[str]) -> None:
    """Add ``values`` to what this process knows as secret."""
    fresh = [value for value in values if isinstance(value, str) and value]
    with _lock:
        _values.update(fresh)


def known() -> frozenset[str]:
    """Every secret value this process has seen so far."""
    with _lock:
        return frozenset(_values)
