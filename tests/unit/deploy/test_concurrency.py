"""``reserved_concurrency`` against the account's unreserved minimum, before any change.

moto has no ``GetAccountSettings``, so the account is a stub with Lambda's answers' shape."""

from __future__ import annotations

import dataclasses
from typing import Any

import botocore.exceptions
import pytest

from skyfn.deploy import concurrency, names
from skyfn.errors import SkyfnError
from skyfn.model import Model
from skyfn.model_settings import Settings
from tests.support.models import branch_model


class Account:
    def __init__(self, unreserved: int, reserved: dict[str, int]) -> None:
        self.unreserved = unreserved
        self.reserved = reserved
        self.calls: list[str] = []

    def get_account_settings(self) -> dict[str, Any]:
        self.calls.append("GetAccountSettings")
        return {"AccountLimit": {"UnreservedConcurrentExecutions": self.unreserved}}

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:
        self.calls.append(FunctionName)
        if FunctionName not in self.reserved:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}
            raise botocore.exceptions.ClientError(error, "GetFunctionConcurrency")
        return {"ReservedConcurrentExecutions": self.reserved[FunctionName]}


def reserving(**amounts: int | None) -> Model:
    model = branch_model(sorted(amounts), app_id="shop")
    functions = tuple(
        dataclasses.replace(f, settings=Settings(reserved_concurrency=amounts[f.name]))
        for f in model.functions
    )
    return dataclasses.replace(model, functions=functions)


def physical(name: str) -> str:
    return names.function_name("shop", "main", name)


def test_nothing_is_read_when_no_function_reserves() -> None:
    concurrency.check(reserving(a=None), lambda: pytest.fail("no client needed"))


def test_a_reservation_leaving_the_minimum_passes() -> None:
    account = Account(110, {})
    concurrency.check(reserving(mailer=10), lambda: account)
    assert account.calls == ["GetAccountSettings", physical("mailer")]


def test_a_reservation_below_the_minimum_is_refused_naming_the_function() -> None:
    account = Account(110, {})
    with pytest.raises(SkyfnError) as caught:
        concurrency.check(reserving(mailer=11, report=None), lambda: account)
    assert str(caught.value).startswith(
        "function mailer: reserved_concurrency=11 would leave the account 99 unreserved "
        "concurrent executions in this region (it has 110 unreserved now); Lambda keeps at "
        "least 100. Nothing was deployed."
    )


def test_what_a_function_reserves_already_counts_as_its_own() -> None:
    # mailer holds 50 already (so 110 are unreserved); asking for 55 takes 5 more.
    account = Account(110, {physical("mailer"): 50})
    concurrency.check(reserving(mailer=55), lambda: account)
    with pytest.raises(SkyfnError, match="function mailer: reserved_concurrency=61"):
        concurrency.check(reserving(mailer=61), lambda: account)
