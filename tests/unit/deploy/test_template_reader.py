"""deploy/template_reader.py: a rendered branch template read back into the functions it
deploys, as ``diff.compare`` sees them."""

from __future__ import annotations

from pathlib import Path

from skyfn import scope
from skyfn.deploy import names
from skyfn.deploy.template import key_parameter, render_template
from skyfn.deploy.template_reader import describe
from skyfn.project import find_project
from skyfn.runtime.stores import DEPLOY_STORE
from skyfn.synth.run import load_model
from tests.support.projects import make_project


def test_describe_reads_a_rendered_template(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "say": 'from skyfn import define_function, secret\nfn = define_function(name="say-hi",'
            ' timeout_seconds=7, environment={"NUM": 3, "KEY_VAR": secret("KEY")})\n'
        },
    )
    model = load_model(find_project(root), scope.branch("main"), DEPLOY_STORE)
    ids = names.function_ids(model)
    parameters = {key_parameter(ids["say-hi"]): "skyfn/testapp/cafe.zip"}
    subs = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "42"}
    found = describe(render_template(model), parameters, subs).functions["say-hi"]
    assert found.physical_name == names.function_name("testapp", "main", "say-hi")
    assert found.code == "cafe" and found.timeout == 7
    assert found.environment["NUM"] == "3" and "KEY_VAR" not in found.environment
    assert found.secrets["KEY_VAR"].name == "KEY"
    assert found.secrets["KEY_VAR"].paths[0] == "/skyfn/testapp/branch-main/KEY"
    assert "arn:aws:ssm:eu-west-1:42:parameter/skyfn/testapp/branch-main/KEY" in found.access
