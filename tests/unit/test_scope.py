"""Scope → secret paths: the one module that shapes them."""

from __future__ import annotations

import hashlib

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


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("main", "main"),
        ("release-1.2_x", "release-1.2_x"),
        ("feature/login", "feature-login"),
        ("dependabot/pip/requests-2.31.0", "dependabot-pip-requests-2.31.0"),
        ("fix/größe", "fix-gr-e-" + hashlib.sha256("fix/größe".encode()).hexdigest()[:8]),
        ("#12", "12-" + hashlib.sha256(b"#12").hexdigest()[:8]),
        ("a" * 70 + "/b", "a" * 55 + "-" + hashlib.sha256(b"a" * 70 + b"/b").hexdigest()[:8]),
    ],
)
def test_a_git_branch_name_maps_to_one_safe_name(given: str, safe: str) -> None:
    branch = scope.branch(given)
    assert (branch.name, branch.given_name) == (safe, given)
    assert branch == Scope("branch", safe)  # one scope, whichever name it was given by
    assert scope.lookup_paths("shop", branch, "K")[0] == f"/skyfn/shop/branch-{safe}/K"


@pytest.mark.parametrize("bad", ["", "a b", "../shared", "..", "x\ny", "-x", "a/", "/a", "a@{1}"])
def test_names_git_refuses_are_refused(bad: str) -> None:
    with pytest.raises(SkyfnError, match="branch name") as refused:
        scope.branch(bad)
    assert "\n" not in str(refused.value).replace("\\n", "")


def test_a_mapped_name_is_noted_with_where_it_is_used() -> None:
    assert scope.mapping_note(scope.branch("main")) is None
    note = scope.mapping_note(scope.branch("feature/login"))
    assert note is not None and "/skyfn/<app>/branch-feature-login/" in note
    assert ".env.feature-login" in note


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
