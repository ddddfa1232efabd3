"""``skyfn diff`` against a real moto_server: what the next deploy would change, from
read-only calls only, with terraform's exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from skyfn.aws import session as aws_session
from skyfn.deploy import names, nested, template
from skyfn.deploy.pipeline import branch_diff, branch_synth, deploy_branch, stack_request
from skyfn.deploy.preview import diff_request
from skyfn.model import Model
from skyfn.project import find_project
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE
from tests.support.projects import make_project, write

STACK = names.stack_name("testapp", "main")

ALPHA = """\
from skyfn import define_function, secret
fn = define_function(name="alpha", environment={"GREETING": "%s", "API_KEY": secret("API_KEY")%s})
"""
BETA = """\
from skyfn import define_function
fn = define_function(name="beta", memory_mb=256)
"""


def alpha(greeting: str, extra: str = "") -> str:
    return ALPHA % (greeting, extra)


def put(name: str) -> None:
    """Set (or add a version to) a branch secret."""
    boto3.client("ssm").put_parameter(
        Name=f"/skyfn/testapp/branch-main/{name}",
        Value=SECRET_VALUE,
        Type="SecureString",
        Overwrite=True,
    )


def skyfn(root: Path, aws: Aws, *args: str) -> Result:
    return run_skyfn(*args, "--branch", "main", cwd=root, env=aws.env)


def moto_state() -> dict[str, Any]:
    """Everything a mutating call would change: stacks, templates, objects, functions."""
    cfn, s3, lam = boto3.client("cloudformation"), boto3.client("s3"), boto3.client("lambda")
    stacks = cfn.describe_stacks()["Stacks"]
    return {
        "stacks": [
            (s["StackName"], s["StackStatus"], str(s.get("LastUpdatedTime")), s.get("Parameters"))
            for s in stacks
        ],
        "templates": [cfn.get_template(StackName=s["StackName"])["TemplateBody"] for s in stacks],
        "objects": [
            (b["Name"], o["Key"], o["ETag"])
            for b in s3.list_buckets()["Buckets"]
            for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])
        ],
        "functions": sorted(
            (f["FunctionName"], f["CodeSha256"], json.dumps(f.get("Environment"), sort_keys=True))
            for f in lam.list_functions()["Functions"]
        ),
        "parameters": sorted(
            p["Name"] for p in boto3.client("ssm").describe_parameters()["Parameters"]
        ),
    }


def test_diff_of_a_new_branch_says_everything_would_be_created(tmp_path: Path, aws: Aws) -> None:
    root = make_project(tmp_path / "app", {"beta": BETA})
    result = skyfn(root, aws, "diff")
    assert result.code == 2, result.err
    assert f"stack {STACK} would be created" in result.out
    assert "+ function beta (new)" in result.out
    assert "memory 256 MB" in result.out
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []  # no change set


def test_diff_reports_env_secret_and_removed_function_without_changing_anything(
    tmp_path: Path, aws: Aws
) -> None:
    put("API_KEY")
    root = make_project(tmp_path / "app", {"alpha": alpha("hello"), "beta": BETA})
    deployed = skyfn(root, aws, "pipeline-deploy")
    assert deployed.code == 0, deployed.err
    same = skyfn(root, aws, "diff")
    assert same.code == 0, same.out + same.err
    assert f"no changes: stack {STACK} is up to date" in same.out

    root = make_project(
        tmp_path / "app", {"alpha": alpha("howdy", ', "TOKEN": secret("NEW_TOKEN")')}
    )
    write(
        root / "backend/functions/alpha/handler.py", "def handler(event, context):\n    return 1\n"
    )
    before = moto_state()
    result = skyfn(root, aws, "diff")
    assert moto_state() == before  # read-only: no stack, object, function or secret changed
    assert result.code == 2, result.err
    out = result.out
    assert "  - function beta (removed)" in out
    assert "~ function alpha" in out
    assert "env ~ GREETING: hello -> howdy" in out
    assert "env + TOKEN: secret NEW_TOKEN (/skyfn/testapp/branch-main/NEW_TOKEN" in out
    assert "file ~ handler.py" in out  # the previous bundle, read from the staging bucket
    assert "access + may read arn:aws:ssm:" in out
    assert "parameter/skyfn/testapp/branch-main/NEW_TOKEN" in out
    assert SECRET_VALUE not in out + result.err

    as_json = skyfn(root, aws, "diff", "--json")
    assert as_json.code == 2, as_json.err
    data = json.loads(as_json.out)
    assert data["removed"] == ["beta"]
    (changed,) = data["changed"]
    assert {"key": "GREETING", "old": "hello", "new": "howdy"} in changed["environment"]
    assert changed["secrets"][0]["key"] == "TOKEN" and changed["secrets"][0]["old"] is None
    assert changed["code"]["old"] != changed["code"]["new"]


def test_pipeline_deploy_prints_the_diff_before_applying(tmp_path: Path, aws: Aws) -> None:
    put("API_KEY")
    root = make_project(tmp_path / "app", {"alpha": alpha("hello")})
    assert skyfn(root, aws, "pipeline-deploy").code == 0
    root = make_project(tmp_path / "app", {"alpha": alpha("howdy")})
    result = skyfn(root, aws, "pipeline-deploy")
    assert result.code == 0, result.err
    assert result.out.index("env ~ GREETING: hello -> howdy") < result.out.index("updating stack")


def test_diff_with_another_apps_stack_under_the_name_is_an_error(tmp_path: Path, aws: Aws) -> None:
    boto3.client("cloudformation").create_stack(
        StackName=STACK,
        TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
        Tags=[{"Key": "skyfn:app", "Value": "other"}, {"Key": "skyfn:branch", "Value": "main"}],
    )
    root = make_project(tmp_path / "app", {"beta": BETA})
    result = skyfn(root, aws, "diff")
    assert result.code == 1
    assert "belongs to app other" in result.err and "Traceback" not in result.err


READ_ONLY = {"GetCallerIdentity", "DescribeStacks", "GetTemplate", "GetObject"}


def test_diff_makes_only_read_calls(tmp_path: Path, aws: Aws) -> None:
    """Every AWS call diff makes, counted by operation through a botocore event hook."""
    put("API_KEY")
    root = make_project(tmp_path / "app", {"alpha": alpha("hello"), "beta": BETA})
    assert skyfn(root, aws, "pipeline-deploy").code == 0
    root = make_project(tmp_path / "app", {"alpha": alpha("howdy")})
    write(
        root / "backend/functions/alpha/handler.py", "def handler(event, context):\n    return 2\n"
    )

    calls: list[str] = []
    session = aws_session()
    session.events.register(
        "before-call",
        lambda model, **_: calls.append(model.name),
    )
    project, synthed = branch_synth(find_project(root), "main", None)
    request = stack_request(project, synthed.model, lambda _: None, templates=synthed.templates)
    result = diff_request(request, session)
    assert result and result.removed == ("beta",)
    assert calls and set(calls) <= READ_ONLY, calls
    assert "GetObject" in calls  # the previous bundle, to name the files that differ


def test_freshness_options_deploy_and_diff_cleanly_and_show_their_changes(
    tmp_path: Path, aws: Aws
) -> None:
    """``max_age=`` and ``version=`` once made diff and pipeline-deploy crash (SKYFN_SECRETS
    entries ending with a number or null); a deploy followed by diff must show nothing."""
    put("API_KEY")
    put("API_KEY")  # version 2, for the pin
    fresh = ', "FRESH": secret("API_KEY", max_age=60), "PINNED": secret("API_KEY", version=2)'
    root = make_project(tmp_path / "app", {"alpha": alpha("hello", fresh)})
    deployed = skyfn(root, aws, "pipeline-deploy")
    assert deployed.code == 0, deployed.out + deployed.err
    same = skyfn(root, aws, "diff")
    assert same.code == 0 and "Traceback" not in same.err, same.out + same.err
    assert f"no changes: stack {STACK} is up to date" in same.out

    fresh = ', "FRESH": secret("API_KEY", max_age=5), "PINNED": secret("API_KEY", version=1)'
    root = make_project(tmp_path / "app", {"alpha": alpha("hello", fresh)})
    changed = skyfn(root, aws, "diff")
    assert changed.code == 2, changed.out + changed.err
    assert "re-read after 60 s) -> secret API_KEY" in changed.out
    assert "re-read after 5 s)" in changed.out
    assert "/skyfn/testapp/branch-main/API_KEY:2" in changed.out
    assert "/skyfn/testapp/branch-main/API_KEY:1" in changed.out
    assert "Traceback" not in changed.err


def test_a_deploy_and_a_diff_render_the_template_once(
    tmp_path: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template synth writes is the one deployed and compared: rendered once, not again
    for the stack request."""
    put("API_KEY")
    root = make_project(tmp_path / "app", {"alpha": alpha("hello"), "beta": BETA})
    rendered: list[Model] = []

    def counted(model: Model) -> template.Json:
        rendered.append(model)
        return template.render_template(model)

    monkeypatch.setattr(nested, "render_template", counted)
    deploy_branch(find_project(root), "main", None, lambda _: None)
    assert len(rendered) == 1
    del rendered[:]
    assert not branch_diff(find_project(root), "main", None, lambda _: None)
    assert len(rendered) == 1
