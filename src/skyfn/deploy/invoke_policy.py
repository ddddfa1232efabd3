"""A function's right to invoke the functions it references (``function_ref``): exactly
``lambda:InvokeFunction`` on each one's unqualified ARN, nothing else.

The ARN is built from the physical name (a fixed string, ``skyfn.synth.lambda_names``), not
with ``Ref``/``GetAtt`` of the other function: so A may reference B and B reference A
without a circular dependency, and across nested stacks without an output or import.
"""

from __future__ import annotations

from typing import Any

from skyfn.model import Function

Json = dict[str, Any]
POLICY_NAME = "skyfn-invoke"


def function_arn(physical_name: str) -> Json:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        + physical_name
    }


def invoke_policy(function: Function) -> Json | None:
    """The role's inline policy for the function's references (``None``: it has none)."""
    targets = sorted({r.value for r in function.references})
    if not targets:
        return None
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeReferencedFunctions",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": [function_arn(name) for name in targets],
            }
        ],
    }
