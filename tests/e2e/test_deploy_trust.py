"""What a deploy trusts, against a real moto_server: the staging bucket must be the caller's
and hold exactly the bundle; the stack must be this app's and branch's."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from skyfn.deploy import names
from skyfn.deploy.staging import StagingBucket
from tests.support.aws import Aws
from tests.support.cli import Result, run_skyfn
from tests.support.deploy import SECRET_VALUE, copy_example
from tests.support.projects import make_project, resource

ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "222233334444"
STAGING = f"skyfn-staging-{ACCOUNT}-us-east-1"
STACK = names.stack_name("say-hello", "main")
PLANTED = b"planted by someone else"


def deploy(root: Path, aws: Aws, *args: str, branch: str = "main") -> Result:
    return run_skyfn("pipeline-deploy", "--branch", branch, *args, cwd=root, env=aws.env)


def other_account_s3() -> Any:
    """An S3 client of another account: moto maps assumed-role credentials to the role's
    account."""
    role = f"arn:aws:iam::{OTHER_ACCOUNT}:role/attacker"
    creds = boto3.client("sts").assume_role(RoleArn=role, RoleSessionName="attacker")["Credentials"]
    client = boto3.client(
        "s3",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    identity = boto3.client(
        "sts",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).get_caller_identity()
    assert identity["Account"] == OTHER_ACCOUNT
    return client


@pytest.fixture()
def example(tmp_path: Path, aws: Aws) -> Path:
    boto3.client("ssm").put_parameter(
        Name="/skyfn/say-hello/branch-main/MY_API_KEY",
        Value=SECRET_VALUE,
        Type="SecureString",
        Overwrite=True,
    )
    return copy_example(tmp_path)


def bundle_key(root: Path) -> tuple[str, bytes]:
    data = (root / ".skyfn" / "bundles" / "branch-main" / "say-hello.zip").read_bytes()
    return names.code_key("say-hello", hashlib.sha256(data).hexdigest()), data


def deployed_code_sha(stack: str = STACK) -> str:
    outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    arn = outputs["Outputs"][0]["OutputValue"]
    sha: str = boto3.client("lambda").get_function_configuration(FunctionName=arn)["CodeSha256"]
    return sha


# -- the staging bucket ---------------------------------------------------------------------


def test_a_staging_bucket_of_another_account_is_refused(example: Path, aws: Aws) -> None:
    attacker = other_account_s3()
    attacker.create_bucket(Bucket=STAGING)
    result = deploy(example, aws)
    assert result.code != 0
    assert "Traceback" not in result.err
    assert f"staging bucket {STAGING} belongs to another AWS account" in result.err
    assert "--staging-bucket" in result.err and "staging_bucket" in result.err
    assert attacker.list_objects_v2(Bucket=STAGING).get("KeyCount", 0) == 0
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []


def test_a_bucket_of_ones_own_can_be_named(example: Path, aws: Aws) -> None:
    other_account_s3().create_bucket(Bucket=STAGING)
    pyproject = example / "pyproject.toml"
    text = pyproject.read_text() if pyproject.exists() else "[tool.skyfn]\n"
    if "[tool.skyfn]" not in text:
        text += "\n[tool.skyfn]\n"
    pyproject.write_text(text.replace("[tool.skyfn]", '[tool.skyfn]\nstaging_bucket = "mine-1"'))
    result = deploy(example, aws)
    assert result.code == 0, result.err
    assert "creating staging bucket mine-1" in result.out
    option = deploy(example, aws, "--staging-bucket", "Not_Valid")
    assert option.code != 0 and "Traceback" not in option.err
    assert "'Not_Valid' is not a valid S3 bucket name" in option.err


def test_a_planted_object_at_the_bundle_key_is_replaced_not_deployed(
    example: Path, aws: Aws
) -> None:
    assert deploy(example, aws).code == 0  # creates the bucket and learns the key
    boto3.client("cloudformation").delete_stack(StackName=STACK)
    key, data = bundle_key(example)
    s3 = boto3.client("s3")
    s3.put_object(Bucket=STAGING, Key=key, Body=PLANTED)  # no checksum: an older object
    result = deploy(example, aws)
    assert result.code == 0, result.err
    assert f"uploaded 1 of 1: s3://{STAGING}/{key}" in result.out
    stored = s3.get_object(Bucket=STAGING, Key=key)["Body"].read()
    assert stored == data
    assert deployed_code_sha() == base64.b64encode(hashlib.sha256(data).digest()).decode()
    # A planted object with a checksum of its own (not the bundle's) is replaced as well.
    boto3.client("cloudformation").delete_stack(StackName=STACK)
    s3.put_object(Bucket=STAGING, Key=key, Body=PLANTED, ChecksumAlgorithm="SHA256")
    assert f"uploaded 1 of 1: s3://{STAGING}/{key}" in deploy(example, aws).out
    assert s3.get_object(Bucket=STAGING, Key=key)["Body"].read() == data
    # The bundle, stored with its checksum, is not uploaded again.
    assert "uploaded" not in deploy(example, aws).out


def test_the_created_bucket_is_private_encrypted_owner_enforced_and_tls_only(
    example: Path, aws: Aws
) -> None:
    result = deploy(example, aws)
    assert result.code == 0, result.err
    # moto answers over plain http: a TLS-only policy would lock the deploy out, so it is
    # left off, and the deploy says so (the policy itself is checked below).
    assert "bucket policy denying non-TLS access was not added" in result.out
    s3 = boto3.client("s3")
    block = s3.get_public_access_block(Bucket=STAGING)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = s3.get_bucket_encryption(Bucket=STAGING)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    ownership = s3.get_bucket_ownership_controls(Bucket=STAGING)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    key, data = bundle_key(example)
    head = s3.head_object(Bucket=STAGING, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()


# -- the stack ------------------------------------------------------------------------------


def test_two_apps_whose_old_stack_names_collided_keep_their_own_stacks(
    tmp_path: Path, aws: Aws
) -> None:
    shop = make_project(tmp_path / "a", {"alpha": resource('{"AA": "shop"}')}, app_id="shop")
    shop_pay = make_project(tmp_path / "b", {"beta": resource('{"BB": "pay"}')}, app_id="shop-pay")
    assert deploy(shop, aws, branch="pay-main").code == 0
    result = deploy(shop_pay, aws)
    assert result.code == 0, result.err
    cfn = boto3.client("cloudformation")
    live = {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}
    assert live == {names.stack_name("shop", "pay-main"), names.stack_name("shop-pay", "main")}
    outputs = cfn.describe_stacks(StackName=names.stack_name("shop", "pay-main"))["Stacks"][0]
    assert [o["Description"] for o in outputs["Outputs"]] == ["ARN of function alpha"]


def legacy_stack(name: str, tags: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}}
    }
    boto3.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def test_a_stack_of_another_app_or_not_skyfns_is_refused(example: Path, aws: Aws) -> None:
    legacy_stack(STACK, {"skyfn:app": "someone-else", "skyfn:branch": "main"})
    result = deploy(example, aws)
    assert result.code != 0 and "Traceback" not in result.err
    assert f"stack {STACK} exists and it belongs to app someone-else, branch main" in result.err
    boto3.client("cloudformation").delete_stack(StackName=STACK)
    legacy_stack(STACK, {"team": "infra"})
    result = deploy(example, aws)
    assert result.code != 0 and "Traceback" not in result.err
    assert "skyfn did not create it" in result.err
    resources = boto3.client("cloudformation").describe_stack_resources(StackName=STACK)
    assert [r["LogicalResourceId"] for r in resources["StackResources"]] == ["Topic"]


def test_a_stack_under_the_old_name_with_matching_tags_is_taken_over(
    example: Path, aws: Aws
) -> None:
    old = names.legacy_stack_name("say-hello", "main")
    assert old == "skyfn-say-hello-main"
    legacy_stack(old, {"skyfn:app": "say-hello", "skyfn:branch": "main"})
    result = deploy(example, aws)
    assert result.code == 0, result.err
    assert f"deploying to stack {old}, which an earlier skyfn named" in result.out
    assert f"updating stack {old}" in result.out
    live = {s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]}
    assert live == {old}
    assert deployed_code_sha(old)
    # An old-name stack of another app is left alone; the deploy makes its own.
    boto3.client("cloudformation").delete_stack(StackName=old)
    legacy_stack(old, {"skyfn:app": "say", "skyfn:branch": "hello-main"})
    assert deploy(example, aws).code == 0
    live = {s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]}
    assert live == {old, STACK}


def test_over_tls_the_created_bucket_denies_requests_without_it(aws: Aws) -> None:
    s3 = boto3.client("s3")
    bucket = StagingBucket(s3, "tls-only-bucket", ACCOUNT, "us-east-1")
    bucket.tls_only = True  # as for any https endpoint, AWS's own included
    assert bucket.create() is None
    policy = json.loads(s3.get_bucket_policy(Bucket="tls-only-bucket")["Policy"])
    (statement,) = policy["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Deny",
        "*",
        "s3:*",
    )
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # This client talks plain http, which the policy refuses.
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        bucket.put("k", b"data")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
