"""Synth outputs: artifacts, env modules, determinism, and the printed summary."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.project import open_project
from skyfn.synth.envgen import render_env_module
from skyfn.synth.run import load_model
from tests.support.cli import run_skyfn
from tests.support.projects import EXAMPLE, REPO, make_project, resource

GOLDEN = REPO / "tests" / "golden" / "say_hello_env.py"


@pytest.fixture()
def example(tmp_path: Path) -> Path:
    target = tmp_path / "say-hello"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".skyfn", "__pycache__"))
    return target


def test_generated_env_module_matches_golden_file(example: Path) -> None:
    model = load_model(open_project(example), scope.sandbox("golden"), "local")
    rendered = render_env_module(model.functions[0])
    if os.environ.get("SKYFN_UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_synth_writes_artifact_and_env_module(example: Path) -> None:
    result = run_skyfn("synth", "--identifier", "alice", cwd=example)
    assert result.code == 0, result.err
    artifact = json.loads((example / ".skyfn/artifacts/sandbox-alice/say-hello.json").read_text())
    assert artifact["handler"] == "skyfn.runtime.bootstrap.handler"
    assert artifact["user_handler"] == "handler.handler"
    assert artifact["timeout_seconds"] == 3 and artifact["memory_mb"] == 512
    assert artifact["environment"]["NAME"] == "World"
    assert artifact["environment"]["MAX_ITEMS"] == "25"
    assert artifact["environment"]["API_KEY"] == "<skyfn secret MY_API_KEY>"
    assert artifact["secrets"]["API_KEY"]["paths"] == [
        "/skyfn/say-hello/sandbox-alice/MY_API_KEY",
        "/skyfn/say-hello/shared/MY_API_KEY",
    ]
    assert json.loads(artifact["environment"]["SKYFN_SECRETS"]) == {
        "API_KEY": artifact["secrets"]["API_KEY"]["paths"]
    }
    assert (example / ".skyfn/generated/skyfn_env/say_hello.py").is_file()
    # the summary lists the function, its variables and secrets as references
    assert "say-hello" in result.out
    assert "API_KEY" in result.out and "secret MY_API_KEY" in result.out
    assert ".skyfn/artifacts/sandbox-alice/say-hello.json" in result.out


def test_branch_synth_uses_branch_paths(example: Path) -> None:
    result = run_skyfn("synth", "--branch", "staging", cwd=example)
    assert result.code == 0, result.err
    artifact = json.loads((example / ".skyfn/artifacts/branch-staging/say-hello.json").read_text())
    assert (
        artifact["secrets"]["API_KEY"]["paths"][0] == "/skyfn/say-hello/branch-staging/MY_API_KEY"
    )
    assert "synth for branch staging" in result.out


def test_branch_specific_value_missing_stops_synth(example: Path) -> None:
    resource_file = example / "backend/functions/say_hello/resource.py"
    text = resource_file.read_text().replace(
        'os.environ.get("API_ENDPOINT", "https://api.example.com")',
        'os.environ.get("API_ENDPOINT")',
    )
    resource_file.write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "API_ENDPOINT"}
    failed = run_skyfn("synth", "--branch", "staging", cwd=example, env=env)
    assert failed.code == 1
    assert failed.err.strip() == (
        "error: function say-hello: environment API_ENDPOINT is not set (synth for branch "
        "staging); export it before synth or give a default"
    )
    ok = run_skyfn("synth", "--branch", "staging", cwd=example, env={"API_ENDPOINT": "https://s"})
    assert ok.code == 0, ok.err
    artifact = json.loads((example / ".skyfn/artifacts/branch-staging/say-hello.json").read_text())
    assert artifact["environment"]["API_ENDPOINT"] == "https://s"


def test_synth_is_deterministic_and_leaves_unchanged_files_alone(example: Path) -> None:
    assert run_skyfn("synth", "--identifier", "a", cwd=example).code == 0
    # The outputs; .skyfn/cache/ is skyfn's own (the caches of issue 27 learn from each run).
    files = sorted(
        p for p in (example / ".skyfn").rglob("*") if p.is_file() and "cache" not in p.parts
    )
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    again = run_skyfn("synth", "--identifier", "a", cwd=example)
    assert again.code == 0
    assert "wrote 0 file(s)" in again.out
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert after == before
    # a fresh .skyfn gives byte-identical files
    contents = {p: b for p, (b, _) in before.items()}
    shutil.rmtree(example / ".skyfn")
    assert run_skyfn("synth", "--identifier", "a", cwd=example).code == 0
    assert {p: p.read_bytes() for p in files} == contents


def test_generate_env_writes_only_env_modules(example: Path) -> None:
    result = run_skyfn("generate", "env", cwd=example)
    assert result.code == 0, result.err
    assert (example / ".skyfn/generated/skyfn_env/say_hello.py").is_file()
    assert not (example / ".skyfn/artifacts").exists()


def test_removed_function_loses_its_env_module(tmp_path: Path) -> None:
    make_project(tmp_path, {"one": resource("{}"), "two": resource("{}")})
    assert run_skyfn("synth", cwd=tmp_path).code == 0
    assert (tmp_path / ".skyfn/generated/skyfn_env/two.py").exists()
    make_project(tmp_path, {"one": resource("{}")})
    result = run_skyfn("synth", cwd=tmp_path)
    assert result.code == 0 and "removed .skyfn/generated/skyfn_env/two.py" in result.out
    assert not (tmp_path / ".skyfn/generated/skyfn_env/two.py").exists()


def test_init_scaffolds_the_say_hello_project(tmp_path: Path) -> None:
    result = run_skyfn("init", "demo", cwd=tmp_path)
    assert result.code == 0, result.err
    demo = tmp_path / "demo"
    for name in (
        "pyproject.toml",
        "backend/backend.py",
        "backend/functions/say_hello/resource.py",
        "backend/functions/say_hello/handler.py",
    ):
        assert (demo / name).is_file(), name
    assert ".skyfn/" in (demo / ".gitignore").read_text().splitlines()
    pyproject = (demo / "pyproject.toml").read_text()
    assert "[tool.skyfn]" in pyproject and ".skyfn/generated" in pyproject
    again = run_skyfn("init", "demo", cwd=tmp_path)
    assert again.code == 1 and "already exists" in again.err


def test_app_id_defaults_to_the_normalised_folder_name(tmp_path: Path) -> None:
    root = tmp_path / "My_Great App"
    make_project(root, {"hello": resource("{}")})
    (root / "pyproject.toml").unlink()
    assert open_project(root).app_id == "my-great-app"


def test_the_example_is_what_init_scaffolds(tmp_path: Path) -> None:
    """examples/say-hello is `skyfn init say-hello`; keep the two from drifting apart."""
    assert run_skyfn("init", "say-hello", cwd=tmp_path).code == 0
    made = tmp_path / "say-hello"

    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): re.sub(
                rb'project_id = "[^"]+"', b"project_id", p.read_bytes()
            )
            for p in root.rglob("*")
            if p.is_file() and ".skyfn" not in p.parts and "__pycache__" not in p.parts
        }

    assert files(made) == files(EXAMPLE)  # but for the random project_id


def test_init_writes_an_app_id_and_a_random_project_id(tmp_path: Path) -> None:
    """Issue 22 finding 7: the project id that tells this project's stacks from another's."""
    for name in ("My_App_x", "my.app.x"):
        assert run_skyfn("init", name, cwd=tmp_path).code == 0
    made = [open_project(tmp_path / name) for name in ("My_App_x", "my.app.x")]
    assert [p.app_id for p in made] == ["my-app-x", "my-app-x"]
    assert not any(p.app_id_from_folder for p in made)
    ids = [p.project_id for p in made]
    assert all(ids) and ids[0] != ids[1]
    assert f'project_id = "{ids[0]}"' in (tmp_path / "My_App_x" / "pyproject.toml").read_text()
