"""skyfn.secrets.known: every secret value that enters the tooling is remembered, so that a
crash report can mask it (skyfn.cli.crash)."""

from __future__ import annotations

import secrets as random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.secrets import known
from skyfn.secrets.dotenv_import import read_dotenv
from skyfn.secrets.local import LocalStore
from skyfn.secrets.manage import check_value
from skyfn.secrets.store import SecretValue


def fresh() -> str:
    return f"value-{random.token_hex(8)}"


def test_remember_keeps_values_and_skips_empty_ones() -> None:
    value = fresh()
    known.remember([value, ""])
    assert value in known.known() and "" not in known.known()


def test_every_value_a_store_returns_is_remembered(tmp_path: Path) -> None:
    store, value = LocalStore(tmp_path), fresh()
    store.write("/skyfn/app/shared/X", value)  # the store itself: not through manage
    assert value not in known.known()
    assert store.read_many(["/skyfn/app/shared/X"])["/skyfn/app/shared/X"].value == value
    assert value in known.known()
    other = fresh()
    SecretValue("/p", other, 1, datetime.now(UTC))  # any store's answer
    assert other in known.known()


def test_a_value_on_its_way_into_a_store_is_remembered_even_when_refused() -> None:
    value = fresh() + "\x00"
    with pytest.raises(SkyfnError):
        check_value(value, "X")
    assert value in known.known()


def test_values_of_a_dotenv_import_are_remembered_even_when_the_file_is_refused(
    tmp_path: Path,
) -> None:
    good, bad_line_value = fresh(), fresh()
    file = tmp_path / ".env"
    file.write_text(f"A={good}\nnot a binding\nB={bad_line_value}\n")
    with pytest.raises(SkyfnError):
        read_dotenv(file)
    assert {good, bad_line_value} <= known.known()


def test_values_the_host_resolves_are_remembered() -> None:
    from skyfn.host.secret_resolver import InlineReader, _Recording

    value = fresh()
    found: dict[str, str] = {}
    reader = _Recording(InlineReader({"/p": value}), found)
    assert reader.read_many(["/p"]) == {"/p": value}
    assert value in known.known()
