"""A bug in skyfn, as a user meets it: the real CLI in a subprocess. A ``sitecustomize``
module on ``PYTHONPATH`` (as any Python tool can be extended) makes the local store fail
right after it read a secret, with the secret and a secret-looking environment variable in
the message. Errors users cause keep their own messages and exit codes."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from skyfn import __version__
from skyfn.runtime.mask_forms import forms
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource, write

SECRET = "crash-test-secret-4f9a1c7e"
TOKEN = "crash-test-token-b83d0e52"  # in CRASH_TEST_TOKEN: its name looks secret
REPORT_LINE = re.compile(r"skyfn: full report: (\S+); please attach it to .+")

BUG = """\
import os

from skyfn.secrets.local import LocalStore

_read_many = LocalStore.read_many


def read_many(self, paths):
    found = _read_many(self, paths)
    values = [v.value for v in found.values()]
    token = os.environ["CRASH_TEST_TOKEN"]
    raise RuntimeError(f"lost {values} and {token}")


LocalStore.read_many = read_many
"""


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "p", {"say_hello": resource('{"API_KEY": secret("MY_API_KEY")}')}
    )
    assert run_skyfn("secret", "set", "MY_API_KEY", cwd=root, stdin=SECRET).code == 0
    return root


def buggy(root: Path, *args: str, **env: str) -> Result:
    hook = write(root.parent / "hook" / "sitecustomize.py", BUG).parent
    return run_skyfn(
        *args, cwd=root, env={"PYTHONPATH": str(hook), "CRASH_TEST_TOKEN": TOKEN, **env}
    )


def assert_masked(text: str) -> None:
    for value in (SECRET, TOKEN):
        for form in forms(value):
            assert form.decode("utf-8", "replace") not in text, form


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_bug_is_one_masked_line_a_private_report_and_exit_70(
    root: Path, isolated_home: Path
) -> None:
    result = buggy(root, "secret", "get", "MY_API_KEY")
    assert result.code == 70, result
    assert result.out == ""
    first, second = result.err.splitlines()
    assert first == "skyfn: internal error in secret get: RuntimeError: lost ['****'] and ****"
    assert "Traceback" not in result.err
    found = REPORT_LINE.fullmatch(second)
    assert found, second
    report = Path(found.group(1))
    assert report.parent == isolated_home / "crash"
    assert mode(report) == 0o600 and mode(report.parent) == 0o700
    text = report.read_text()
    assert f"skyfn: {__version__}" in text
    assert "argv: skyfn secret get MY_API_KEY" in text
    assert "Traceback (most recent call last)" in text and "in read_many" in text
    assert "RuntimeError: lost ['****'] and ****" in text
    assert_masked(result.err + text)


def test_skyfn_debug_prints_the_masked_traceback_too(root: Path) -> None:
    result = buggy(root, "secret", "get", "MY_API_KEY", SKYFN_DEBUG="1")
    assert result.code == 70
    lines = result.err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "RuntimeError: lost ['****'] and ****" in lines
    assert lines[-2].startswith("skyfn: internal error in secret get: RuntimeError")
    assert REPORT_LINE.fullmatch(lines[-1])
    assert_masked(result.err)


def test_user_errors_keep_their_message_and_exit_code(root: Path, isolated_home: Path) -> None:
    unknown = run_skyfn("invoke", "nope", cwd=root)
    assert unknown.code == 1
    assert unknown.err.startswith("error: no function named 'nope'")
    usage = run_skyfn("invoke", "--bogus", cwd=root)
    assert usage.code == 2 and "No such option '--bogus'" in usage.err
    passed = run_skyfn("run", "say_hello", "--", "python", "-c", "raise SystemExit(7)", cwd=root)
    assert passed.code == 7, passed
    assert not (isolated_home / "crash").exists()


def test_an_error_in_the_users_resource_py_names_their_file_and_line(
    tmp_path: Path, isolated_home: Path
) -> None:
    root = make_project(
        tmp_path / "p",
        {"broken": "from skyfn import define_function\n\nraise ValueError('bad config')\n"},
    )
    result = run_skyfn("synth", cwd=root)
    assert result.code == 1, result
    assert result.err.strip() == (
        "error: loading the backend failed at backend/functions/broken/resource.py, line 3: "
        "ValueError: bad config"
    )
    assert not (isolated_home / "crash").exists()
