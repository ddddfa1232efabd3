"""A branch's deployed stacks read back from a real moto_server: a single stack as itself,
a nested one as its root and its parts, each part with its functions' resolved code keys."""

from __future__ import annotations

import hashlib
import io
import zipfile

import boto3

from skyfn.deploy import names, nested, tree
from tests.support.aws import Aws
from tests.support.models import branch_model, numbered

BUCKET = "skyfn-tree-test"


def bundle(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", f"def handler(event, context):\n    return {name!r}\n")
    return buffer.getvalue()


def deploy(function_names: list[str]) -> dict[str, str]:
    """Create the branch's stack(s) by hand, as the deployer will; function → digest (each
    function its own bundle, so a code key passed to the wrong function shows)."""
    s3, cfn = boto3.client("s3"), boto3.client("cloudformation")
    s3.create_bucket(Bucket=BUCKET)
    model = branch_model(function_names)
    digests: dict[str, str] = {}
    for name in function_names:
        data = bundle(name)
        digests[name] = hashlib.sha256(data).hexdigest()
        s3.put_object(Bucket=BUCKET, Key=names.code_key("bench", digests[name]), Body=data)
    templates = nested.render(model)
    for part in templates.parts:
        s3.put_object(Bucket=BUCKET, Key=part.key, Body=part.body.encode())
    s3.put_object(Bucket=BUCKET, Key="root.json", Body=templates.root_body.encode())
    parameters = {"CodeBucket": BUCKET} | nested.code_parameters(model, templates, digests)
    cfn.create_stack(
        StackName="root",
        TemplateURL=f"https://{BUCKET}.s3.us-east-1.amazonaws.com/root.json",
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName="root", WaiterConfig={"Delay": 1})
    return digests


def test_a_single_stack_reads_as_itself(aws: Aws) -> None:
    deploy(numbered(2))
    cfn = boto3.client("cloudformation")
    (root,) = tree.read_tree(cfn, "root", cfn.describe_stacks(StackName="root")["Stacks"][0])
    assert root.part is None and root.holds("FnFn0001")
    assert root.parameters["CodeBucket"] == BUCKET
    assert sorted(key for _, key in tree.outputs([root])) == ["ArnFn0000", "ArnFn0001"]


def test_a_nested_branch_reads_as_its_root_and_parts(aws: Aws) -> None:
    function_names = numbered(160)
    digests = deploy(function_names)
    cfn = boto3.client("cloudformation")
    stacks = tree.read_tree(cfn, "root", cfn.describe_stacks(StackName="root")["Stacks"][0])
    root, parts = stacks[0], stacks[1:]
    assert root.part is None and len(parts) == 16
    assert [p.part for p in parts] == [f"Part{i:02d}" for i in range(16)]
    arns = tree.outputs(stacks)
    assert len(arns) == 160
    held = 0
    for part in parts:
        for key, value in part.parameters.items():
            if key.startswith("CodeKey"):  # resolved by CloudFormation from the root's lists
                function = part.template["Parameters"][key]["Description"].rsplit(" ", 1)[1]
                assert value == names.code_key("bench", digests[function])
                held += 1
    assert held == 160
    somewhere = tree.stack_of(stacks, "FnFn0042", parts[0].part)
    owner = next(p for p in parts if p.holds("FnFn0042"))
    assert tree.stack_of(stacks, "FnFn0042", owner.part) is owner
    assert somewhere is None or somewhere is owner
