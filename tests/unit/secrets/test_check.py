"""Which referenced secrets are missing: the deploy's stop condition and synth's warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from skyfn import scope
from skyfn.project import open_project
from skyfn.secrets.check import MissingSecret, missing_secrets
from skyfn.secrets.local import LocalStore
from skyfn.synth.run import load_model
from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource

A = '{"API_KEY": secret("MY_API_KEY"), "DB": secret("DB_PASSWORD")}'
B = '{"API_KEY": secret("MY_API_KEY")}'


def project(tmp_path: Path) -> Path:
    functions = {"a": resource(A, name="fn-a"), "b": resource(B, name="fn-b")}
    return make_project(tmp_path / "p", functions)


def test_missing_secrets_names_function_key_paths_and_command(tmp_path: Path) -> None:
    root = project(tmp_path)
    model = load_model(open_project(root), scope.branch("main"), "local")
    store = LocalStore()
    store.write("/skyfn/testapp/shared/DB_PASSWORD", "v")  # found through the shared fallback
    missing = missing_secrets(model, store)
    paths = ("/skyfn/testapp/branch-main/MY_API_KEY", "/skyfn/testapp/shared/MY_API_KEY")
    command = "skyfn secret set MY_API_KEY --branch main --store local"
    assert missing == [
        MissingSecret("fn-a", "API_KEY", "branch:main", "MY_API_KEY", paths, "local"),
        MissingSecret("fn-b", "API_KEY", "branch:main", "MY_API_KEY", paths, "local"),
    ]
    assert missing[0].command == command
    assert missing[0].message == (
        "secret MY_API_KEY (environment API_KEY of function fn-a) is not set for branch main "
        f"in the local store (looked in: {paths[0]}, {paths[1]}). Set it with: {command}"
    )
    store.write(paths[0], "v")
    assert missing_secrets(model, store) == []


def test_synth_warns_about_every_missing_secret_first_and_still_succeeds(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "skyfn", "synth", "--identifier", "alice"],
        cwd=root,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, to see what comes first
        text=True,
    )
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert [line.split(")")[0] for line in lines[:3]] == [
        "warning: secret MY_API_KEY (environment API_KEY of function fn-a",
        "warning: secret DB_PASSWORD (environment DB of function fn-a",
        "warning: secret MY_API_KEY (environment API_KEY of function fn-b",
    ]
    assert lines[1].endswith("Set it with: skyfn secret set DB_PASSWORD --identifier alice")
    assert lines[3].startswith("synth for sandbox alice")
    assert (root / ".skyfn/artifacts/sandbox-alice/fn-a.json").is_file()
    for name in ("MY_API_KEY", "DB_PASSWORD"):
        run_skyfn("secret", "set", name, "--shared", cwd=root, stdin="v")
    assert run_skyfn("synth", "--identifier", "alice", cwd=root).err == ""
