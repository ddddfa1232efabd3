"""``skyfn run FUNCTION -- COMMAND`` as a user runs it: real CLI, real child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.deploy import PEM_LINES, PEM_SECRET
from tests.support.projects import make_project, resource, write
from tests.support.wheels import build_wheel

SECRET = "sk_test_4f9a8b7c6d5e"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    fn = resource('{"NAME": "World", "MAX_ITEMS": 25, "API_KEY": secret("MY_API_KEY")}')
    project = make_project(tmp_path / "p", {"say_hello": fn})
    assert run_skyfn("secret", "set", "MY_API_KEY", cwd=project, stdin=SECRET).code == 0
    return project


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_the_child_sees_values_and_secrets_and_its_output_is_masked(root: Path) -> None:
    code = "import os; print(os.environ['API_KEY'], os.environ['NAME'], os.environ['MAX_ITEMS'])"
    result = run_skyfn("run", "say_hello", "--", *py(code), cwd=root)
    assert result.code == 0, result
    assert result.out == "**** World 25\n"
    assert SECRET not in result.out + result.err


def test_stderr_is_masked_too_and_the_exit_code_passes_through(root: Path) -> None:
    code = "import os, sys; sys.stderr.write('key=' + os.environ['API_KEY'] + '\\n'); sys.exit(7)"
    result = run_skyfn("run", "say_hello", "--", *py(code), cwd=root)
    assert result.code == 7
    assert result.err == "key=****\n" and result.out == ""


def test_no_mask_shows_the_value(root: Path) -> None:
    code = "import os; print(os.environ['API_KEY'])"
    result = run_skyfn("run", "say_hello", "--no-mask", "--", *py(code), cwd=root)
    assert (result.code, result.out) == (0, SECRET + "\n")


def test_the_shell_environment_stays_unless_clean(root: Path) -> None:
    code = "import os; print(os.environ.get('MY_SHELL_VAR'), os.environ['API_KEY'] != '')"
    env = {"MY_SHELL_VAR": "from-shell"}
    kept = run_skyfn("run", "say_hello", "--", *py(code), cwd=root, env=env)
    assert kept.out == "from-shell True\n"
    clean = run_skyfn("run", "say_hello", "--clean", "--", *py(code), cwd=root, env=env)
    assert clean.code == 0, clean
    assert clean.out == "None True\n"


def test_clean_gives_the_lambda_variables(root: Path) -> None:
    code = "import os; print(os.environ['AWS_LAMBDA_FUNCTION_NAME'], os.environ['TZ'])"
    result = run_skyfn("run", "say_hello", "--clean", "--", *py(code), cwd=root)
    assert result.out == "say_hello UTC\n"


def test_stdin_passes_through(root: Path) -> None:
    code = "import sys; print(sys.stdin.read().upper())"
    result = run_skyfn("run", "say_hello", "--", *py(code), cwd=root, stdin="hello")
    assert result.out == "HELLO\n"


def test_a_missing_secret_names_it_and_the_command_that_sets_it(tmp_path: Path) -> None:
    fn = resource('{"API_KEY": secret("NOT_SET_YET")}')
    project = make_project(tmp_path / "p", {"f": fn})
    result = run_skyfn("run", "f", "--", "true", cwd=project)
    assert result.code == 1 and "Traceback" not in result.err
    assert "NOT_SET_YET" in result.err and "skyfn secret set NOT_SET_YET" in result.err


def test_unknown_function_and_unknown_command_are_one_line_errors(root: Path) -> None:
    unknown = run_skyfn("run", "nope", "--", "true", cwd=root)
    assert unknown.code == 1 and unknown.err.startswith("error: no function named 'nope'")
    missing = run_skyfn("run", "say_hello", "--", "no-such-command-xyz", cwd=root)
    assert missing.code == 127 and "no-such-command-xyz" in missing.err
    assert "Traceback" not in missing.err


def test_sigterm_reaches_the_child(root: Path) -> None:
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: (print('got term', flush=True), sys.exit(3)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "skyfn", "run", "say_hello", "--", *py(code)],
        cwd=root,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    assert proc.wait(timeout=10) == 3
    assert rest == b"got term\n"


def test_a_child_killed_by_a_signal_gives_128_plus_its_number(root: Path) -> None:
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    result = run_skyfn("run", "say_hello", "--", *py(code), cwd=root)
    assert result.code == 128 + signal.SIGKILL


def test_help_says_a_repl_needs_no_mask(root: Path) -> None:
    text = " ".join(run_skyfn("run", "--help", cwd=root).out.split())
    assert "REPL" in text and "--no-mask" in text


@pytest.mark.parametrize("clean", [False, True])
def test_the_command_can_import_the_generated_env_module(root: Path, clean: bool) -> None:
    """The README's ``skyfn run say-hello -- python scripts/migrate.py`` once broke as soon
    as the script read ``env`` (no skyfn_env unless --clean), even before any synth."""
    script = root / "scripts" / "migrate.py"
    script.parent.mkdir()
    script.write_text(
        "from skyfn_env.say_hello import env\nprint(env.NAME, env.MAX_ITEMS + 1, len(env.API_KEY))\n"
    )
    assert not (root / ".skyfn").exists()
    flags = ["--clean"] if clean else []
    result = run_skyfn("run", "say_hello", *flags, "--", sys.executable, str(script), cwd=root)
    assert (result.code, result.out) == (0, f"World 26 {len(SECRET)}\n"), result.err


def test_a_multiline_secret_is_masked_line_by_line_and_cr_joined(tmp_path: Path) -> None:
    fn = resource('{"PEM": secret("MY_PEM")}')
    project = make_project(tmp_path / "p", {"signer": fn})
    assert run_skyfn("secret", "set", "MY_PEM", cwd=project, stdin=PEM_SECRET).code == 0
    code = (
        "import os, sys\n"
        "for line in os.environ['PEM'].splitlines(): print('line', line)\n"
        "sys.stderr.write('cr:' + os.environ['PEM'].replace(chr(10), chr(13)) + chr(10))\n"
    )
    result = run_skyfn("run", "signer", "--", *py(code), cwd=project)
    assert result.code == 0, result
    assert result.out.count("line ****") == len(PEM_LINES)
    assert result.err == "cr:****\n"
    assert not any(line in result.out + result.err for line in PEM_LINES)


PROBE = (
    "import importlib\n"
    "for name in ('alpha', 'beta', 'gamma', 'click'):\n"
    "    try:\n"
    "        print(name, getattr(importlib.import_module(name), 'VERSION', 'here'))\n"
    "    except ImportError:\n"
    "        print(name, None)\n"
)


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    """mailer declares alpha (which pulls beta), other declares gamma; click is in the
    environment skyfn runs in, declared by no function."""
    project = make_project(
        tmp_path / "shop", {"mailer": resource(name="mailer"), "other": resource(name="other")}
    )
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('index_url = "wheels"\n')
    build_wheel(project / "wheels", "alpha", "1.0", requires=["beta>=2"])
    build_wheel(project / "wheels", "beta", "2.1")
    build_wheel(project / "wheels", "gamma", "1.0")
    functions = project / "backend" / "functions"
    write(functions / "mailer" / "requirements.txt", "alpha==1.0\n")
    write(functions / "other" / "requirements.txt", "gamma==1.0\n")
    return project


def test_clean_gives_the_command_exactly_the_functions_packages(shop: Path) -> None:
    """``python`` on the clean command's PATH starts as a worker does: the function's
    locked packages, nothing another function declares, nothing of skyfn's environment."""
    result = run_skyfn("run", "mailer", "--clean", "--", "python", "-c", PROBE, cwd=shop)
    assert result.code == 0, result
    assert result.out == "alpha 1.0\nbeta 2.1\ngamma None\nclick None\n"
    other = run_skyfn("run", "other", "--clean", "--", "python3", "-c", PROBE, cwd=shop)
    assert other.out == "alpha None\nbeta None\ngamma 1.0\nclick None\n", other


def test_without_clean_the_functions_packages_come_first_then_the_shells(shop: Path) -> None:
    build_wheel(shop / "wheels", "click", "0.1")  # a locked click wins over the venv's
    write(shop / "backend" / "functions" / "mailer" / "requirements.txt", "alpha\nclick==0.1\n")
    result = run_skyfn("run", "mailer", "--", sys.executable, "-c", PROBE, cwd=shop)
    assert result.code == 0, result
    assert result.out == "alpha 1.0\nbeta 2.1\ngamma None\nclick 0.1\n"
    other = run_skyfn("run", "other", "--", sys.executable, "-c", PROBE, cwd=shop)
    assert other.out == "alpha None\nbeta None\ngamma 1.0\nclick here\n", other
