"""What a fresh function process imports on its cold start (module names, never times).

``python -X importtime -c "import skyfn.runtime.bootstrap"`` shows the costs; these tests
pin the module names so the SDK, cryptography and urllib.request never creep back in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

from tests.support.aws import Aws
from tests.support.projects import write

# The SDK, crypto, and the stdlib HTTP stacks (http.client alone costs ~40 ms via email).
HEAVY = ("boto3", "botocore", "cryptography", "urllib", "concurrent", "http", "email")


def imported(module: str, env: dict[str, str], cwd: Path) -> set[str]:
    """Modules that importing ``module`` adds to a fresh interpreter's ``sys.modules``.

    (Read from ``sys.modules``, not ``-X importtime``: importtime does not report modules
    loaded through ``importlib.import_module``, which is how readers and handlers load.)
    """

    def run(source: str) -> set[str]:
        proc = subprocess.run(
            [sys.executable, "-c", f"{source}\nimport sys\nprint(' '.join(sys.modules))"],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return set(proc.stdout.split())

    return run(f"import {module}") - run("pass")


def outside_stdlib(modules: set[str]) -> set[str]:
    return {
        m
        for m in modules
        if m.split(".")[0] not in sys.stdlib_module_names
        and m not in ("skyfn", "skyfn.runtime")
        and not m.startswith("skyfn.runtime.")
    }


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SKYFN_", "AWS_LAMBDA", "_HANDLER"))
    }
    env["PYTHONPATH"] = str(tmp_path)
    return env


def test_cold_start_with_ssm_secrets_needs_no_sdk(aws: Aws, tmp_path: Path) -> None:
    app = "/skyfn/coldapp"
    ssm = boto3.client("ssm")
    for i in range(10):
        ssm.put_parameter(Name=f"{app}/shared/S{i}", Value=f"v{i}", Type="SecureString")
    spec = {f"K{i}": [f"{app}/branch-main/S{i}", f"{app}/shared/S{i}"] for i in range(10)}
    write(
        tmp_path / "user_handler.py",
        """\
        import os
        assert [os.environ[f"K{i}"] for i in range(10)] == [f"v{i}" for i in range(10)]
        def handler(event, context):
            return "ok"
        """,
    )
    env = {
        **base_env(tmp_path),
        **aws.env,
        "AWS_LAMBDA_FUNCTION_NAME": "cold",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",  # set by Lambda: cold start at import
        "SKYFN_HANDLER": "user_handler.handler",
        "SKYFN_SECRETS": json.dumps(spec),
        "SKYFN_SECRET_STORE": "ssm",
        "SKYFN_FUNCTION": "cold",
    }
    modules = imported("skyfn.runtime.bootstrap", env, tmp_path)
    assert "skyfn.runtime.ssm_reader" in modules and "user_handler" in modules
    assert not {m for m in modules if m.startswith(HEAVY)}
    assert outside_stdlib(modules - {"user_handler"}) == set()


def test_cold_start_without_secrets_imports_only_the_standard_library(tmp_path: Path) -> None:
    write(tmp_path / "user_handler.py", "def handler(event, context):\n    return 'ok'\n")
    env = {
        **base_env(tmp_path),
        "AWS_LAMBDA_FUNCTION_NAME": "cold",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",  # set by Lambda: cold start at import
        "SKYFN_HANDLER": "user_handler.handler",
    }
    modules = imported("skyfn.runtime.bootstrap", env, tmp_path)
    assert "user_handler" in modules
    assert outside_stdlib(modules - {"user_handler"}) == set()
    assert "skyfn.runtime.secrets" not in modules and "json" not in modules


def test_the_cli_starts_without_the_aws_sdk(tmp_path: Path) -> None:
    # boto3 costs ~0.2 s: only the commands that talk to AWS may import it, when they run.
    modules = imported("skyfn.cli", base_env(tmp_path), tmp_path)
    assert "click" in modules
    assert not {m for m in modules if m.startswith(("boto3", "botocore"))}
