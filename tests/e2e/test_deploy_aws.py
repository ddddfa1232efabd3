"""``skyfn pipeline-deploy`` against a real moto_server: deploy, prove it runs, update,
no changes, least privilege, missing secrets stop it early, failures are reported."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from skyfn.deploy import names
from skyfn.project import open_project
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE, copy_example
from tests.support.projects import make_project, resource

STACK = names.stack_name("say-hello", "main")
TESTAPP = names.stack_name("testapp", "main")


def put_secret(path: str, value: str = SECRET_VALUE) -> None:
    boto3.client("ssm").put_parameter(Name=path, Value=value, Type="SecureString", Overwrite=True)


def deploy(root: Path, aws: Aws, *args: str) -> Result:
    return run_skyfn("pipeline-deploy", "--branch", "main", *args, cwd=root, env=aws.env)


def stack(name: str = STACK) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("cloudformation").describe_stacks(StackName=name)[
        "Stacks"
    ][0]
    return found


def function_config(arn: str) -> dict[str, Any]:
    config: dict[str, Any] = boto3.client("lambda").get_function_configuration(FunctionName=arn)
    return config


def output_arns(name: str = STACK) -> dict[str, str]:
    return {o["Description"]: o["OutputValue"] for o in stack(name).get("Outputs", [])}


def deployed_zip(config: dict[str, Any]) -> bytes:
    """The bundle Lambda holds: moto's Code.Location names a real AWS host, so find the
    object in moto's S3 whose digest is the function's CodeSha256."""
    s3 = boto3.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            data: bytes = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read()
            if base64.b64encode(hashlib.sha256(data).digest()).decode() == config["CodeSha256"]:
                return data
    raise AssertionError("no object in S3 matches the function's CodeSha256")


@pytest.fixture()
def example(tmp_path: Path, aws: Aws) -> Path:
    put_secret("/skyfn/say-hello/branch-main/MY_API_KEY")
    return copy_example(tmp_path)


def test_deploy_configures_values_placeholders_and_secret_paths(example: Path, aws: Aws) -> None:
    result = deploy(example, aws)
    assert result.code == 0, result.err
    arn = output_arns()["ARN of function say-hello"]
    assert f"say-hello  {arn}" in result.out  # the table of functions and ARNs
    config = function_config(arn)
    variables = config["Environment"]["Variables"]
    assert variables["NAME"] == "World"
    assert variables["API_KEY"] == "<skyfn secret MY_API_KEY>"
    assert json.loads(variables["SKYFN_SECRETS"]) == {
        "API_KEY": ["/skyfn/say-hello/branch-main/MY_API_KEY", "/skyfn/say-hello/shared/MY_API_KEY"]
    }
    assert variables["SKYFN_SECRET_STORE"] == "ssm"
    assert config["Handler"] == "skyfn.runtime.bootstrap.handler"
    assert (config["Runtime"], config["Timeout"], config["MemorySize"]) == ("python3.12", 3, 512)
    # Tags: on the stack (moto drops resource tags given through CloudFormation, so the
    # function's are checked in the deployed template below); the stack also carries the
    # project's [tool.skyfn] project_id.
    tags = {"skyfn:app": "say-hello", "skyfn:branch": "main", "skyfn:version": "0.1.0"}
    project = {"skyfn:project": open_project(example).project_id}
    assert {t["Key"]: t["Value"] for t in stack()["Tags"]} == tags | project
    # The deployed template is the one synth wrote for review.
    template_file = example / ".skyfn" / "artifacts" / "branch-main" / "template.json"
    cfn = boto3.client("cloudformation")
    deployed = cfn.get_template(StackName=STACK)["TemplateBody"]
    assert (json.loads(deployed) if isinstance(deployed, str) else deployed) == json.loads(
        template_file.read_text()
    )
    function_tags = json.loads(template_file.read_text())["Resources"]["FnSayHello"]["Properties"]
    assert {t["Key"]: t["Value"] for t in function_tags["Tags"]} == tags
    # The secret's value is nowhere: template, bundle, stack, configuration, output.
    secret = SECRET_VALUE.encode()
    assert secret not in template_file.read_bytes()
    bundle = deployed_zip(config)
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    assert all(secret not in archive.read(name) for name in archive.namelist())
    assert secret not in json.dumps(stack(), default=str).encode()
    assert (
        secret not in json.dumps(cfn.describe_stack_events(StackName=STACK), default=str).encode()
    )
    assert secret not in json.dumps(config, default=str).encode()
    assert SECRET_VALUE not in result.out + result.err
    for path in (example / ".skyfn").rglob("*"):
        assert not path.is_file() or secret not in path.read_bytes(), path


def test_the_deployed_bundle_resolves_its_secret_and_answers(
    example: Path, aws: Aws, tmp_path: Path
) -> None:
    assert deploy(example, aws).code == 0
    config = function_config(output_arns()["ARN of function say-hello"])
    unpacked = tmp_path / "task"
    zipfile.ZipFile(io.BytesIO(deployed_zip(config))).extractall(unpacked)
    # Exactly the deployed configuration, plus credentials and the endpoint; -S keeps the
    # installed skyfn (site-packages) out, so only the bundle's files can answer.
    env = {**config["Environment"]["Variables"], **aws.env}
    code = "import skyfn.runtime.bootstrap as b; print(b.__file__); print(b.handler({}, None))"
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    # Between the two, the handler module logs a line when the cold start imports it.
    origin, *_, answer = proc.stdout.strip().splitlines()
    assert Path(origin).resolve().is_relative_to(unpacked.resolve())
    assert answer == "Hello, World!"


def test_redeploy_updates_a_changed_value_and_reports_no_changes_otherwise(
    example: Path, aws: Aws
) -> None:
    assert deploy(example, aws).code == 0
    resource_file = example / "backend" / "functions" / "say_hello" / "resource.py"
    resource_file.write_text(resource_file.read_text().replace('"World"', '"Moon"'))
    updated = deploy(example, aws)
    assert updated.code == 0, updated.err
    assert f"updating stack {STACK}" in updated.out
    arn = output_arns()["ARN of function say-hello"]
    assert function_config(arn)["Environment"]["Variables"]["NAME"] == "Moon"
    assert stack()["StackStatus"] == "UPDATE_COMPLETE"

    before = stack()
    again = deploy(example, aws)
    assert again.code == 0, again.err
    assert "no changes" in again.out
    assert "updating" not in again.out and "upload" not in again.out
    assert stack().get("LastUpdatedTime") == before.get("LastUpdatedTime")
    assert f"say-hello  {arn}" in again.out


def test_a_shared_secret_is_enough(tmp_path: Path, aws: Aws) -> None:
    put_secret("/skyfn/say-hello/shared/MY_API_KEY")
    result = deploy(copy_example(tmp_path), aws)
    assert result.code == 0, result.err


def test_a_missing_secret_stops_before_anything_changes(tmp_path: Path, aws: Aws) -> None:
    result = deploy(copy_example(tmp_path), aws)
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "Set it with: skyfn secret set MY_API_KEY --branch main\n" in result.err
    assert boto3.client("s3").list_buckets()["Buckets"] == []
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []
    assert boto3.client("lambda").list_functions()["Functions"] == []


def role_statements(arn: str) -> list[dict[str, Any]]:
    """The statements of the function's role's inline policies, as IAM holds them."""
    iam = boto3.client("iam")
    role = function_config(arn)["Role"].rsplit("/", 1)[1]
    statements: list[dict[str, Any]] = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):  # moto returns the document as text
            try:
                document = json.loads(document)
            except ValueError:
                document = ast.literal_eval(document)
        statements += document["Statement"]
    return statements


def role_policy_paths(arn: str) -> list[str]:
    """The SSM parameters the function's role may read, as IAM holds them."""
    paths: list[str] = []
    for statement in role_statements(arn):
        if statement["Action"] == "ssm:GetParameters":
            paths += [r.split(":parameter", 1)[1] for r in statement["Resource"]]
    return sorted(paths)


