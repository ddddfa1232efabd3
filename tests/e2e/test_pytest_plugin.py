"""The pytest plugin, used as a user would: pytest in a subprocess, in a project of theirs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.projects import EXAMPLE, make_project, resource, write
from tests.support.wheels import build_wheel

HANDLER = """\
import os
import shutil
from skyfn_env.greeter import env

def handler(event, context):
    return {
        "greeting": f"{env.GREETING}, {event.get('name', 'nobody')}!",
        "key": env.API_KEY,
        "function": context.function_name,
        "leak": os.environ.get("PLUGIN_LEAK"),
        "secrets_var": os.environ.get("SKYFN_INLINE_SECRETS"),
    }
"""

OTHER = """\
import os
import shutil

def handler(event, context):
    return {"has_api_key": "API_KEY" in os.environ, "token": os.environ.get("TOKEN")}
"""

USER_TESTS = """\
import pytest
from skyfn.pytest_plugin import FunctionFailed


def test_result_with_inline_secret(skyfn_invoke):
    out = skyfn_invoke("greeter", {"name": "Ada"}, secrets={"MY_API_KEY": "test-key"})
    assert out == {
        "greeting": "Hello, Ada!",
        "key": "test-key",
        "function": "greeter",
        "leak": None,
        "secrets_var": None,
    }


def test_env_override(skyfn_invoke):
    out = skyfn_invoke("greeter", {}, secrets={"MY_API_KEY": "k"}, env={"GREETING": "Hi"})
    assert out["greeting"] == "Hi, nobody!"


def test_secrets_stay_with_their_function(skyfn_invoke):
    out = skyfn_invoke("other", {}, secrets={"OTHER_TOKEN": "t"})
    assert out == {"has_api_key": False, "token": "t"}


def test_missing_secret_fails_the_cold_start(skyfn_invoke):
    with pytest.raises(FunctionFailed) as failed:
        skyfn_invoke("greeter", {})
    assert "MY_API_KEY" in str(failed.value)
    assert "Give it to skyfn_invoke: secrets={'MY_API_KEY'" in str(failed.value)
    assert "skyfn secret set" not in str(failed.value)


def test_unknown_secret_is_named(skyfn_invoke):
    with pytest.raises(Exception, match="no secret NOPE"):
        skyfn_invoke("greeter", {}, secrets={"NOPE": "x"})
"""


def test_plugin_fixture_in_a_user_project(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "userapp",
        {
            "greeter": resource(
                '{"GREETING": "Hello", "API_KEY": secret("MY_API_KEY")}', name="greeter"
            ),
            "other": resource('{"TOKEN": secret("OTHER_TOKEN")}', name="other"),
        },
        {"greeter": HANDLER, "other": OTHER},
    )
    write(project / "tests" / "test_handlers.py", USER_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env={**os.environ, "PLUGIN_LEAK": "from the developer's shell"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


def test_readme_example_against_say_hello(tmp_path: Path) -> None:
    project = tmp_path / "say-hello"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".skyfn", "__pycache__"))
    write(
        project / "tests" / "test_say_hello.py",
        """\
        def test_greets(skyfn_invoke):
            assert skyfn_invoke("say-hello", {}, secrets={"MY_API_KEY": "test"}) == "Hello, World!"
        """,
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


PACKAGE_TESTS = """\
import pytest
from skyfn.pytest_plugin import FunctionFailed


def test_declared_package(skyfn_invoke):
    assert skyfn_invoke("mailer", {}) == "1.0"


def test_undeclared_package_names_the_file(skyfn_invoke):
    with pytest.raises(FunctionFailed) as failed:
        skyfn_invoke("sender", {})
    assert failed.value.error_type == "Runtime.ImportModuleError"
    assert failed.value.hint.startswith("function sender has no package providing 'gamma'")


def test_shown_when_it_fails(skyfn_invoke):
    skyfn_invoke("sender", {})
"""


def test_a_call_that_cannot_import_an_undeclared_package_names_the_requirements_file(
    tmp_path: Path,
) -> None:
    project = make_project(
        tmp_path / "userapp",
        {"mailer": resource(name="mailer"), "sender": resource(name="sender")},
        {
            "mailer": "import gamma\n\ndef handler(event, context):\n    return gamma.VERSION\n",
            "sender": "import gamma\n\ndef handler(event, context):\n    return 1\n",
        },
    )
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('index_url = "wheels"\n')
    build_wheel(project / "wheels", "gamma", "1.0")
    write(project / "backend" / "functions" / "mailer" / "requirements.txt", "gamma==1.0\n")
    write(project / "tests" / "test_handlers.py", PACKAGE_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "2 passed, 1 failed" in proc.stdout or "1 failed, 2 passed" in proc.stdout, (
        proc.stdout + proc.stderr
    )
    wanted = project / "backend" / "functions" / "sender" / "requirements.txt"
    assert f"function sender has no package providing 'gamma': add it to {wanted}" in proc.stdout, (
        proc.stdout
    )
