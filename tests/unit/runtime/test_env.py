"""The generated env object at run time: typed reads, and errors that name what is absent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import EXAMPLE


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("envrt") / "say-hello"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".skyfn"))
    assert run_skyfn("generate", "env", cwd=root).code == 0
    return root / ".skyfn" / "generated"


def read(generated: Path, expression: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = f"from skyfn_env.say_hello import env\nprint(repr({expression}))"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(generated), **env},
        capture_output=True,
        text=True,
    )


def test_values_come_back_typed(generated: Path) -> None:
    result = read(
        generated,
        "(env.NAME, env.MAX_ITEMS, env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)",
        {"NAME": "World", "MAX_ITEMS": "25", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"},
    )
    assert result.stdout.strip() == "('World', 25, 512)"


def test_absent_value_names_variable_and_function(generated: Path) -> None:
    result = read(generated, "env.NAME", {})
    assert (
        "MissingEnvironmentVariable: environment variable NAME of function say-hello"
        in result.stderr
    )


def test_unresolved_secret_placeholder_is_never_returned(generated: Path) -> None:
    result = read(generated, "env.API_KEY", {"API_KEY": "<skyfn secret MY_API_KEY>"})
    assert result.returncode != 0
    assert (
        "secret MY_API_KEY (environment API_KEY of function say-hello) was not resolved"
        in result.stderr
    )
