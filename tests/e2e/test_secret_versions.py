"""Versions: ``secret(NAME, version=N)`` reads version N (local store, through the host's
pipe), and ``skyfn secret rollback NAME --to N`` makes N current again as a new version, on
the local store and on SSM (moto_server)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest

from skyfn import scope
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource

ME = scope.sandbox().name

HANDLER = """\
import os

def handler(event, context):
    return {"pinned": os.environ["PINNED"], "latest": os.environ["LATEST"]}
"""


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    environment = '{"PINNED": secret("K", version=2), "LATEST": secret("K")}'
    return make_project(tmp_path / "p", {"fn": resource(environment, name="fn")}, {"fn": HANDLER})


def skyfn(root: Path, *args: str, stdin: str = "") -> Result:
    return run_skyfn(*args, cwd=root, stdin=stdin)


def test_a_pinned_local_secret_reads_its_version(root: Path) -> None:
    for value in ("one", "two", "three"):
        assert skyfn(root, "secret", "set", "K", stdin=value).code == 0
    result = skyfn(root, "invoke", "fn")
    assert result.code == 0, result
    assert json.loads(result.out) == {"pinned": "two", "latest": "three"}


def test_a_pin_to_a_version_that_does_not_exist_stops_the_cold_start(root: Path) -> None:
    assert skyfn(root, "secret", "set", "K", stdin="one").code == 0
    result = skyfn(root, "invoke", "fn")
    assert result.code != 0
    shown = result.out + result.err
    assert "secret K (environment PINNED of function fn) is pinned to version 2" in shown
    assert "Traceback" not in result.err


def test_rollback_on_the_local_store_keeps_history(root: Path) -> None:
    for value in ("one", "two", "three"):
        skyfn(root, "secret", "set", "K", stdin=value)
    rolled = skyfn(root, "secret", "rollback", "K", "--to", "1")
    assert rolled.code == 0, rolled
    assert rolled.out == f"Rolled back K (sandbox {ME}) to version 1: now version 4\n"
    assert skyfn(root, "secret", "get", "K").out == "one\n"
    assert "one" not in rolled.out + rolled.err
    assert json.loads(skyfn(root, "secret", "get", "K", "--json").out)["version"] == 4


def test_rollback_to_a_missing_version_is_named(root: Path) -> None:
    skyfn(root, "secret", "set", "K", stdin="one")
    result = skyfn(root, "secret", "rollback", "K", "--to", "7")
    assert result.code == 1 and "Traceback" not in result.err
    assert "secret K has no version 7" in result.err and "newest is version 1" in result.err
    missing = skyfn(root, "secret", "rollback", "NOPE", "--to", "1")
    assert missing.code == 1 and "NOPE" in missing.err


def test_rollback_on_ssm_of_the_branch_own_value(aws: Aws, root: Path) -> None:
    ssm = boto3.client("ssm")
    for value in ("one", "two"):
        ssm.put_parameter(
            Name="/skyfn/testapp/branch-main/K", Value=value, Type="SecureString", Overwrite=True
        )
    rolled = skyfn(root, "secret", "rollback", "K", "--to", "1", "--branch", "main")
    assert rolled.code == 0, rolled
    assert rolled.out == "Rolled back K (branch main) to version 1: now version 3\n"
    parameter = ssm.get_parameter(Name="/skyfn/testapp/branch-main/K", WithDecryption=True)
    assert (parameter["Parameter"]["Value"], parameter["Parameter"]["Version"]) == ("one", 3)


def test_rollback_of_a_branch_never_changes_the_shared_secret(aws: Aws, root: Path) -> None:
    """Issue 22 finding 10: a branch without its own value fell back to the shared secret,
    and ``rollback --branch`` rolled back the value every branch reads."""
    ssm = boto3.client("ssm")
    for value in ("one", "two"):
        ssm.put_parameter(
            Name="/skyfn/testapp/shared/K", Value=value, Type="SecureString", Overwrite=True
        )
    refused = skyfn(root, "secret", "rollback", "K", "--to", "1", "--branch", "feature")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "no value of its own for branch feature" in refused.err
    assert "skyfn secret rollback K --to 1 --shared --store ssm" in refused.err
    parameter = ssm.get_parameter(Name="/skyfn/testapp/shared/K", WithDecryption=True)
    assert (parameter["Parameter"]["Value"], parameter["Parameter"]["Version"]) == ("two", 2)
    shared = skyfn(root, "secret", "rollback", "K", "--to", "1", "--shared", "--store", "ssm")
    assert shared.code == 0, shared
    assert shared.out == "Rolled back K (shared) to version 1: now version 3\n"
    parameter = ssm.get_parameter(Name="/skyfn/testapp/shared/K", WithDecryption=True)
    assert (parameter["Parameter"]["Value"], parameter["Parameter"]["Version"]) == ("one", 3)


def test_rollback_in_the_sandbox_needs_shared_too(root: Path) -> None:
    for value in ("one", "two"):
        assert skyfn(root, "secret", "set", "K", "--shared", stdin=value).code == 0
    refused = skyfn(root, "secret", "rollback", "K", "--to", "1")
    assert refused.code == 1 and "--shared" in refused.err
    assert skyfn(root, "secret", "get", "K", "--shared").out == "two\n"


def test_run_reads_the_pinned_version_as_invoke_does(root: Path) -> None:
    """``skyfn run`` once resolved secrets with its own loop and handed over the latest."""
    for value in ("one", "two", "three"):
        assert skyfn(root, "secret", "set", "K", stdin=value).code == 0
    code = "import os; print(os.environ['PINNED'], os.environ['LATEST'])"
    result = skyfn(root, "run", "fn", "--no-mask", "--", sys.executable, "-c", code)
    assert (result.code, result.out) == (0, "two three\n"), result.err
