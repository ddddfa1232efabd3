"""define_function(runtime=, log_format=, log_level=): validated at synth, carried by the
model into the template (Runtime, LoggingConfig) and the bundle's pip platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from skyfn import scope
from skyfn.deploy.template import render_template
from skyfn.errors import DefinitionError
from skyfn.model import Model
from skyfn.project import find_project
from skyfn.synth.packages import lambda_platform
from skyfn.synth.run import load_model
from tests.support.projects import make_project, resource


def model_of(root: Path, **options: object) -> Model:
    make_project(root, {"fn": resource("{}", name="fn", **options)})
    return load_model(find_project(root), scope.branch("main"), "ssm")


def test_runtime_and_logging_reach_the_template_and_the_bundle(tmp_path: Path) -> None:
    model = model_of(tmp_path, runtime="python3.13", log_format="json", log_level="info")
    function = model.functions[0]
    properties = next(
        r["Properties"]
        for r in render_template(model)["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    )
    assert properties["Runtime"] == "python3.13"
    assert properties["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO"}
    assert lambda_platform(function.python_version, None).python_version == "3.13"


def test_defaults_are_lambdas(tmp_path: Path) -> None:
    model = model_of(tmp_path)
    function = model.functions[0]
    assert function.runtime == "python3.12"
    assert "LoggingConfig" not in str(render_template(model))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"runtime": "python3.9"}, "runtime 'python3.9' is not one of python3.12, python3.13"),
        ({"log_format": "XML"}, "log_format 'XML' is not one of Text, JSON"),
        ({"log_format": "JSON", "log_level": "LOUD"}, "log_level 'LOUD' is not one of"),
        ({"log_level": "INFO"}, "log_level='INFO' needs log_format=\"JSON\""),
    ],
)
def test_bad_values_are_named(tmp_path: Path, options: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        model_of(tmp_path, **options)
    assert "function fn: " + message in str(caught.value)
