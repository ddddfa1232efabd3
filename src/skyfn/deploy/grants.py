"""A function's ``permissions=`` as its role's ``skyfn-permissions`` inline policy.

Each model ``Grant`` is one ``Allow`` statement with its own Sid (``Permission2``, ...,
so ``diff`` and IAM's errors can point at it). A resource that holds ``${AWS::Region}``,
``${AWS::AccountId}`` or ``${AWS::Partition}`` becomes an ``Fn::Sub``, in which any
other ``${...}`` (an IAM policy variable such as ``${aws:username}``) is escaped so IAM,
not CloudFormation, reads it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from skyfn.model import Function
from skyfn.model_grants import Grant

POLICY_NAME = "skyfn-permissions"
Json = dict[str, Any]

_DEPLOY_VARIABLE = re.compile(r"\$\{(?!AWS::(?:Partition|Region|AccountId)\})")


def resource(arn: str) -> str | Json:
    if "${AWS::" not in arn:
        return arn
    return {"Fn::Sub": _DEPLOY_VARIABLE.sub("${!", arn)}


def statement(grant: Grant) -> Json:
    out: Json = {
        "Sid": grant.sid,
        "Effect": "Allow",
        "Action": list(grant.actions),
        "Resource": [resource(arn) for arn in grant.resources],
    }
    if grant.conditions:
        out["Condition"] = json.loads(grant.conditions)
    return out


def permissions_policy(function: Function) -> Json | None:
    """The policy document (``None``: the function declares no permissions)."""
    if not function.grants:
        return None
    return {"Version": "2012-10-17", "Statement": [statement(g) for g in function.grants]}
