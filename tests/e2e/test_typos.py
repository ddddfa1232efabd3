"""A misspelt name is named as a likely typo: a secret set under a name no function
references, a secret a definition references under a name close to one that is set, a
function folder that backend.py does not register. (Branches: test_lifecycle_destroy.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource, write


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "app", {"db": resource('{"DB_PASSWORD": secret("DB_PASSWORD")}', name="db")}
    )


def skyfn(root: Path, *args: str, stdin: str = "") -> Result:
    return run_skyfn(*args, cwd=root, stdin=stdin)


def test_setting_an_unreferenced_name_suggests_the_referenced_one(root: Path) -> None:
    result = skyfn(root, "secret", "set", "DB_PASWORD", stdin="s3cret-value")
    assert result.code == 0, result.err  # set all the same: only a warning
    assert "warning: no function references DB_PASWORD; did you mean DB_PASSWORD?" in result.err
    right = skyfn(root, "secret", "set", "DB_PASSWORD", stdin="s3cret-value")
    assert right.code == 0 and "did you mean" not in right.err
    other = skyfn(root, "secret", "set", "UNRELATED_NAME", stdin="x")
    assert other.code == 0 and "warning" not in other.err


def test_status_suggests_the_referenced_name_for_an_unreferenced_one(root: Path) -> None:
    assert skyfn(root, "secret", "set", "DB_PASWORD", stdin="v").code == 0
    table = skyfn(root, "secret", "status")
    lines = table.out.splitlines()
    row = next(line for line in lines if line.strip().startswith("DB_PASWORD"))
    assert "DID YOU MEAN" in table.out and row.rstrip().endswith("DB_PASSWORD"), table.out
    data = json.loads(skyfn(root, "secret", "status", "--json").out)
    assert data["unreferenced"][0]["did_you_mean"] == "DB_PASSWORD"


def test_synths_missing_secret_hint_suggests_the_close_name_that_is_set(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "app", {"db": resource('{"DB_PASSWORD": secret("DB_PASWORD")}', name="db")}
    )
    assert skyfn(root, "secret", "set", "DB_PASSWORD", stdin="v").code == 0
    result = skyfn(root, "synth")
    assert result.code == 0, result.err
    assert "secret DB_PASWORD (environment DB_PASSWORD of function db) is not set" in result.err
    assert "Did you mean DB_PASSWORD (set there)? Otherwise: set it with: skyfn secret set" in (
        result.err
    )


def test_a_function_folder_backend_py_does_not_register_is_a_warning(root: Path) -> None:
    write(root / "backend" / "functions" / "say_bye" / "resource.py", resource(name="say-bye"))
    write(root / "backend" / "functions" / "say_bye" / "handler.py", "def handler(e, c):\n  pass\n")
    (root / "backend" / "functions" / "__pycache__").mkdir()
    result = skyfn(root, "synth")
    assert result.code == 0, result.err
    assert (
        "warning: backend/functions/say_bye/ is not registered in backend/backend.py" in result.err
    )
    assert "db/" not in result.err and "__pycache__" not in result.err