def test_each_role_may_write_only_its_own_log_group(tmp_path: Path, aws: Aws) -> None:
    """Issue 22 finding 6: AWSLambdaBasicExecutionRole let every function write to every
    log group of the account (``logs:*`` actions on ``*``)."""
    functions = {"alpha": resource('{"ALPHA": "a"}'), "beta": resource('{"BETA": "b"}')}
    assert deploy(make_project(tmp_path, functions), aws).code == 0
    iam = boto3.client("iam")
    for arn in output_arns(TESTAPP).values():
        config = function_config(arn)
        role = config["Role"].rsplit("/", 1)[1]
        assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
        region, account = arn.split(":")[3:5]
        group = f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{config['FunctionName']}"
        logs = [s for s in role_statements(arn) if "logs:PutLogEvents" in s["Action"]]
        assert logs == [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [group, f"{group}:*"],
            }
        ]
        everything = [r for s in role_statements(arn) for r in _listed(s["Resource"])]
        assert not any(
            r.startswith("arn:aws:logs") and r not in (group, f"{group}:*") for r in everything
        )


def _listed(resource: Any) -> list[str]:
    return [resource] if isinstance(resource, str) else list(resource)


def test_each_role_names_only_its_own_secrets(tmp_path: Path, aws: Aws) -> None:
    root = make_project(
        tmp_path,
        {
            "alpha": resource('{"ALPHA": secret("ALPHA_KEY")}'),
            "beta": resource('{"BETA": secret("BETA_KEY")}'),
        },
    )
    put_secret("/skyfn/testapp/branch-main/ALPHA_KEY")
    put_secret("/skyfn/testapp/shared/BETA_KEY")
    result = deploy(root, aws)
    assert result.code == 0, result.err
    arns = output_arns(TESTAPP)
    assert role_policy_paths(arns["ARN of function alpha"]) == [
        "/skyfn/testapp/branch-main/ALPHA_KEY",
        "/skyfn/testapp/shared/ALPHA_KEY",
    ]
    assert role_policy_paths(arns["ARN of function beta"]) == [
        "/skyfn/testapp/branch-main/BETA_KEY",
        "/skyfn/testapp/shared/BETA_KEY",
    ]


