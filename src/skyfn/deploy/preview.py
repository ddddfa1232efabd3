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

from skyfn import aws
from skyfn.deploy import diff, stacks, tree
from skyfn.deploy.deployer import StackRequest
from skyfn.deploy.template import BUCKET_PARAMETER

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
    cfn = session.client("cloudformation")
    account = session.client("sts").get_caller_identity()["Account"]
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
    new = diff.describe(json.loads(request.template_body), request.code_keys, subs)
    for part in request.parts:
        found = diff.describe(json.loads(part.template_body), part.code_keys, subs).functions
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
    bundles = _previous_bundles(session.client("s3"), bucket, account, set(changed_code.values()))
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


def _previous_bundles(s3: Any, bucket: str, account: str, keys: set[str]) -> dict[str, bytes]:
    """The deployed bundles still in the staging bucket (read only, as its owner)."""
    found: dict[str, bytes] = {}
    if not bucket:
        return found
    for key in sorted(keys):
        try:
            found[key] = s3.get_object(Bucket=bucket, Key=key, ExpectedBucketOwner=account)[
                "Body"
            ].read()
        except botocore.exceptions.ClientError:
            continue  # gone or not readable: the files are not compared
    return found


def _with_files(deployment: diff.Deployment, bundles: dict[str, bytes]) -> diff.Deployment:
    functions = {
        name: dataclasses.replace(state, files=diff.bundle_files(bundles[state.code_key]))
        if state.code_key in bundles
        else state
        for name, state in deployment.functions.items()
    }
    return dataclasses.replace(deployment, functions=functions)
