"""One builder of the missing-secret hint, for the cold start and the CLI alike."""

from __future__ import annotations

import pytest

from skyfn.runtime import hints

ME = hints.default_identifier()


@pytest.mark.parametrize(
    ("scope", "store", "command"),
    [
        (f"sandbox:{ME}", "local", "skyfn secret set K"),  # the developer's own sandbox
        ("sandbox:alice", "local", "skyfn secret set K --identifier alice"),
        (f"sandbox:{ME}", "ssm", "skyfn secret set K --store ssm"),
        ("branch:main", "ssm", "skyfn secret set K --branch main"),  # where branches deploy from
        ("branch:main", "local", "skyfn secret set K --branch main --store local"),
        (None, "local", "skyfn secret set K --shared"),
    ],
)
def test_set_command_names_only_the_options_needed(
    scope: str | None, store: str, command: str
) -> None:
    assert hints.set_command("K", scope, store) == command


def test_missing_secret_names_secret_variable_function_paths_and_fix() -> None:
    message = hints.missing_secret(
        "MY_KEY", "branch:main", ["/a/MY_KEY", "/b/MY_KEY"], "ssm", key="API", function="fn"
    )
    assert message == (
        "secret MY_KEY (environment API of function fn) is not set for branch main in the ssm "
        "store (looked in: /a/MY_KEY, /b/MY_KEY). Set it with: skyfn secret set MY_KEY "
        "--branch main"
    )


def test_the_pytest_plugins_store_says_how_to_pass_the_value() -> None:
    message = hints.missing_secret("K", "sandbox:pytest", ["/p/K"], "inline")
    assert message.endswith("Give it to skyfn_invoke: secrets={'K': '...'}")


def test_default_identifier_is_safe_for_store_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "Jane Doe/x")
    monkeypatch.setenv("USER", "Jane Doe/x")
    assert hints.default_identifier() == "Jane-Doe-x"
