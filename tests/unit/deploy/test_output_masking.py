"""deploy/output_masking.py: the masker of a deployed function's output learns every path of
every secret, and refuses with one line when they cannot be read."""

from __future__ import annotations

import pytest

from skyfn.deploy.diff import FunctionState, SecretUse
from skyfn.deploy.output_masking import function_masker
from skyfn.errors import SkyfnError

STATE = FunctionState(
    name="alpha",
    physical_name=None,
    code_key="",
    timeout=3,
    memory=128,
    environment={},
    secrets={
        "API_KEY": SecretUse(
            "API_KEY", ("/skyfn/app/branch-main/API_KEY", "/skyfn/app/shared/API_KEY")
        ),
        "TOKEN": SecretUse("TOKEN", ("/skyfn/app/shared/API_KEY",)),
    },
    access=frozenset(),
)


def test_learns_the_values_of_every_path_asked_once_each() -> None:
    asked: list[list[str]] = []

    def read(paths: list[str]) -> list[str]:
        asked.append(paths)
        return ["scoped-value-1", "shared-value-2"]

    masker = function_masker(STATE, read, "its logs", "")
    assert asked == [["/skyfn/app/branch-main/API_KEY", "/skyfn/app/shared/API_KEY"]]
    assert "scoped-value-1" not in masker.text("a scoped-value-1 and shared-value-2")
    assert "shared-value-2" not in masker.text("a scoped-value-1 and shared-value-2")


def test_a_function_without_secrets_reads_nothing() -> None:
    def read(paths: list[str]) -> list[str]:
        raise AssertionError("nothing to read")

    plain = FunctionState("beta", None, "", 3, 128, {}, {}, frozenset())
    assert function_masker(plain, read, "its logs", "").text("hello") == "hello"


def test_an_unreadable_secret_refuses_naming_where_and_what_was_not_done() -> None:
    def read(paths: list[str]) -> list[str]:
        raise SkyfnError("access denied to ssm:GetParameters")

    with pytest.raises(SkyfnError) as refused:
        function_masker(STATE, read, "its log tail", "; nothing was invoked")
    assert str(refused.value) == (
        "cannot mask the secrets of alpha in its log tail: access denied to "
        "ssm:GetParameters; nothing was invoked"
    )
