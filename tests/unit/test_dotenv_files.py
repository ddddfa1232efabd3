"""``.env`` files: order, precedence of the process, forgetting what a reload dropped, and
keeping their AWS/Vault keys out of skyfn's own clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from skyfn import dotenv_files
from skyfn import scope as scopes
from skyfn.dotenv_files import apply_env_files, env_file_names, is_env_file, own_environment


def test_names_per_scope() -> None:
    assert env_file_names(scopes.branch("staging")) == (
        ".env",
        ".env.local",
        ".env.staging",
        ".env.staging.local",
    )
    assert env_file_names(scopes.sandbox("dev"))[2:] == (".env.sandbox", ".env.sandbox.local")
    assert is_env_file(".env.prod.local")
    assert not is_env_file("env") and not is_env_file("x.env")


def test_later_files_win_and_the_process_wins_over_all(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=env\nB=env\nC=env\n")
    (tmp_path / ".env.local").write_text("B=local\n")
    (tmp_path / ".env.main").write_text("C=main\nLITERAL=$HOME\n")
    environ = {"A": "process"}
    apply_env_files(tmp_path, scopes.branch("main"), environ)
    assert environ == {"A": "process", "B": "local", "C": "main", "LITERAL": "$HOME"}


def test_a_reload_forgets_dropped_values_but_not_ones_changed_since(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("GONE=1\nCHANGED=1\n")
    environ: dict[str, str] = {}
    apply_env_files(tmp_path, scopes.sandbox("dev"), environ)
    environ["CHANGED"] = "by someone else"
    (tmp_path / ".env").write_text("")
    apply_env_files(tmp_path, scopes.sandbox("dev"), environ)
    assert environ == {"CHANGED": "by someone else"}


@pytest.fixture()
def applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder whose ``.env`` is applied to ``os.environ``; forgotten afterwards."""
    for key in ("AWS_UNIT_ENDPOINT", "VAULT_UNIT_ADDR", "UNIT_PLAIN", "AWS_UNIT_SHELL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_UNIT_SHELL", "from-the-shell")
    (tmp_path / ".env").write_text(
        "AWS_UNIT_ENDPOINT=http://decoy\nVAULT_UNIT_ADDR=http://vault\nUNIT_PLAIN=plain\n"
        "AWS_UNIT_SHELL=from-dotenv\n"
    )
    yield tmp_path
    (tmp_path / ".env").write_text("")
    apply_env_files(tmp_path, scopes.sandbox("dev"))


def test_own_environment_sets_aside_what_dotenv_added_for_skyfns_own_settings(
    applied: Path,
) -> None:
    apply_env_files(applied, scopes.sandbox("dev"))
    before = dict(os.environ)
    with own_environment():
        assert "AWS_UNIT_ENDPOINT" not in os.environ and "VAULT_UNIT_ADDR" not in os.environ
        assert os.environ["UNIT_PLAIN"] == "plain"  # not skyfn's: stays for everyone
        assert os.environ["AWS_UNIT_SHELL"] == "from-the-shell"  # the process's own
    assert dict(os.environ) == before  # resource.py and the functions still see them


def test_a_dotenv_key_skyfn_would_have_used_is_named_once(
    applied: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dotenv_files, "_warned", set())  # a fresh process
    apply_env_files(applied, scopes.sandbox("dev"))
    apply_env_files(applied, scopes.sandbox("dev"))  # a sandbox reload
    err = capsys.readouterr().err
    assert err.count("warning: AWS_UNIT_ENDPOINT from .env reaches resource.py") == 1
    assert err.count("warning: VAULT_UNIT_ADDR from .env") == 1
    assert "UNIT_PLAIN" not in err and "AWS_UNIT_SHELL" not in err  # not taken from .env
    assert "http://decoy" not in err


@pytest.mark.parametrize(
    ("key", "own"),
    [
        ("AWS_ENDPOINT_URL", True),
        ("AWS_PROFILE", True),
        ("VAULT_ADDR", True),
        ("BAO_TOKEN", True),
        ("BOTOCORE_EXPERIMENTAL__PLUGINS", True),
        ("HTTPS_PROXY", True),
        ("https_proxy", True),
        ("REQUESTS_CA_BUNDLE", True),
        ("API_ENDPOINT", False),
        ("MY_AWS_THING", False),
    ],
)
def test_which_keys_are_skyfns_own(key: str, own: bool) -> None:
    assert dotenv_files.is_own(key) is own
