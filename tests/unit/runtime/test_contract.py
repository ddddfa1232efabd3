"""``SKYFN_SECRETS`` is written and read in one module: every entry survives a round trip,
and whatever else the variable holds is refused as malformed, never misread."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyfn.runtime import contract
from skyfn.runtime.contract import SecretEntry

paths = st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4).map(tuple)
ages = st.one_of(
    st.none(),
    st.just(contract.DEFAULT_MAX_AGE),
    st.integers(min_value=0, max_value=10**6),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
entries = st.dictionaries(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{1,20}", fullmatch=True),
    st.builds(SecretEntry, paths, ages),
    max_size=8,
)


@given(entries)
def test_every_entry_survives_a_round_trip(value: dict[str, SecretEntry]) -> None:
    assert contract.decode_secrets(contract.encode_secrets(value)) == value


def test_the_default_max_age_costs_no_byte() -> None:
    raw = contract.encode_secrets({"K": SecretEntry(("/a", "/b"))})
    assert raw == '{"K":["/a","/b"]}'
    assert contract.encode_secrets({"K": SecretEntry(("/a:2",), None)}) == '{"K":["/a:2",null]}'


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "[]",
        '{"K": "/a"}',
        '{"K": []}',
        '{"K": [60]}',
        '{"K": ["/a", true]}',
        '{"K": ["/a", "x", 1, "y"]}',
    ],
)
def test_anything_else_is_malformed(raw: str) -> None:
    with pytest.raises(ValueError):
        contract.decode_secrets(raw)


def test_the_variables_are_written_together() -> None:
    variables = contract.secret_variables({"K": SecretEntry(("/a",), 5)}, "ssm", "branch:main")
    assert variables == {
        contract.SECRETS_VAR: json.dumps({"K": ["/a", 5]}, separators=(",", ":")),
        contract.STORE_VAR: "ssm",
        contract.SCOPE_VAR: "branch:main",
    }
