"""skyfn.secrets.local: the embedded store on a real SQLite file: round trip, versions, modes,
tampering (races between processes: tests/robustness/test_local_store_races.py)."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.runtime.errors import SecretStoreError
from skyfn.secrets.local import LocalStore
from skyfn.secrets.local_reader import LocalReader

P = "/skyfn/app/sandbox-alice/MY_API_KEY"
SHARED = "/skyfn/app/shared/MY_API_KEY"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def other_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_round_trip_and_versions(isolated_home: Path) -> None:
    store = LocalStore()
    assert store.read_many([P]) == {}
    first = store.write(P, "one")
    second = store.write(P, "two ünïcode ✓")
    store.write(SHARED, "shared")
    assert (first.version, second.version) == (1, 2)
    got = store.read_many([P, SHARED, "/skyfn/app/shared/ABSENT"])
    assert got[P].value == "two ünïcode ✓" and got[P].version == 2
    assert got[SHARED].value == "shared" and set(got) == {P, SHARED}
    everything = store.list("/skyfn/app/", recursive=True)
    assert [(i.path, i.version) for i in everything] == [(P, 2), (SHARED, 1)]
    assert [i.path for i in store.list("/skyfn/app/shared/")] == [SHARED]
    # the cold-start reader reads the same file and format
    assert LocalReader().read_many([P, SHARED]) == {P: "two ünïcode ✓", SHARED: "shared"}
    assert store.delete(P) is True and store.delete(P) is False
    assert store.read_many([P]) == {}


def test_files_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "fresh" / "skyfn"
    monkeypatch.setenv("SKYFN_HOME", str(home))
    LocalStore().write(P, "v")
    assert mode(home) == 0o700
    assert mode(home / "master.key") == 0o600
    assert mode(home / "secrets.db") == 0o600
    for extra in home.glob("secrets.db-*"):  # WAL files, if any remain
        assert mode(extra) == 0o600


def test_nothing_is_stored_in_plaintext(isolated_home: Path) -> None:
    LocalStore().write(P, "plaintext-canary-4242")
    for file in isolated_home.iterdir():
        assert b"plaintext-canary-4242" not in file.read_bytes()


def test_a_loose_key_file_is_refused_with_the_chmod_to_run(isolated_home: Path) -> None:
    store = LocalStore()
    store.write(P, "v")
    key = isolated_home / "master.key"
    key.chmod(0o644)
    with pytest.raises(SkyfnError) as caught:
        store.read_many([P])
    assert f"chmod 600 {key}" in str(caught.value)
    with pytest.raises(SkyfnError, match="chmod 600"):
        store.write(P, "w")


def test_a_wrong_key_is_a_clear_error_never_garbage(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore()
    store.write(P, "v")
    monkeypatch.setenv("SKYFN_MASTER_KEY", other_key())
    with pytest.raises(SkyfnError) as caught:
        store.read_many([P])
    message = str(caught.value)
    assert "MY_API_KEY" in message and "SKYFN_MASTER_KEY is not the key" in message
    with pytest.raises(SecretStoreError, match="MY_API_KEY"):
        LocalReader().read_many([P])
    # writing under another key would mix keys in one file: refused too
    with pytest.raises(SkyfnError, match="not the key that encrypted"):
        store.write(P, "w")
    # a replaced key file, likewise
    monkeypatch.delenv("SKYFN_MASTER_KEY")
    key = isolated_home / "master.key"
    key.write_text(other_key())
    with pytest.raises(SkyfnError, match=f"the key file {key} is not the key"):
        store.read_many([P])


def test_a_master_key_from_the_environment(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKYFN_MASTER_KEY", other_key())
    store = LocalStore()
    store.write(P, "ci value")
    assert not (isolated_home / "master.key").exists()
    assert store.read_many([P])[P].value == "ci value"
    monkeypatch.setenv("SKYFN_MASTER_KEY", "not base64 of 32 bytes")
    with pytest.raises(SkyfnError, match="SKYFN_MASTER_KEY is not a valid master key"):
        store.read_many([P])


def test_edited_ciphertext_names_the_secret(isolated_home: Path) -> None:
    store = LocalStore()
    store.write(P, "v")
    with sqlite3.connect(isolated_home / "secrets.db") as conn:
        (blob,) = conn.execute("SELECT ciphertext FROM secrets").fetchone()
        edited = bytes([blob[0] ^ 1]) + blob[1:]
        conn.execute("UPDATE secrets SET ciphertext = ?", (edited,))
    conn.close()
    with pytest.raises(SkyfnError) as caught:
        store.read_many([P])
    assert str(caught.value).startswith(f"secret MY_API_KEY ({P}, version 1)")
    assert "edited or moved" in str(caught.value)


def test_a_row_moved_to_another_path_or_version_fails(isolated_home: Path) -> None:
    store = LocalStore()
    store.write(P, "alice's value")
    with sqlite3.connect(isolated_home / "secrets.db") as conn:
        conn.execute("UPDATE secrets SET path = ?", (SHARED,))
    conn.close()
    with pytest.raises(SkyfnError, match=f"secret MY_API_KEY \\({SHARED}, version 1\\)"):
        store.read_many([SHARED])
    with sqlite3.connect(isolated_home / "secrets.db") as conn:
        conn.execute("UPDATE secrets SET path = ?, version = 2", (P,))
    conn.close()
    with pytest.raises(SkyfnError, match="edited or moved"):
        store.read_many([P])


def test_a_missing_key_file_with_stored_secrets(isolated_home: Path) -> None:
    store = LocalStore()
    store.write(P, "v")
    (isolated_home / "master.key").unlink()
    with pytest.raises(SkyfnError, match=r"master\.key does not exist"):
        store.read_many([P])


def test_a_listing_is_one_folder_deep_unless_recursive(isolated_home: Path) -> None:
    store = LocalStore()
    store.write(P, "v")
    store.write("/skyfn/app/sandbox-alice/deeper/OTHER", "x")
    store.write("/skyfn/app/branch-main/K", "y")
    assert [i.path for i in store.list("/skyfn/app/sandbox-alice/")] == [P]
    assert store.list("/skyfn/app/") == []
    assert [i.path for i in store.list("/skyfn/app/", recursive=True)] == [
        "/skyfn/app/branch-main/K",
        P,
        "/skyfn/app/sandbox-alice/deeper/OTHER",
    ]
