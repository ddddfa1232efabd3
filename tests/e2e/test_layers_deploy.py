"""define_layer layers deployed to moto_server: one LayerVersion per layer, ``diff`` then
finds nothing to change, a changed layer shows as one line, a layer's zip unpacked into an
/opt beside the deployed bundle serves its packages under awslambdaric (Lambda's
runtime), the check for secret values looks inside layer zips, and the 250 MB check counts
a function's layers before anything is uploaded.

moto's CloudFormation creates the LayerVersion but ignores a function's ``Layers``: the
rendered Refs are checked in tests/unit/deploy/test_layers.py (and by cfn-lint)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from skyfn import scope
from skyfn.deploy.pipeline import deploy_branch, stack_request
from skyfn.errors import SkyfnError
from skyfn.project import find_project, open_project
from skyfn.synth.layer_packages import layer_packages
from skyfn.synth.run import load_model
from tests.support.aws import Aws
from tests.support.cli import run_skyfn
from tests.support.deploy import SECRET_VALUE
from tests.support.lambda_bundle import decoded, deployed_zip, invoke_deployed
from tests.support.layered import make_layered
from tests.support.projects import write
from tests.support.wheels import build_wheel


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return make_layered(tmp_path / "app")


def stack_parameters() -> dict[str, str]:
    cfn = boto3.client("cloudformation")
    [stack] = [
        s
        for s in cfn.describe_stacks()["Stacks"]
        if s["StackName"].startswith("skyfn-testapp-main")
    ]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def staged(key: str) -> bytes:
    s3 = boto3.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        found = s3.list_objects_v2(Bucket=bucket["Name"], Prefix=key).get("Contents", [])
        if found:
            data: bytes = s3.get_object(Bucket=bucket["Name"], Key=key)["Body"].read()
            return data
    raise AssertionError(f"{key} is not staged")


def function_config(root: Path, name: str) -> dict[str, object]:
    template = json.loads((root / ".skyfn/artifacts/branch-main/template.json").read_text())
    physical = next(
        r["Properties"]["FunctionName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Description"] == f"skyfn function {name}"
    )
    config: dict[str, object] = boto3.client("lambda").get_function(FunctionName=physical)[
        "Configuration"
    ]
    return config


def test_layers_deploy_once_diff_clean_and_serve_their_packages_deployed(
    project: Path, aws: Aws, tmp_path: Path
) -> None:
    said: list[str] = []
    deploy_branch(find_project(project), "main", None, said.append)
    assert "  + layer shared: " in "\n".join(said)
    versions = boto3.client("lambda").list_layers()["Layers"]
    assert sorted(v["LatestMatchingVersion"]["Description"] for v in versions) == [
        "skyfn layer base",
        "skyfn layer shared",
        "skyfn layer top",
    ]
    same = run_skyfn("diff", "--branch", "main", cwd=project, env=aws.env)
    assert same.code == 0, same.out + same.err
    assert "is up to date" in same.out

    # the deployed bundle, with its layers' zips from the staging bucket in /opt
    parameters = stack_parameters()
    s3 = boto3.client("s3")
    for name, zips, expected in (
        ("reader", ["ZipLayerShared"], {"layerpkg": "1.0", "conflict": None}),
        ("stacked", ["ZipLayerBase", "ZipLayerTop"], {"conflict": "2.0", "onlybase": "1.0"}),
        ("plain", [], {"layerpkg": None}),
    ):
        config = function_config(project, name)
        answer, output = invoke_deployed(
            config,
            deployed_zip(s3, config),
            tmp_path / f"task-{name}",
            aws.env,
            layers=[staged(parameters[z]) for z in zips],
        )
        found = decoded(answer)
        assert {k: found[k] for k in expected} == expected, output

    # a new version of a layer's package: one line, and the functions stay as they are
    build_wheel(project / "wheels", "layerpkg", "2.0")
    write(project / "backend" / "layers" / "shared" / "requirements.txt", "layerpkg==2.0\n")
    changed = run_skyfn("diff", "--branch", "main", cwd=project, env=aws.env)
    assert changed.code == 2, changed.out + changed.err
    assert "  ~ layer shared: " in changed.out
    assert "function" not in changed.out.split("would change:", 1)[1]


def test_a_secret_value_inside_a_layer_zip_is_refused(project: Path, aws: Aws) -> None:
    boto3.client("ssm").put_parameter(
        Name="/skyfn/testapp/shared/MY_API_KEY", Value=SECRET_VALUE, Type="SecureString"
    )
    resource = project / "backend" / "functions" / "reader" / "resource.py"
    write(
        resource,
        "from skyfn import define_function, secret\n"
        "fn = define_function(name='reader', layers=['shared'],"
        " environment={'API_KEY': secret('MY_API_KEY')})\n",
    )
    leaky = {"leaky/__init__.py": f"TOKEN = {SECRET_VALUE!r}\n"}
    build_wheel(project / "wheels", "leaky", "1.0", modules=leaky)
    write(
        project / "backend" / "layers" / "shared" / "requirements.txt",
        "layerpkg==1.0\nleaky==1.0\n",
    )
    result = run_skyfn("pipeline-deploy", "--branch", "main", cwd=project, env=aws.env)
    assert result.code != 0
    assert "a secret's value is in what would be deployed; nothing was uploaded" in result.err
    assert ".skyfn/bundles/branch-main/layers/shared.zip:python/leaky/__init__.py" in result.err
    assert SECRET_VALUE not in result.out + result.err
    assert boto3.client("s3").list_buckets()["Buckets"] == []


def test_the_size_check_counts_a_function_s_layers_before_any_upload(project: Path) -> None:
    model = load_model(open_project(project), scope.branch("main"), "ssm")
    shared = model.layer("shared")
    assert shared is not None
    folder = layer_packages(shared, project)  # the layer's packages for Lambda, as deployed
    folder.chmod(0o755)
    for name, size in (("huge.bin", 240), ("huger.bin", 20)):
        with (folder / name).open("wb") as handle:  # sparse: nothing written to disk
            handle.truncate(size * 2**20)
    # 260 MB of layer: refused for a function listing it, naming the largest parts, before
    # the layer is zipped (its files are never read) or anything uploaded
    with pytest.raises(SkyfnError) as caught:
        stack_request(open_project(project), model, lambda line: None)
    text = str(caught.value)
    assert text.startswith("function reader: its bundle and its layers unzip to 260 MB together")
    assert "largest: huge.bin (layer shared) 240 MB, huger.bin (layer shared) 20 MB" in text
