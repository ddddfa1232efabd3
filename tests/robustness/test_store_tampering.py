"""A damaged or tampered local store, seen through the CLI (``secret get``, ``secret list``)
and a cold start (``skyfn invoke``): one clear error naming the secret or the file, a
non-zero exit, never the value, never garbage, never a traceback."""

from __future__ import annotations

import base64
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource

VALUE = "tamper-canary-51f0c2d9"
HANDLER = """\
import os

def handler(event, context):
    return len(os.environ["TOKEN"])
"""


def update(home: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(home / "secrets.db")
    with conn:
        conn.execute(sql, params)
    conn.close()


def flip_a_byte(home: Path) -> None:
    conn = sqlite3.connect(home / "secrets.db")
    (blob,) = conn.execute("SELECT ciphertext FROM secrets").fetchone()
    with conn:
        conn.execute("UPDATE secrets SET ciphertext = ?", (bytes([blob[0] ^ 0x40]) + blob[1:],))
    conn.close()


def move_to_shared(home: Path) -> None:
    update(home, "UPDATE secrets SET path = '/skyfn/testapp/shared/TOKEN'")


def wrong_key_file(home: Path) -> None:
    (home / "master.key").write_text(base64.b64encode(os.urandom(32)).decode() + "\n")


def garbage_key_file(home: Path) -> None:
    (home / "master.key").write_text("not a key\n")


def truncate_db(home: Path) -> None:
    checkpoint(home)
    db = home / "secrets.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def overwrite_db(home: Path) -> None:
    checkpoint(home)
    (home / "secrets.db").write_bytes(b"this is not a database\n" * 100)


def loose_key_mode(home: Path) -> None:
    (home / "master.key").chmod(0o644)


def checkpoint(home: Path) -> None:
    """Move the WAL into the main file first, so cutting the file really loses pages."""
    conn = sqlite3.connect(home / "secrets.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for extra in home.glob("secrets.db-*"):
        extra.unlink()


DB = "{home}/secrets.db"
KEY = "{home}/master.key"
# case -> (damage, what the error says, does `secret list` (names only) still work?)
CASES: dict[str, tuple[Callable[[Path], None], str, bool]] = {
    "flipped byte": (flip_a_byte, "secret TOKEN (/skyfn/testapp/sandbox-t/TOKEN, version 1)", True),
    "row moved": (move_to_shared, "secret TOKEN (/skyfn/testapp/shared/TOKEN, version 1)", True),
    "wrong key file": (wrong_key_file, f"the key file {KEY} is not the key that encrypted", True),
    "garbage key file": (
        garbage_key_file,
        f"master key file {KEY} is not a valid master key",
        True,
    ),
    "truncated db": (truncate_db, f"the secret store {DB} is damaged", False),
    "overwritten db": (overwrite_db, f"the secret store {DB} is damaged", False),
    "loose key mode": (loose_key_mode, f"protect it with: chmod 600 {KEY}", True),
}


def clean_failure(result: Result, expected: str) -> None:
    assert result.code == 1, result
    assert expected in result.err, result.err
    assert "Traceback" not in result.err + result.out
    assert VALUE not in result.err + result.out


@pytest.mark.parametrize("case", sorted(CASES))
def test_tampering_is_one_clear_error_everywhere(
    case: str, tmp_path: Path, isolated_home: Path
) -> None:
    root = make_project(
        tmp_path / "p", {"t": resource('{"TOKEN": secret("TOKEN")}', name="t")}, {"t": HANDLER}
    )
    scope = ("--identifier", "t")
    assert run_skyfn("secret", "set", "TOKEN", *scope, cwd=root, stdin=VALUE).code == 0
    assert run_skyfn("invoke", "t", *scope, cwd=root).out.strip() == str(len(VALUE))

    damage, expected, list_works = CASES[case]
    damage(isolated_home)
    expected = expected.format(home=isolated_home)

    clean_failure(run_skyfn("secret", "get", "TOKEN", *scope, cwd=root), expected)
    invoked = run_skyfn("invoke", "t", *scope, cwd=root)
    clean_failure(invoked, expected)
    assert "ColdStartError" in invoked.err
    listed = run_skyfn("secret", "list", *scope, cwd=root)
    if list_works:
        assert listed.code == 0 and "TOKEN" in listed.out, listed
        assert VALUE not in listed.out + listed.err
    else:
        clean_failure(listed, expected)


def test_an_empty_store_file_is_an_empty_store(tmp_path: Path, isolated_home: Path) -> None:
    """A file created but not yet set up (another process is doing it) holds no secrets."""
    root = make_project(tmp_path / "p", {"t": resource(name="t")})
    (isolated_home / "secrets.db").touch(mode=0o600)
    listed = run_skyfn("secret", "list", "--shared", cwd=root)
    assert listed.code == 0 and listed.out.startswith("no secrets for shared"), listed
    got = run_skyfn("secret", "get", "TOKEN", "--shared", cwd=root)
    assert got.code == 1 and "secret TOKEN is not set for shared" in got.err
    assert run_skyfn("secret", "set", "TOKEN", "--shared", cwd=root, stdin="v").code == 0
    assert run_skyfn("secret", "get", "TOKEN", "--shared", cwd=root).out == "v\n"
