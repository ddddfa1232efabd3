"""``skyfn secret status`` and secret descriptions and patterns, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.projects import make_project, resource

STRIPE = 'secret("STRIPE_KEY", description="Stripe secret key", pattern=r"^sk_(test|live)_")'
GOOD = "sk_test_abcdef123456"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    pay = resource(f'{{"STRIPE_KEY": {STRIPE}, "DB": secret("DB_URL")}}', name="pay")
    report = resource('{"DATABASE": secret("DB_URL")}', name="report")
    return make_project(tmp_path / "p", {"pay": pay, "report": report})


def skyfn(root: Path, *args: str, stdin: str = "") -> Result:
    return run_skyfn(*args, cwd=root, stdin=stdin)


def test_status_exits_1_with_a_missing_cell_and_0_when_all_are_set(root: Path) -> None:
    assert skyfn(root, "secret", "set", "STRIPE_KEY", "--identifier", "dev", stdin=GOOD).code == 0
    missing = skyfn(root, "secret", "status", "--identifier", "dev")
    assert missing.code == 1, missing
    rows = {line.split()[0]: line for line in missing.out.splitlines()}
    assert "MISSING" in rows["DB_URL"] and "pay (DB), report (DATABASE)" in rows["DB_URL"]
    assert "set v1 (sandbox)" in rows["STRIPE_KEY"] and "Stripe secret key" in rows["STRIPE_KEY"]
    assert skyfn(root, "secret", "set", "DB_URL", "--shared", stdin="postgres://x").code == 0
    assert skyfn(root, "secret", "set", "LEFTOVER", "--identifier", "dev", stdin="old").code == 0
    done = skyfn(root, "secret", "status", "--identifier", "dev")
    assert done.code == 0, done
    assert "set v1 (shared)" in done.out
    assert "referenced by no function" in done.out and "LEFTOVER" in done.out
    for value in (GOOD, "postgres://x", "old"):
        assert value not in done.out + done.err


def test_status_columns_per_branch_and_json(root: Path) -> None:
    local = ("--store", "local")
    assert skyfn(root, "secret", "set", "DB_URL", "--branch", "main", *local, stdin="u1").code == 0
    args = ("secret", "status", "--branch", "main", "--branch", "dev", *local, "--json")
    result = skyfn(root, *args)
    assert result.code == 1
    data = json.loads(result.out)
    assert data["ok"] is False and data["scopes"] == ["branch main", "branch dev"]
    db = next(s for s in data["secrets"] if s["name"] == "DB_URL")
    assert db["scopes"]["branch main"]["state"] == "set"
    assert db["scopes"]["branch main"]["from"] == "branch"
    assert db["scopes"]["branch dev"] == {"state": "missing"}
    every = json.loads(skyfn(root, "secret", "status", "--all-branches", *local, "--json").out)
    assert every["scopes"] == ["branch main"]


def test_a_pattern_refuses_a_value_without_echoing_it(root: Path) -> None:
    refused = skyfn(root, "secret", "set", "STRIPE_KEY", stdin="pk_live_wrongkind99")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "does not match its pattern" in refused.err and "STRIPE_KEY" in refused.err
    assert "pk_live_wrongkind99" not in refused.err + refused.out
    assert skyfn(root, "secret", "get", "STRIPE_KEY").code == 1  # nothing was set
    assert skyfn(root, "secret", "set", "STRIPE_KEY", stdin=GOOD).code == 0


def test_list_shows_the_description(root: Path) -> None:
    assert skyfn(root, "secret", "set", "STRIPE_KEY", stdin=GOOD).code == 0
    listed = skyfn(root, "secret", "list")
    assert "DESCRIPTION" in listed.out and "Stripe secret key" in listed.out
    data = json.loads(skyfn(root, "secret", "list", "--json").out)
    assert data[0]["description"] == "Stripe secret key"


def test_status_marks_a_stored_value_that_does_not_match_invalid(
    root: Path, tmp_path: Path
) -> None:
    # Stored before the pattern existed: set it through a backend without one.
    plain = make_project(tmp_path / "plain", {"pay": resource('{"K": secret("STRIPE_KEY")}')})
    assert skyfn(plain, "secret", "set", "STRIPE_KEY", "--shared", stdin="wrong_value").code == 0
    result = skyfn(root, "secret", "status")
    assert result.code == 1
    assert "INVALID v1 (shared)" in result.out and "wrong_value" not in result.out


def test_the_description_is_in_the_env_module(root: Path) -> None:
    assert skyfn(root, "synth").code == 0
    module = (root / ".skyfn" / "generated" / "skyfn_env" / "pay.py").read_text()
    assert "Stripe secret key" in module


def test_a_bad_pattern_is_a_definition_error(tmp_path: Path) -> None:
    fn = resource('{"KK": secret("KK", pattern="(")}')
    root = make_project(tmp_path / "p", {"f": fn})
    result = skyfn(root, "synth")
    assert result.code == 1 and "KK: secret pattern is not a valid regular expression" in result.err


def test_all_branches_finds_the_branches_in_ssm(root: Path, aws: Aws) -> None:
    """The SSM listing once asked for one path level only, so ``/skyfn/<app>/branch-main/X``
    was never found and --all-branches said the store held no branch secrets."""
    ssm = ("--store", "ssm")
    for branch in ("main", "feature-x"):
        done = run_skyfn(
            "secret", "set", "DB_URL", "--branch", branch, *ssm, cwd=root, stdin="u", env=aws.env
        )
        assert done.code == 0, done.err
    result = run_skyfn("secret", "status", "--all-branches", *ssm, "--json", cwd=root, env=aws.env)
    assert result.err == "" or "Traceback" not in result.err
    data = json.loads(result.out)
    assert data["scopes"] == ["branch feature-x", "branch main"]
    db = next(s for s in data["secrets"] if s["name"] == "DB_URL")
    assert db["scopes"]["branch main"]["state"] == "set"
    listed = run_skyfn("secret", "list", "--branch", "main", *ssm, cwd=root, env=aws.env)
    assert [line.split()[0] for line in listed.out.splitlines()[1:]] == ["DB_URL"]
