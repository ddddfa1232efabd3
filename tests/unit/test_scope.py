"""Scope → secret paths: the one module that shapes them."""

from __future__ import annotations

import pytest

from skyfn import scope
from skyfn.errors import SkyfnError
from skyfn.model import Scope


def test_lookup_is_the_scope_then_shared() -> None:
    assert scope.lookup_paths("shop", Scope("branch", "main"), "KEY") == (
        "/skyfn/shop/branch-main/KEY",
        "/skyfn/shop/shared/KEY",
    )
    assert scope.secret_path("shop", None, "KEY") == "/skyfn/shop/shared/KEY"


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "-x", "", "a..b", "x" * 129])
def test_secret_names_that_could_escape_their_folder_are_refused(name: str) -> None:
    with pytest.raises(SkyfnError, match="secret name"):
        scope.check_secret_name(name)


def test_a_bad_branch_gets_a_suggestion() -> None:
    with pytest.raises(SkyfnError, match="--branch feature-x"):
        scope.branch("feature/x")


@pytest.mark.parametrize(
    ("bad", "suggested"),
    [("ma..in", "ma.in"), ("..x..", "x"), ("-/-", "main"), ("a" * 70 + "/b", "a" * 64)],
)
def test_the_suggested_branch_is_itself_valid(bad: str, suggested: str) -> None:
    with pytest.raises(SkyfnError) as refused:
        scope.branch(bad)
    assert str(refused.value).endswith(f"(e.g. --branch {suggested})")
    assert scope.branch(suggested).name == suggested


def test_the_default_sandbox_is_the_os_user() -> None:
    from skyfn.runtime.hints import default_identifier

    assert scope.sandbox() == Scope("sandbox", default_identifier())
    assert scope.sandbox("alice").ref == "sandbox:alice"


@pytest.mark.parametrize(
    ("folder", "app_id"), [("My_App", "my-app"), ("123", "app-123"), ("--", "app")]
)
def test_app_ids_are_normalised_from_folder_names(folder: str, app_id: str) -> None:
    assert scope.normalise_app_id(folder) == app_id
    assert scope.check_app_id(app_id) == app_id
