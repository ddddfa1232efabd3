"""One rule picks the store for every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn.errors import SkyfnError
from skyfn.model import Scope
from skyfn.project import Project
from skyfn.secrets.choice import choose_secret_store

BRANCH = Scope("branch", "main")
SANDBOX = Scope("sandbox", "alice")


@pytest.fixture(autouse=True)
def no_store_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKYFN_SECRET_STORE", raising=False)


def project(**settings: object) -> Project:
    return Project(Path("/p"), "app", settings)


def test_a_branch_reads_what_it_deploys_from_and_a_sandbox_the_local_store() -> None:
    assert choose_secret_store(project(), BRANCH) == "ssm"
    assert choose_secret_store(project(), SANDBOX) == "local"
    assert choose_secret_store(project(), None) == "local"


def test_the_project_setting_sets_only_the_sandboxs_default() -> None:
    assert choose_secret_store(project(secret_store="ssm"), SANDBOX) == "ssm"
    assert choose_secret_store(project(secret_store="local"), BRANCH) == "ssm"


def test_the_flag_beats_the_variable_which_beats_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SKYFN_SECRET_STORE", "local")
    assert choose_secret_store(project(), BRANCH) == "local"
    assert choose_secret_store(project(), BRANCH, "ssm") == "ssm"


def test_an_unknown_store_names_its_source() -> None:
    with pytest.raises(SkyfnError, match=r"\[tool.skyfn\] secret_store is 'vault'"):
        choose_secret_store(project(secret_store="vault"), SANDBOX)