def test_app_id_option_names_the_stack_and_the_secret_paths(tmp_path: Path, aws: Aws) -> None:
    put_secret("/skyfn/other-app/branch-main/MY_API_KEY")
    result = deploy(copy_example(tmp_path), aws, "--app-id", "other-app")
    assert result.code == 0, result.err
    assert output_arns(names.stack_name("other-app", "main"))


def test_a_failed_stack_operation_is_reported_and_exits_non_zero(tmp_path: Path, aws: Aws) -> None:
    functions = {"alpha": resource('{"ALPHA": "a"}'), "beta": resource('{"BETA": "b"}')}
    root = make_project(tmp_path, functions)
    assert deploy(root, aws).code == 0
    # Drift: someone attached a policy to beta's role by hand, so CloudFormation cannot
    # delete that role when beta is removed from the backend.
    iam = boto3.client("iam")
    role = function_config(output_arns(TESTAPP)["ARN of function beta"])["Role"]
    policy = iam.create_policy(
        PolicyName="by-hand",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
            }
        ),
    )
    iam.attach_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyArn=policy["Policy"]["Arn"])
    make_project(tmp_path, {"alpha": functions["alpha"]})
    result = deploy(root, aws)
    assert result.code != 0
    assert "Traceback" not in result.err
    assert f"deploying stack {TESTAPP} failed" in result.err
    assert "must detach all policies first" in result.err


def test_a_template_too_large_to_send_inline_goes_through_the_staging_bucket(
    tmp_path: Path, aws: Aws
) -> None:
    values = ", ".join(f'"VALUE_{i}": "{"x" * 100}"' for i in range(25))
    functions = {f"fn{i}": resource("{" + values + "}") for i in range(12)}
    root = make_project(tmp_path, functions)
    result = deploy(root, aws)
    assert result.code == 0, result.err
    assert "(template, " in result.out
    assert len(output_arns(TESTAPP)) == 12
    assert "no changes" in deploy(root, aws).out


def test_no_region_is_one_clear_message(tmp_path: Path, aws: Aws) -> None:
    env = {**aws.env, "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_CONFIG_FILE": "/dev/null"}
    result = deploy(copy_example(tmp_path), Aws(aws.endpoint, env))
    assert result.code != 0
    assert "Traceback" not in result.err
    assert "AWS_REGION" in result.err


def test_aws_region_alone_is_enough_for_secrets_and_deploy(tmp_path: Path, aws: Aws) -> None:
    # Only AWS_REGION (what Lambda sets and the docs name); no AWS_DEFAULT_REGION, no
    # profile: boto3 alone would find no region.
    env = {k: v for k, v in aws.env.items() if k != "AWS_DEFAULT_REGION"}
    env |= {"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    root = copy_example(tmp_path)

    def skyfn(*args: str, stdin: str | None = None) -> Result:
        return run_skyfn(*args, cwd=root, env=env, stdin=stdin, inherit_env=False)

    setting = skyfn("secret", "set", "MY_API_KEY", "--branch", "main", "--store", "ssm", stdin="v")
    assert setting.code == 0, setting.err
    listed = skyfn("secret", "list", "--branch", "main", "--store", "ssm")
    assert "MY_API_KEY" in listed.out, listed.err
    result = skyfn("pipeline-deploy", "--branch", "main")
    assert result.code == 0, result.err
    assert "note: 1 secret value(s) shorter than 8 characters were not looked for" in result.out
    assert output_arns()
