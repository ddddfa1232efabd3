"""aws_secret / ssm_parameter at synth: compact SKYFN_SECRETS paths naming their store, and
one clear problem per bad reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skyfn import scope
from skyfn.errors import DefinitionError
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.runtime import contract
from skyfn.synth.run import load_model
from tests.support.projects import make_project, resource


def model_of(root: Path, environment: str) -> Model:
    make_project(root, {"fn": resource(environment, name="fn")})
    return load_model(find_project(root), scope.branch("main"), "ssm")


def test_external_references_name_their_store_in_the_contract(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        '{"DB": aws_secret("prod/db", key="password"), '
        '"OLD": aws_secret("prod/db", version_stage="AWSPREVIOUS"), '
        '"LEGACY": ssm_parameter("/legacy/key", max_age=60), '
        '"PIN": ssm_parameter("/legacy/key", version=2), "OWN": secret("OWN")}',
    )
    variables = model.functions[0].environment_dict
    assert json.loads(variables[contract.SECRETS_VAR]) == {
        "DB": ["sm:prod/db#password"],
        "LEGACY": ["ssm:/legacy/key", 60],
        "OLD": ["sm:prod/db|s:AWSPREVIOUS", None],
        "OWN": ["/skyfn/testapp/branch-main/OWN", "/skyfn/testapp/shared/OWN"],
        "PIN": ["ssm:/legacy/key:2", None],
    }
    assert variables["DB"] == "<skyfn secret prod/db>"


@pytest.mark.parametrize(
    ("environment", "problem"),
    [
        ('aws_secret("a#b")', "give a Secrets Manager secret's name"),
        ('aws_secret("x", key="")', "key must be the name of a field"),
        ('aws_secret("x", version_stage="A", version_id="b" * 32)', "not both"),
        ('aws_secret("x", version_stage="AWSPREVIOUS", max_age=5)', "drop max_age or the pin"),
        ('ssm_parameter("/a b")', "an SSM parameter name holds only"),
        ('ssm_parameter("/a", version=0)', "version must be a whole number"),
    ],
)
def test_bad_external_references_are_refused_at_synth(
    tmp_path: Path, environment: str, problem: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        model_of(tmp_path, '{"XY": ' + environment + "}")
    assert f"function fn: environment XY: {environment.split('(')[0]}(" in str(caught.value)
    assert problem in str(caught.value)


def test_the_pytest_plugin_cannot_replace_an_external_reference(tmp_path: Path) -> None:
    from skyfn.errors import SkyfnError
    from skyfn.host.environment import Overrides, check_overrides

    model = model_of(tmp_path, '{"DB": aws_secret("prod/db", key="password")}')
    with pytest.raises(SkyfnError) as caught:
        check_overrides(model.functions[0], Overrides(secrets={"prod/db": "x"}))
    assert "prod/db is an external reference" in str(caught.value)
