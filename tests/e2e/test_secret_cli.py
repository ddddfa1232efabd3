"""``skyfn secret ...`` as a user runs it: real CLI subprocesses on the local store."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skyfn import scope
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource, write

ME = scope.sandbox().name  # the default sandbox identifier (the OS user name)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    fn = resource('{"API_KEY": secret("MY_API_KEY")}', name="say-hello")
    return make_project(tmp_path / "p", {"say_hello": fn})


def skyfn(root: Path, *args: str, stdin: str | bytes = b"") -> Result:
    return run_skyfn(*args, cwd=root, stdin=stdin)


def assert_user_error(result: Result, message: str) -> None:
    assert result.code == 1, result
    assert "Traceback" not in result.err and result.out == ""
    assert result.err.strip() == f"error: {message}"


def test_set_reads_stdin_strips_one_newline_and_get_prints_the_value_alone(root: Path) -> None:
    first = skyfn(root, "secret", "set", "MY_API_KEY", stdin="line one\nline two\n\n")
    assert first.code == 0 and first.out == f"Set MY_API_KEY (version 1) for sandbox {ME}\n"
    assert skyfn(root, "secret", "get", "MY_API_KEY").out == "line one\nline two\n\n"
    second = skyfn(root, "secret", "set", "MY_API_KEY", stdin="  spaced  ")
    assert second.out == f"Set MY_API_KEY (version 2) for sandbox {ME}\n"
    got = skyfn(root, "secret", "get", "MY_API_KEY")
    assert (got.code, got.out, got.err) == (0, "  spaced  \n", "")
    data = json.loads(skyfn(root, "secret", "get", "MY_API_KEY", "--json").out)
    assert data["value"] == "  spaced  " and data["version"] == 2
    assert data["scope"] == f"sandbox {ME}" and data["last_updated"].endswith("Z")


def test_help_says_how_stdin_is_read(root: Path) -> None:
    help_text = " ".join(skyfn(root, "secret", "set", "--help").out.split())
    assert "all of stdin, with one trailing newline removed" in help_text


def test_scopes_are_separate_and_fall_back_to_shared(root: Path) -> None:
    assert skyfn(root, "secret", "set", "K", "--shared", stdin="shared").code == 0
    assert (
        skyfn(root, "secret", "set", "K", "--branch", "main", "--store", "local", stdin="main").code
        == 0
    )
    assert skyfn(root, "secret", "get", "K", "--branch", "main", "--store", "local").out == "main\n"
    assert (
        skyfn(root, "secret", "get", "K", "--branch", "dev", "--store", "local").out == "shared\n"
    )
    assert skyfn(root, "secret", "get", "K", "--identifier", "bob").out == "shared\n"
    via = json.loads(
        skyfn(root, "secret", "get", "K", "--branch", "dev", "--store", "local", "--json").out
    )
    assert via["scope"] == "shared"


def test_get_of_a_missing_secret_says_where_it_looked_and_how_to_set_it(root: Path) -> None:
    assert_user_error(
        skyfn(root, "secret", "get", "MY_API_KEY"),
        f"secret MY_API_KEY is not set for sandbox {ME} in the local store (looked in: "
        f"/skyfn/testapp/sandbox-{ME}/MY_API_KEY, /skyfn/testapp/shared/MY_API_KEY). "
        "Set it with: skyfn secret set MY_API_KEY",
    )
    assert_user_error(
        skyfn(root, "secret", "get", "MY_API_KEY", "--branch", "main", "--store", "local"),
        "secret MY_API_KEY is not set for branch main in the local store (looked in: "
        "/skyfn/testapp/branch-main/MY_API_KEY, /skyfn/testapp/shared/MY_API_KEY). "
        "Set it with: skyfn secret set MY_API_KEY --branch main --store local",
    )


def test_a_branch_reads_the_store_it_deploys_from_by_default(root: Path) -> None:
    """A branch deploys from SSM, so its secret commands go there unless told otherwise
    (here no AWS region is configured: the message says so instead of using the local store)."""
    env = {"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_CONFIG_FILE": "/nonexistent"}
    result = run_skyfn("secret", "set", "K", "--branch", "main", cwd=root, env=env, stdin="v")
    assert result.code == 1 and "Traceback" not in result.err
    assert "cannot connect to SSM: no AWS region configured" in result.err
    assert skyfn(root, "secret", "list", "--json").out.strip() == "[]"  # nothing went local


def test_bad_values_and_names_are_refused(root: Path) -> None:
    assert_user_error(
        skyfn(root, "secret", "set", "X", stdin="\n"),
        "the value of secret X is empty; secrets cannot be empty",
    )
    binary = skyfn(root, "secret", "set", "X", stdin=b"\x89PNG\r\n\x1a\n\xff")
    assert binary.code == 1 and "is not UTF-8 text" in binary.err and "Traceback" not in binary.err
    nul = skyfn(root, "secret", "set", "X", stdin=b"a\x00b")
    assert nul.code == 1 and "contains a NUL byte" in nul.err
    for bad in ("a/b", "../x", "has space"):
        result = skyfn(root, "secret", "set", bad, stdin="v")
        assert result.code == 1 and f"secret name {bad!r} is not valid" in result.err
    assert_user_error(
        skyfn(root, "secret", "list", "--shared", "--branch", "main", "--store", "local"),
        "--branch, --shared and --identifier are exclusive: pick one scope",
    )
    bad_store = skyfn(root, "secret", "list", "--store", "vault")
    assert bad_store.code == 2 and "'vault' is not one of 'local', 'ssm'" in bad_store.err
    assert skyfn(root, "secret", "list").out.startswith("no secrets for")


def test_list_shows_names_scopes_versions_never_values(root: Path) -> None:
    skyfn(root, "secret", "set", "B_KEY", stdin="value-b")
    skyfn(root, "secret", "set", "B_KEY", stdin="value-b2")
    skyfn(root, "secret", "set", "A_KEY", "--shared", stdin="value-a")
    skyfn(root, "secret", "set", "OTHER", "--branch", "main", "--store", "local", stdin="value-o")
    table = skyfn(root, "secret", "list")
    assert "value-" not in table.out
    rows = [line.split() for line in table.out.splitlines()]
    assert rows[0] == ["NAME", "SCOPE", "VERSION", "LAST", "UPDATED"]
    assert [r[:-1] for r in rows[1:]] == [["B_KEY", "sandbox", ME, "2"], ["A_KEY", "shared", "1"]]
    listed = json.loads(skyfn(root, "secret", "list", "--json").out)
    assert [(i["name"], i["scope"], i["shared"], i["version"]) for i in listed] == [
        ("B_KEY", f"sandbox {ME}", False, 2),
        ("A_KEY", "shared", True, 1),
    ]
    assert all(
        set(i) == {"name", "description", "scope", "shared", "version", "last_updated"}
        for i in listed
    )
    only_shared = json.loads(skyfn(root, "secret", "list", "--shared", "--json").out)
    assert [i["name"] for i in only_shared] == ["A_KEY"]


def test_remove_one_and_all(root: Path) -> None:
    for name in ("A", "B"):
        skyfn(root, "secret", "set", name, stdin="v")
    skyfn(root, "secret", "set", "S", "--shared", stdin="v")
    assert skyfn(root, "secret", "remove", "A").out == f"Removed A from sandbox {ME}\n"
    assert_user_error(
        skyfn(root, "secret", "remove", "A"),
        f"secret A is not set for sandbox {ME} in the local store; nothing removed "
        "(see: skyfn secret list)",
    )
    assert_user_error(
        skyfn(root, "secret", "remove"), "give either a secret NAME or --all (not both)"
    )
    assert_user_error(
        skyfn(root, "secret", "remove", "B", "--all"),
        "give either a secret NAME or --all (not both)",
    )
    assert_user_error(
        skyfn(root, "secret", "remove", "--all"),
        f"remove --all would remove 1 secret(s) from sandbox {ME}; "
        "confirm with --yes when not on a terminal",
    )
    assert skyfn(root, "secret", "remove", "--all", "--yes").out == f"Removed B from sandbox {ME}\n"
    names = [i["name"] for i in json.loads(skyfn(root, "secret", "list", "--json").out)]
    assert names == ["S"]  # shared secrets are not part of a sandbox's --all


def test_import_sets_every_key_of_a_dotenv_file(root: Path, tmp_path: Path) -> None:
    env = write(
        tmp_path / "secrets.env",
        """\
        # comment
        DB_PASSWORD=p@ss$word
        export TOKEN="quoted value"
        MULTI='two
        lines'
        """,
    )
    result = skyfn(root, "secret", "import", str(env), "--branch", "main", "--store", "local")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"Set {name} (version 1) for branch main" for name in ("DB_PASSWORD", "TOKEN", "MULTI")
    ]
    get = ("--branch", "main", "--store", "local")
    assert skyfn(root, "secret", "get", "DB_PASSWORD", *get).out == "p@ss$word\n"
    assert skyfn(root, "secret", "get", "TOKEN", *get).out == "quoted value\n"
    assert skyfn(root, "secret", "get", "MULTI", *get).out == "two\nlines\n"


def test_import_refuses_bad_files_before_setting_anything(root: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.env"
    assert_user_error(
        skyfn(root, "secret", "import", str(missing)),
        f"{missing} does not exist or is not a file; pass a .env file to import",
    )
    empty_value = write(tmp_path / "a.env", "GOOD=1\nEMPTY=\n")
    assert_user_error(
        skyfn(root, "secret", "import", str(empty_value)),
        f"{empty_value}, line 2: the value is empty; secrets cannot be empty; nothing imported",
    )
    bad_name = write(tmp_path / "b.env", "GOOD=1\n")
    bad_name.write_text("GOOD=1\nBAD:NAME=2\n")
    result = skyfn(root, "secret", "import", str(bad_name))
    assert result.code == 1 and "Traceback" not in result.err
    binary = tmp_path / "c.env"
    binary.write_bytes(b"KEY=\xff\xfe\n")
    assert_user_error(
        skyfn(root, "secret", "import", str(binary)),
        f"{binary}, line 1: not UTF-8 text; secrets must be text (base64-encode binary data "
        "first); nothing imported",
    )
    assert skyfn(root, "secret", "list", "--json").out.strip() == "[]"


def read_until(stream: int, wanted: str, seen: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in "".join(seen):
        assert time.monotonic() < deadline, f"never saw {wanted!r} in {''.join(seen)!r}"
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            seen.append(os.read(stream, 4096).decode())


def test_on_a_terminal_the_value_is_asked_twice_without_echo(root: Path) -> None:
    """stdin is a real pseudo-terminal; the prompt goes to stderr, stdout stays clean."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "skyfn", "secret", "set", "TTY_SECRET"],
        cwd=root,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal: getpass uses stdin (the pty)
    )
    os.close(slave)
    assert proc.stderr is not None and proc.stdout is not None
    seen: list[str] = []
    try:
        read_until(proc.stderr.fileno(), "Value of TTY_SECRET: ", seen)
        os.write(master, b"typed-secret\n")
        read_until(proc.stderr.fileno(), "Repeat for confirmation: ", seen)
        os.write(master, b"typed-secret\n")
        out = proc.stdout.read().decode()
        seen.append(proc.stderr.read().decode())
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert out == f"Set TTY_SECRET (version 1) for sandbox {ME}\n"
    assert "typed-secret" not in "".join(seen)
    assert skyfn(root, "secret", "get", "TTY_SECRET").out == "typed-secret\n"
