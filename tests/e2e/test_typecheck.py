"""End to end: init, synth, then mypy --strict and pyright on the user's handler."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed")
    assert run_skyfn("init", "demo", cwd=root).code == 0
    demo = root / "demo"
    result = run_skyfn("synth", cwd=demo)
    assert result.code == 0, result.err
    return demo


def mypy(project: Path, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(file)],
        cwd=project,
        capture_output=True,
        text=True,
    )


def pyright(project: Path, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pyright"), "--pythonpath", sys.executable, str(file)],
        cwd=project,
        capture_output=True,
        text=True,
    )


HANDLER = Path("backend/functions/say_hello/handler.py")


def test_scaffolded_handler_passes_mypy_strict(project: Path) -> None:
    result = mypy(project, HANDLER)
    assert result.returncode == 0, result.stdout + result.stderr


def test_scaffolded_handler_passes_pyright(project: Path) -> None:
    result = pyright(project, HANDLER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


BAD_READS = {
    "undefined": (
        "def handler(event: dict[str, object], context: object) -> str:\n"
        "    return env.NOT_DEFINED\n",
        "NOT_DEFINED",
    ),
    "int_as_str": (
        "def handler(event: dict[str, object], context: object) -> str:\n"
        "    return env.MAX_ITEMS\n",
        "int",
    ),
    "context_typo": (
        "from skyfn.runtime import LambdaContext\n\n\n"
        "def handler(event: dict[str, object], context: LambdaContext) -> int:\n"
        "    return context.get_remaining_time_in_milis()\n",
        "get_remaining_time_in_milis",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_READS))
@pytest.mark.parametrize("checker", [mypy, pyright], ids=["mypy", "pyright"])
def test_wrong_env_use_fails_the_type_check(project: Path, case: str, checker: object) -> None:
    body, mention = BAD_READS[case]
    bad = project / "backend" / "functions" / "say_hello" / f"bad_{case}.py"
    bad.write_text("from skyfn_env.say_hello import env\n\n\n" + body)
    try:
        assert callable(checker)
        result = checker(project, bad.relative_to(project))
    finally:
        bad.unlink()
    assert result.returncode != 0
    assert mention in result.stdout


def test_lambda_variables_are_typed(project: Path) -> None:
    good = project / "backend" / "functions" / "say_hello" / "uses_lambda.py"
    good.write_text(
        "from skyfn_env.say_hello import env\n\n\n"
        "def memory() -> int:\n"
        "    return env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE\n\n\n"
        "def region() -> str:\n"
        "    return env.AWS_REGION\n\n\n"
        "def trace() -> str | None:\n"
        "    return env._X_AMZN_TRACE_ID\n\n\n"
        "from skyfn.runtime import LambdaContext\n\n\n"
        "def remaining(context: LambdaContext) -> tuple[int, str]:\n"
        "    return context.get_remaining_time_in_millis(), context.aws_request_id\n"
    )
    try:
        result = mypy(project, good.relative_to(project))
    finally:
        good.unlink()
    assert result.returncode == 0, result.stdout


def readme_pytest_example() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("# tests/test_say_hello.py")
    return readme[start : readme.index("```", start)]


def test_the_readmes_pytest_example_type_checks_in_the_scaffold(project: Path) -> None:
    test_file = project / "tests" / "test_say_hello.py"
    test_file.parent.mkdir(exist_ok=True)
    test_file.write_text(readme_pytest_example())
    checked = mypy(project, test_file.relative_to(project))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    checked = pyright(project, test_file.relative_to(project))
    assert checked.returncode == 0 and "0 errors" in checked.stdout, checked.stdout
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
