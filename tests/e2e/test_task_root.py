"""A local worker imports project code from exactly the files its bundle holds."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_skyfn
from tests.support.projects import make_project, resource, write

HANDLER = """\
import importlib
import os
import resource  # the standard library's, not the function's definition file

import shared.greeting

def handler(event, context):
    found = {"limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 0,
             "greeting": shared.greeting.TEXT,
             "cwd_files": sorted(os.listdir("."))}
    if event.get("dynamic"):
        importlib.import_module("hidden")  # not followed: not in the bundle
    return found
"""


def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "app", {"hello": resource(name="hello")}, {"hello": HANDLER})
    write(root / "backend" / "shared" / "__init__.py", "")
    write(root / "backend" / "shared" / "greeting.py", 'TEXT = "hi from shared"\n')
    write(root / "backend" / "hidden.py", "X = 1\n")
    write(root / "backend" / "functions" / "hello" / ".env", "LOCAL=1\n")
    return root


def test_the_worker_sees_the_bundles_files_and_the_standard_librarys_resource(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    result = run_skyfn("invoke", "hello", cwd=root)
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["limit"] is True and out["greeting"] == "hi from shared"
    # the task root holds the handler and the shared package it imports, as the bundle does
    assert "handler.py" in out["cwd_files"] and "shared" in out["cwd_files"]
    assert not {"resource.py", ".env", "hidden.py"} & set(out["cwd_files"])


def test_a_project_file_the_bundle_lacks_fails_locally_as_deployed(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run_skyfn("invoke", "hello", "--event", '{"dynamic": true}', cwd=root)
    assert result.code == 1
    assert json.loads(result.out)["errorType"] == "ModuleNotFoundError"
    assert "No module named 'hidden'" in result.err


def test_the_worker_sees_no_link_and_no_secret_looking_file_as_the_bundle(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    folder = root / "backend" / "functions" / "hello"
    (folder / "settings.txt").symlink_to("/proc/self/environ")
    (folder / "loop").symlink_to(".")
    write(folder / "prod.env", "X=1\n")
    write(folder / "signing.key", "x\n")
    write(folder / "config.txt", "aws_access_key_id = " + "AKIA" + "Q3EGRIEXAMPLE7XY\n")
    write(folder / "ca.crt", "-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + 'bundle_include = ["backend/functions/hello/signing.key"]\n'
    )
    result = run_skyfn("invoke", "hello", cwd=root)
    assert result.code == 0, result.err
    seen = set(json.loads(result.out)["cwd_files"])
    assert {"ca.crt", "signing.key", "handler.py"} <= seen
    assert not {"settings.txt", "loop", "prod.env", "config.txt"} & seen
