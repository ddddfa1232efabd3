"""``skyfn diff``: what the next deploy of a branch would change, from read-only calls only
(``sts:GetCallerIdentity``, ``cloudformation:DescribeStacks``/``GetTemplate`` and
``s3:GetObject`` of the previous bundles). No change set: creating one is not read-only (it
leaves a stack behind for a new branch).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import botocore.exceptions

from skyfn import aws, aws_faults
from skyfn.deploy import diff, stacks, template_reader, tree
from skyfn.deploy.deployer import StackRequest
from skyfn.deploy.template import BUCKET_PARAMETER
from skyfn.errors import AwsUnavailable, SkyfnError

READ_PERMISSIONS = (
    "sts:GetCallerIdentity, cloudformation:DescribeStacks, cloudformation:GetTemplate "
    "(and ListStackResources, for a branch of nested stacks) and s3:GetObject on the "
    "staging bucket"
)


def diff_request(
    request: StackRequest, session: Any = None, refusal: str = "nothing was compared"
) -> diff.Diff:
    """Compare the stack ``request`` would deploy with the branch's deployed stack
    (``refusal``: what did not happen when the stack is not the branch's)."""
    session = session or aws.session()
    cfn = aws.client("cloudformation", "connect to CloudFormation", session)
    account = aws.client("sts", "connect to STS", session).get_caller_identity()["Account"]
    subs = {
        "AWS::Partition": "aws",
        "AWS::Region": str(session.region_name),
        "AWS::AccountId": account,
    }
    name, stack = stacks.find_stack(
        cfn,
        request.stack_name,
        request.legacy_stack_name,
        request.tags,
        refusal,
        check_project=True,
    )
    new = template_reader.describe(json.loads(request.template_body), request.code_keys, subs)
    for part in request.parts:
        found = template_reader.describe(
            json.loads(part.template_body), part.code_keys, subs
        ).functions
        new = dataclasses.replace(new, functions={**new.functions, **found})
    new = _with_files(new, {u.key: u.data for u in request.uploads})
    if stack is None:
        return diff.compare(name, None, new)
    deployed = tree.read_tree(cfn, name, stack)
    old, _ = tree.describe(deployed, subs)
    parameters = deployed[0].parameters
    changed_code = {
        n: s.code_key
        for n, s in old.functions.items()
        if n in new.functions and s.code_key and s.code_key != new.functions[n].code_key
    }
    bucket = parameters.get(BUCKET_PARAMETER, "")
    bundles = _previous_bundles(
        aws.client("s3", "connect to S3", session), bucket, account, set(changed_code.values())
    )
    old = _with_files(old, bundles)
    result = diff.compare(name, old, new)
    tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    if tags != dict(request.tags):
        shown = ", ".join(
            f"{k}: {tags.get(k, '(none)')} -> {request.tags.get(k, '(none)')}"
            for k in sorted(tags.keys() | request.tags.keys())
            if tags.get(k) != request.tags.get(k)
        )
        result = dataclasses.replace(result, stack_changes=(*result.stack_changes, f"tags {shown}"))
    return result


def _previous_bundles(s3: Any, bucket: str, account: str, keys: set[str]) -> dict[str, bytes | str]:
    """The deployed bundles still in the staging bucket (read only, as its owner); for one
    that could not be read, why (a gone one is left out: "not available")."""
    found: dict[str, bytes | str] = {}
    if not bucket:
        return found
    for key in sorted(keys):
        try:
            found[key] = _read_object(s3, bucket, key, account)
        except botocore.exceptions.ClientError as exc:
            if aws_faults.error_code(exc) not in ("NoSuchKey", "404", "NotFound"):
                found[key] = f"{exc.operation_name}: {aws_faults.error_code(exc)}"
        except SkyfnError as exc:
            found[key] = str(exc)
    return found


def _read_object(s3: Any, bucket: str, key: str, account: str) -> bytes:
    """An object's bytes; a body cut on the way is read again, like any read
    (``aws.call_policy().attempts`` tries)."""
    attempts = aws.call_policy().attempts
    for attempt in range(1, attempts + 1):
        answer = s3.get_object(Bucket=bucket, Key=key, ExpectedBucketOwner=account)
        try:
            data: bytes = answer["Body"].read()
            return data
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            if aws_faults.fault_kind(exc) is None or attempt == attempts:
                raise AwsUnavailable(
                    f"GetObject of s3://{bucket}/{key} failed: its answer was cut short "
                    f"({attempt} attempt{'s' if attempt > 1 else ''})",
                    "GetObject",
                    f"s3://{bucket}/{key}",
                    False,
                ) from None
    raise AssertionError("unreachable")


def _with_files(deployment: diff.Deployment, bundles: dict[str, bytes | str]) -> diff.Deployment:
    functions = {}
    for name, state in deployment.functions.items():
        found = bundles.get(state.code_key)
        if isinstance(found, bytes):
            state = dataclasses.replace(state, files=diff.bundle_files(found))
        elif isinstance(found, str):
            state = dataclasses.replace(state, unread=found)
        functions[name] = state
    return dataclasses.replace(deployment, functions=functions)
