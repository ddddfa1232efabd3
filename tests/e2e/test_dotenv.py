"""``.env`` files at the project root reach synth (and the sandbox), shell variables win;
plain values that look like secrets make synth warn, or fail with ``--strict``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write
from tests.support.sandbox import running_sandbox

ENDPOINT = '{"API_ENDPOINT": os.environ.get("API_ENDPOINT", "unset"), "LEVEL": os.environ.get("LEVEL", "unset")}'


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", {"api": resource(ENDPOINT)})


def artifact_env(root: Path, scope: str) -> dict[str, str]:
    data = json.loads((root / ".skyfn" / "artifacts" / scope / "api.json").read_text())
    env: dict[str, str] = data["environment"]
    return env


def test_branch_file_reaches_synth_and_later_files_win(root: Path) -> None:
    write(root / ".env", "API_ENDPOINT=https://base.example.com\nLEVEL=base\n")
    write(root / ".env.staging", "API_ENDPOINT=https://staging.example.com\n")
    write(root / ".env.staging.local", "LEVEL=mine\n")
    write(root / ".env.production", "API_ENDPOINT=https://prod.example.com\n")
    result = run_skyfn("synth", "--branch", "staging", "--store", "local", cwd=root)
    assert result.code == 0, result
    env = artifact_env(root, "branch-staging")
    assert env["API_ENDPOINT"] == "https://staging.example.com"
    assert env["LEVEL"] == "mine"


def test_sandbox_reads_env_sandbox_and_the_shell_wins(root: Path) -> None:
    write(root / ".env", "API_ENDPOINT=https://base.example.com\n")
    write(root / ".env.sandbox", "LEVEL=sandbox\n")
    write(root / ".env.staging", "LEVEL=staging\n")
    result = run_skyfn("synth", "--identifier", "dev", cwd=root, env={"API_ENDPOINT": "shell"})
    assert result.code == 0, result
    env = artifact_env(root, "sandbox-dev")
    assert (env["API_ENDPOINT"], env["LEVEL"]) == ("shell", "sandbox")


def test_a_secret_looking_value_warns_without_the_value_and_strict_fails(tmp_path: Path) -> None:
    value = "AKIAIOSFODNN7EXAMPLE"
    fn = resource(
        '{"DB_PASSWORD": os.environ["DB_PASSWORD"], "UPLOAD_ID": os.environ["UPLOAD_ID"]}'
    )
    root = make_project(tmp_path / "p", {"api": fn})
    write(root / ".env", f"DB_PASSWORD=hunter22\nUPLOAD_ID={value}\n")
    warned = run_skyfn("synth", cwd=root)
    assert warned.code == 0, warned
    assert "function api: plain value DB_PASSWORD looks like a secret" in warned.err
    assert "UPLOAD_ID looks like a secret (its value is an AWS access key id)" in warned.err
    assert "secret('DB_PASSWORD')" in warned.err
    assert "hunter22" not in warned.err + warned.out and value not in warned.err + warned.out
    strict = run_skyfn("synth", "--strict", cwd=root)
    assert strict.code == 1 and "DB_PASSWORD" in strict.err and "Traceback" not in strict.err
    assert "hunter22" not in strict.err


def test_ordinary_values_do_not_warn(root: Path) -> None:
    write(root / ".env", "API_ENDPOINT=https://api.example.com/v1/items?page=1\nLEVEL=debug\n")
    result = run_skyfn("synth", cwd=root)
    assert result.code == 0 and "looks like a secret" not in result.err


def test_init_gitignores_local_env_files(tmp_path: Path) -> None:
    assert run_skyfn("init", "demo", cwd=tmp_path).code == 0
    lines = (tmp_path / "demo" / ".gitignore").read_text().splitlines()
    assert ".skyfn/" in lines and ".env*.local" in lines
    assert any("safe to commit" in line for line in lines)


def test_the_sandbox_reloads_when_an_env_file_changes(tmp_path: Path) -> None:
    handler = "import os\ndef handler(event, context):\n    return os.environ['LEVEL']\n"
    root = make_project(tmp_path / "p", {"api": resource(ENDPOINT)}, handlers={"api": handler})
    write(root / ".env", "LEVEL=first\n")
    with running_sandbox(root) as box:
        client = box.client()

        def level() -> str:
            reply = client.invoke(FunctionName="api", Payload=b"{}")["Payload"].read()
            answer: str = json.loads(reply)
            return answer

        assert level() == "first"
        write(root / ".env.sandbox.local", "LEVEL=second\n")
        deadline = time.monotonic() + 30
        while level() != "second":
            assert time.monotonic() < deadline, box.logs()
            time.sleep(0.1)
        (root / ".env.sandbox.local").unlink()
        while level() != "first":
            assert time.monotonic() < deadline + 30, box.logs()
            time.sleep(0.1)
