"""A failed part's events, read from a real nested stack on moto_server. (moto records no
failure events for nested stacks: a failing part makes CreateStack itself fail, so the
failures are the recorded events of tests/unit/deploy/test_nested_events.py; this test
reads a real part's events back to the start of its operation.)"""

from __future__ import annotations

import json

import boto3

from skyfn.deploy import nested_events
from tests.support.aws import Aws

BUCKET = "skyfn-nested-events"
PART = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
ROOT = {
    "Resources": {
        "Part00": {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {"TemplateURL": f"https://{BUCKET}.s3.us-east-1.amazonaws.com/part.json"},
        }
    }
}


def test_a_failed_part_is_read_from_its_own_stack_events(aws: Aws) -> None:
    s3, cfn = boto3.client("s3"), boto3.client("cloudformation")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="part.json", Body=json.dumps(PART).encode())
    cfn.create_stack(StackName="root", TemplateBody=json.dumps(ROOT))
    cfn.get_waiter("stack_create_complete").wait(StackName="root", WaiterConfig={"Delay": 1})
    part = cfn.describe_stack_resource(StackName="root", LogicalResourceId="Part00")
    stack_id = part["StackResourceDetail"]["PhysicalResourceId"]
    root_events = [
        {
            "LogicalResourceId": "Part00",
            "PhysicalResourceId": stack_id,
            "ResourceType": "AWS::CloudFormation::Stack",
            "ResourceStatus": "UPDATE_FAILED",
        }
    ]
    lines = nested_events.part_failures(cfn, root_events)
    assert lines == [
        f"  in nested stack Part00 ({nested_events.stack_name_of(stack_id)}):",
        "    (its events name no failed resource)",
    ]
    gone = [{**root_events[0], "PhysicalResourceId": "no-such-stack"}]
    (line,) = nested_events.part_failures(cfn, gone)
    assert line.startswith("  in nested stack Part00: its events could not be read (")
