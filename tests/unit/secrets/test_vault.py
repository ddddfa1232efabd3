"""The host's Vault settings and reference parsing (no server needed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skyfn.model import VaultField
from skyfn.runtime.errors import SecretStoreError
from skyfn.secrets.vault import parse, settings


def test_parse_reads_back_the_field_of_a_path() -> None:
    assert parse("secret/app/db#password") == VaultField("secret", "app/db", "password")
    assert parse("kv/a#k:7") == VaultField("kv", "a", "k", 7)


def test_bao_variables_and_the_token_file(tmp_path: Path) -> None:
    (tmp_path / ".vault-token").write_text("from-file\n")
    found = settings({"BAO_ADDR": "http://127.0.0.1:8200/", "HOME": str(tmp_path)})
    assert found.address == "http://127.0.0.1:8200" and found.token == "from-file"
    assert found.token_source == str(tmp_path / ".vault-token")
    env = {"VAULT_ADDR": "x", "VAULT_TOKEN": "t", "VAULT_NAMESPACE": "team", "BAO_CACERT": "ca"}
    assert settings(env)[2:4] == ("team", "ca")


@pytest.mark.parametrize(
    ("env", "words"),
    [({}, "no Vault address"), ({"VAULT_ADDR": "http://x"}, "no Vault token")],
)
def test_what_is_missing_is_named(tmp_path: Path, env: dict[str, str], words: str) -> None:
    with pytest.raises(SecretStoreError, match=words):
        settings({**env, "HOME": str(tmp_path)})


def test_a_dotenv_file_never_supplies_the_settings(tmp_path: Path) -> None:
    from skyfn import dotenv_files
    from skyfn.model import Scope

    (tmp_path / ".env").write_text("VAULT_ADDR=http://evil.example\nVAULT_TOKEN=planted\n")
    old = dict(os.environ)
    try:
        for key in ("VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN"):
            os.environ.pop(key, None)
        os.environ["HOME"] = str(tmp_path)
        dotenv_files.apply_env_files(tmp_path, Scope("sandbox", "me"), environ=os.environ)
        assert os.environ["VAULT_ADDR"] == "http://evil.example"  # resource.py sees it
        with pytest.raises(SecretStoreError, match="no Vault address"):
            settings()
    finally:
        dotenv_files.apply_env_files(tmp_path / "none", Scope("sandbox", "me"))
        os.environ.clear()
        os.environ.update(old)
