"""skyfn.cli.crash and SkyfnGroup's guard: a bug is one masked line, a 0600 report and exit
70; user errors, click's exits, SystemExit, Ctrl-C and a closed pipe keep their behaviour.
The real CLI in a subprocess: tests/e2e/test_internal_error.py."""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import threading
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from skyfn.cli import crash
from skyfn.cli.common import SkyfnGroup
from skyfn.errors import SkyfnError
from skyfn.runtime.mask_forms import forms
from skyfn.secrets import known

SECRET = "s3cr3t-value-for-the-crash-test"
ENV_SECRET = "env-token-7f3a9c2e5b1d"
REPORT_LINE = re.compile(r"skyfn: full report: (\S+); please attach it to (.+)")


def build(group_class: type[click.Group]) -> click.Group:
    """A small CLI shaped like skyfn's: commands that fail in every way, one nested group."""

    @click.group(cls=group_class, name="skyfn")
    def cli() -> None:
        pass

    @cli.command()
    def boom() -> None:
        known.remember([SECRET])
        raise ValueError(f"lost {SECRET} and {SECRET!r}\nsecond line {SECRET}")

    @cli.command()
    def user() -> None:
        raise SkyfnError("no function named 'x'")

    @cli.command()
    @click.argument("code", type=int)
    def leave(code: int) -> None:
        sys.exit(code)

    @cli.command()
    def interrupt() -> None:
        raise KeyboardInterrupt

    @cli.command()
    def pipe() -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    @cli.command()
    def thread() -> None:
        def work() -> None:
            known.remember([SECRET])  # read by this thread, as a watcher reads a store
            raise RuntimeError(f"the watcher lost {SECRET}")

        worker = threading.Thread(target=work, name="skyfn-watch")
        worker.start()
        worker.join()
        click.echo("still serving")

    @cli.group()
    def secret() -> None:
        pass

    @secret.command(name="get")
    @click.argument("name")
    def get(name: str) -> None:
        raise KeyError(name)

    return cli


def invoke(*args: str, group_class: type[click.Group] = SkyfnGroup) -> Result:
    return CliRunner().invoke(build(group_class), list(args))


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKYFN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(crash.DEBUG_VAR, raising=False)
    # what this process knows as secret starts empty: values earlier tests in the same
    # process remembered (a secret "Value", say) would be masked in these reports too
    monkeypatch.setattr(known, "_values", set())
    return tmp_path / "home"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def report_of(result: Result) -> Path:
    found = REPORT_LINE.fullmatch(result.stderr.splitlines()[-1])
    assert found, result.stderr
    return Path(found.group(1))


def assert_masked(text: str) -> None:
    for form in forms(SECRET):
        assert form.decode("utf-8", "replace") not in text


def test_a_bug_is_one_masked_line_a_private_report_and_exit_70(home: Path) -> None:
    result = invoke("boom")
    assert result.exit_code == crash.EX_SOFTWARE == 70
    first, second = result.stderr.splitlines()
    assert first == "skyfn: internal error in boom: ValueError: lost **** and '****'"
    assert "Traceback" not in result.stderr
    assert_masked(result.stderr)
    path = report_of(result)
    assert second.endswith(f"please attach it to {crash.REPORT_TO}")
    assert path.parent == home / "crash"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    text = path.read_text()
    assert "skyfn: 0.1.0" in text and "command: boom" in text and "argv: skyfn boom" in text
    assert "Traceback (most recent call last)" in text and "in boom" in text
    assert "ValueError: lost **** and '****'\nsecond line ****" in text
    assert_masked(text)


def test_the_command_named_is_the_subcommand_that_failed() -> None:
    result = invoke("secret", "get", "MY_API_KEY")
    assert result.exit_code == 70
    assert result.stderr.splitlines()[0] == (
        "skyfn: internal error in secret get: KeyError: 'MY_API_KEY'"
    )
    assert "argv: skyfn secret get MY_API_KEY" in report_of(result).read_text()


def test_skyfn_debug_prints_the_masked_traceback_before_the_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(crash.DEBUG_VAR, "1")
    result = invoke("boom")
    assert result.exit_code == 70
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-2].startswith("skyfn: internal error in boom: ValueError")
    assert REPORT_LINE.fullmatch(lines[-1])
    assert_masked(result.stderr)


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), ("yes", True), ("0", False), ("", False), ("false", False)]
)
def test_debug_is_any_value_but_off_words(value: str, on: bool) -> None:
    assert crash.debug({crash.DEBUG_VAR: value}) is on


def test_user_errors_and_clicks_own_exits_are_untouched(home: Path) -> None:
    user = invoke("user")
    assert (user.exit_code, user.stderr) == (1, "error: no function named 'x'\n")
    usage = invoke("boom", "--nope")
    assert usage.exit_code == 2 and "No such option" in usage.stderr
    assert invoke("leave", "7").exit_code == 7
    assert invoke("leave", "0").exit_code == 0
    assert invoke("--help").exit_code == 0
    assert not (home / "crash").exists()


