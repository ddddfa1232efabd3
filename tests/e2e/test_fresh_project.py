"""A project fresh from ``skyfn init`` just works: a test imports a handler directly (pytest's
path, the ``skyfn_env`` fixture), pyright finds skyfn in the project's ``.venv`` without an
activated venv, ``.venv/`` is ignored, and ``skyfn_invoke``'s ``env=`` takes the
definition's value types and refuses a key the function does not define."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import write

BIN = Path(sys.executable).parent
VENV = BIN.parent

USER_TESTS = """\
import os

import pytest
from skyfn.pytest_plugin import ApplyEnv, Invoke

from functions.say_hello.handler import handler


def test_a_handler_called_in_this_process(skyfn_env: ApplyEnv) -> None:
    skyfn_env("say-hello", secrets={"MY_API_KEY": "test-key"}, env={"NAME": "Ada"})
    assert handler({}, None) == "Hello, Ada!"  # type: ignore[arg-type]
    assert os.environ["API_KEY"] == "test-key" and os.environ["MAX_ITEMS"] == "25"


def test_the_environment_is_restored_after_each_test() -> None:
    assert "API_KEY" not in os.environ and "NAME" not in os.environ


def test_a_missing_secret_is_named(skyfn_env: ApplyEnv) -> None:
    with pytest.raises(Exception, match="MY_API_KEY"):
        skyfn_env("say-hello")


def test_env_takes_the_definitions_types(skyfn_invoke: Invoke) -> None:
    out = skyfn_invoke(
        "say-hello", {}, secrets={"MY_API_KEY": "k"}, env={"MAX_ITEMS": 30}, returns=str
    )
    assert out == "Hello, World!"


def test_env_refuses_a_key_the_function_does_not_define(skyfn_invoke: Invoke) -> None:
    with pytest.raises(Exception, match="defines no environment value NAM; its values are"):
        skyfn_invoke("say-hello", {}, secrets={"MY_API_KEY": "k"}, env={"NAM": "Ada"})


def test_returns_checks_the_type(skyfn_invoke: Invoke) -> None:
    with pytest.raises(AssertionError, match="returned str, not dict"):
        skyfn_invoke("say-hello", {}, secrets={"MY_API_KEY": "k"}, returns=dict)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fresh")
    assert run_skyfn("init", "demo", cwd=root).code == 0
    return root / "demo"


def test_init_ignores_the_venv_and_configures_pytest_and_pyright(project: Path) -> None:
    assert ".venv/" in (project / ".gitignore").read_text().splitlines()
    pyproject = (project / "pyproject.toml").read_text()
    assert 'pythonpath = ["backend", ".skyfn/generated"]' in pyproject
    assert 'venvPath = "."' in pyproject and 'venv = ".venv"' in pyproject


def test_a_test_imports_the_handler_directly(project: Path) -> None:
    """No synth first, no PYTHONPATH: pytest's path from init, the env modules from the
    plugin."""
    write(project / "tests" / "test_handler.py", USER_TESTS)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "6 passed" in proc.stdout


def test_pyright_finds_skyfn_in_the_projects_venv_unactivated(project: Path) -> None:
    (project / ".venv").symlink_to(VENV)  # as `python -m venv .venv && pip install skyfn`
    assert run_skyfn("synth", cwd=project).code == 0
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"  # no venv's python first: what an editor may start with
    proc = subprocess.run(
        [str(BIN / "pyright"), "backend/functions/say_hello/handler.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 errors" in proc.stdout
