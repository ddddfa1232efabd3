"""secret(max_age=, version=) and [tool.skyfn] secret_max_age: validated at synth, carried
compactly by SKYFN_SECRETS (a trailing age only when it is not the runtime's default)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import DefinitionError, SkyfnError
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.runtime import contract, secrets
from skyfn.runtime.errors import SecretStoreError
from skyfn.synth.run import load_model
from tests.support.projects import make_project, resource, write

SHARED = "/skyfn/testapp/shared"
BRANCH = "/skyfn/testapp/branch-main"


def model_of(root: Path, environment: str, settings: str = "") -> Model:
    make_project(root, {"fn": resource(environment, name="fn")})
    if settings:
        write(root / "pyproject.toml", f'[tool.skyfn]\napp_id = "testapp"\n{settings}\n')
    return load_model(find_project(root), scope.branch("main"), "ssm")


def spec_of(model: Model) -> dict[str, list[object]]:
    raw = model.functions[0].environment_dict[contract.SECRETS_VAR]
    parsed: dict[str, list[object]] = json.loads(raw)
    return parsed


def test_the_contract_carries_only_what_differs_from_the_default(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        '{"AX": secret("A"), "BX": secret("B", max_age=60), "CX": secret("C", max_age=None), '
        '"DX": secret("D", version=3)}',
    )
    assert spec_of(model) == {
        "AX": [f"{BRANCH}/A", f"{SHARED}/A"],
        "BX": [f"{BRANCH}/B", f"{SHARED}/B", 60],
        "CX": [f"{BRANCH}/C", f"{SHARED}/C", None],
        "DX": [f"{BRANCH}/D:3", f"{SHARED}/D:3", None],
    }
    paths, ages = secrets.parse_spec(model.functions[0].environment_dict[contract.SECRETS_VAR])
    assert paths["BX"] == [f"{BRANCH}/B", f"{SHARED}/B"]
    assert ages == {"AX": 300, "BX": 60, "CX": None, "DX": None}


def test_the_project_sets_the_default_max_age(tmp_path: Path) -> None:
    model = model_of(
        tmp_path, '{"AX": secret("A"), "BX": secret("B", max_age=5)}', "secret_max_age = 30"
    )
    assert spec_of(model) == {
        "AX": [f"{BRANCH}/A", f"{SHARED}/A", 30],
        "BX": [f"{BRANCH}/B", f"{SHARED}/B", 5],
    }
    once = model_of(tmp_path / "once", '{"AX": secret("A")}', 'secret_max_age = "none"')
    assert spec_of(once) == {"AX": [f"{BRANCH}/A", f"{SHARED}/A", None]}


def test_a_bad_project_max_age_is_named(tmp_path: Path) -> None:
    with pytest.raises(SkyfnError, match=r"secret_max_age is -1; give whole seconds"):
        model_of(tmp_path, '{"AX": secret("A")}', "secret_max_age = -1")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('secret("K", max_age=0)', "max_age must be a whole number of seconds (at least 1)"),
        ('secret("K", max_age=1.5)', "max_age must be a whole number of seconds"),
        ('secret("K", version=0)', "version must be a whole number from 1"),
        ('secret("K", version="3")', "version must be a whole number from 1"),
        ('secret("K", version=3, max_age=9)', "a pinned version never changes"),
    ],
)
def test_bad_freshness_is_named(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        model_of(tmp_path, f'{{"KEY": {entry}}}')
    assert f"function fn: environment KEY: secret K: {message}" in str(caught.value)


@pytest.mark.parametrize("raw", ['{"AX": ["p", "x", true]}', '{"AX": [1]}', '{"AX": ["p", {}]}'])
def test_a_malformed_spec_is_refused(raw: str) -> None:
    with pytest.raises(SecretStoreError, match="SKYFN_SECRETS is malformed"):
        secrets.parse_spec(raw)