@pytest.mark.parametrize("command", ["interrupt", "pipe"])
def test_ctrl_c_and_a_closed_pipe_behave_as_without_the_guard(command: str, home: Path) -> None:
    guarded, plain = invoke(command), invoke(command, group_class=click.Group)
    assert (guarded.exit_code, guarded.stderr) == (plain.exit_code, plain.stderr)
    assert not (home / "crash").exists()


def test_a_caller_that_asked_for_exceptions_gets_them() -> None:
    with pytest.raises(ValueError, match="lost"):
        build(SkyfnGroup).main(["boom"], standalone_mode=False)


def test_a_bug_in_another_thread_is_told_the_same_way_and_the_command_goes_on() -> None:
    before = threading.excepthook
    result = invoke("thread")
    assert threading.excepthook is before  # put back after the command
    assert result.exit_code == 0 and result.stdout == "still serving\n"
    first, _ = result.stderr.splitlines()
    assert first == (
        "skyfn: internal error in thread (skyfn-watch): RuntimeError: the watcher lost ****"
    )
    assert "Traceback" not in result.stderr
    assert_masked(report_of(result).read_text())


def test_a_failure_while_telling_still_exits_70_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> str:
        raise OSError("no platform")

    monkeypatch.setattr(crash, "report", broken)
    result = invoke("boom")
    assert result.exit_code == 70
    assert result.stderr == "skyfn: internal error in boom: ValueError\n"


def test_an_unwritable_folder_puts_the_report_in_the_temporary_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    path = crash.write_report("report", blocker / "crash")
    try:
        assert path.parent == Path(os.path.realpath(__import__("tempfile").gettempdir()))
        assert path.name.startswith("skyfn-crash-") and mode(path) == 0o600
        assert path.read_text() == "report"
    finally:
        path.unlink()


def test_reports_never_overwrite_each_other(tmp_path: Path) -> None:
    first = crash.write_report("one", tmp_path / "crash")
    second = crash.write_report("two", tmp_path / "crash")
    assert first != second and first.read_text() == "one" and second.read_text() == "two"


def test_the_report_folder(tmp_path: Path) -> None:
    home = Path.home()
    assert crash.report_folder({"SKYFN_HOME": str(tmp_path)}) == tmp_path / "crash"
    assert crash.report_folder({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "skyfn" / "crash"
    assert crash.report_folder({"XDG_STATE_HOME": "relative"}) == (
        home / ".local" / "state" / "skyfn" / "crash"
    )
    assert crash.report_folder({}) == home / ".local" / "state" / "skyfn" / "crash"


def test_secret_looking_environment_values_are_masked_others_are_not() -> None:
    masker = crash.masker_for(
        {
            "MY_SERVICE_TOKEN": ENV_SECRET,
            "DEPLOY_ID": "AKIAIOSFODNN7EXAMPLE",  # an access key id, whatever its name
            "EDITOR": "vim-nox",
        }
    )
    text = f"{ENV_SECRET} AKIAIOSFODNN7EXAMPLE vim-nox"
    assert masker.text(text) == "**** **** vim-nox"


def test_the_one_line_is_the_first_line_of_the_message_cut_short() -> None:
    masker = crash.masker_for({})
    long = crash.summary("synth", RuntimeError("x" * 1000 + "\nmore"), masker)
    assert long == f"skyfn: internal error in synth: RuntimeError: {'x' * 300}..."
    assert crash.summary("synth", RuntimeError(), masker) == (
        "skyfn: internal error in synth: RuntimeError"
    )


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["secret", "get", "X"], "secret get"),
        (["--version"], "skyfn"),
        ([], "skyfn"),
        (["boom", "extra"], "boom"),
        (["nope"], "skyfn"),
    ],
)
def test_command_name(args: list[str], name: str) -> None:
    assert crash.command_name(build(SkyfnGroup), args) == name


def test_the_command_line_leaves_out_the_users_own_command() -> None:
    assert crash.command_line(["run", "fn", "--", "psql", "postgres://u:p@h/db"]) == (
        "skyfn run fn -- <a command of 2 word(s)>"
    )
    assert crash.command_line(["invoke", "fn", "--event", '{"a": 1}']) == (
        """skyfn invoke fn --event '{"a": 1}'"""
    )


def test_missing_parents_of_the_report_folder_are_private_under_any_umask(tmp_path: Path) -> None:
    """The crash folder's parents once got the umask's mode (0777 under umask 0)."""
    previous = os.umask(0)
    try:
        path = crash.write_report("report", tmp_path / "state" / "skyfn" / "crash")
    finally:
        os.umask(previous)
    for folder in (tmp_path / "state", tmp_path / "state" / "skyfn", path.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert path.stat().st_mode & 0o777 == 0o600
