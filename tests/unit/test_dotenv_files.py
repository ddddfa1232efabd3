"""``.env`` files: order, precedence of the process, and forgetting what a reload dropped."""

from __future__ import annotations

from pathlib import Path

from skyfn import scope as scopes
from skyfn.dotenv_files import apply_env_files, env_file_names, is_env_file


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
