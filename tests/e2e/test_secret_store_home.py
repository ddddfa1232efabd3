"""What the local store requires of ``$SKYFN_HOME`` (issue 22 findings 8 and 9): folders
created 0700 whatever the umask; a folder others may write to or another user owns is
refused with the command that fixes it; ``secrets.db`` and ``master.key`` are never
followed through a link; a store with secrets and no key gets no new key."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", {"fn": resource('{"KEY": secret("K1")}', name="fn")})


def skyfn(root: Path, home: Path, *args: str, stdin: str = "") -> Result:
    return run_skyfn(*args, cwd=root, env={"SKYFN_HOME": str(home)}, stdin=stdin)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def refused(result: Result, *expected: str) -> None:
    assert result.code == 1, result
    assert "Traceback" not in result.err and result.err.count("\n") == 1, result.err
    for text in expected:
        assert text in result.err


def home_in(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    return home


def test_missing_parents_are_created_private_under_a_permissive_umask(
    root: Path, tmp_path: Path
) -> None:
    home = tmp_path / "a" / "b" / "skyfn"
    old = os.umask(0)
    try:
        result = skyfn(root, home, "secret", "set", "K1", stdin="v")
    finally:
        os.umask(old)
    assert result.code == 0, result
    for folder in (tmp_path / "a", tmp_path / "a" / "b", home):
        assert mode(folder) == 0o700, folder
    assert mode(home / "secrets.db") == mode(home / "master.key") == 0o600


def test_a_home_others_may_write_to_is_refused(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    home.chmod(0o777)
    refused(skyfn(root, home, "secret", "set", "K1", stdin="v"), f"chmod 700 {home}")
    assert list(home.iterdir()) == []
    refused(skyfn(root, home, "secret", "get", "K1"), "writable by other users")
    home.chmod(0o770)  # a group is others too
    refused(skyfn(root, home, "secret", "list"), f"chmod 700 {home}")
    home.chmod(0o700)
    assert skyfn(root, home, "secret", "set", "K1", stdin="v").code == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_home_another_user_owns_is_refused(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    os.chown(home, 65534, 65534)
    refused(
        skyfn(root, home, "secret", "set", "K1", stdin="v"),
        "belongs to another user (uid 65534)",
        f"chown -R {os.geteuid()} {home}",
    )
    assert list(home.iterdir()) == []


def test_a_dangling_store_link_is_not_followed(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    target = tmp_path / "elsewhere" / "planted.db"
    target.parent.mkdir()
    (home / "secrets.db").symlink_to(target)
    refused(
        skyfn(root, home, "secret", "set", "K1", stdin="v"),
        f"the secret store {home / 'secrets.db'} is a symbolic link",
    )
    assert not target.exists() and not (home / "master.key").exists()
    refused(skyfn(root, home, "secret", "get", "K1"), "symbolic link")
    invoked = skyfn(root, home, "invoke", "fn")  # the host reads the store for the worker
    assert invoked.code == 1 and "Traceback" not in invoked.err
    assert "ColdStartError: the secret store" in invoked.err and "symbolic link" in invoked.err


def test_a_link_to_a_user_file_never_becomes_the_store(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.touch(mode=0o600)
    (home / "secrets.db").symlink_to(notes)
    refused(skyfn(root, home, "secret", "set", "K1", stdin="v"), "symbolic link")
    assert notes.read_bytes() == b""
    (home / "secrets.db").unlink()
    os.link(notes, home / "secrets.db")  # a second name of the user's file
    refused(skyfn(root, home, "secret", "set", "K1", stdin="v"), "has 2 names")
    assert notes.read_bytes() == b""


def test_a_loose_store_file_is_refused_with_the_chmod(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    assert skyfn(root, home, "secret", "set", "K1", stdin="v").code == 0
    (home / "secrets.db").chmod(0o644)
    refused(skyfn(root, home, "secret", "get", "K1"), f"chmod 600 {home / 'secrets.db'}")


def test_a_linked_master_key_is_refused(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    assert skyfn(root, home, "secret", "set", "K1", stdin="v").code == 0
    moved = tmp_path / "moved.key"
    (home / "master.key").rename(moved)
    (home / "master.key").symlink_to(moved)
    refused(skyfn(root, home, "secret", "get", "K1"), f"master key file {home / 'master.key'}")
    refused(skyfn(root, home, "secret", "set", "K1", stdin="w"), "symbolic link")
    (home / "master.key").unlink()
    (home / "master.key").symlink_to(tmp_path / "dangling.key")
    refused(skyfn(root, home, "secret", "set", "K1", stdin="w"), "symbolic link")
    assert not (tmp_path / "dangling.key").exists()


def test_set_with_the_key_missing_writes_no_new_key(root: Path, tmp_path: Path) -> None:
    home = home_in(tmp_path)
    assert skyfn(root, home, "secret", "set", "K1", stdin="v").code == 0
    (home / "master.key").unlink()
    refused(
        skyfn(root, home, "secret", "set", "K1", stdin="w"),
        f"no master key: {home / 'master.key'} does not exist",
        "nothing was written",
    )
    assert not (home / "master.key").exists()
    with sqlite3.connect(home / "secrets.db") as conn:
        assert conn.execute("SELECT count(*) FROM secrets").fetchone() == (1,)
    conn.close()
