"""A role's inline policies together against IAM's quota: 10,240 characters per role,
whitespace not counted (IAM User Guide, "IAM and AWS STS quotas").

The template holds ARNs CloudFormation fills in (``${AWS::Region}``, the log group's
generated name, the customer managed keys the deploy passes), so each is counted at the
longest it can take: a 10-character partition (``aws-us-gov``), a 16-character region
(the longest today has 14), a 12-digit account, a 512-character log group name
(CloudWatch's maximum) and, per external secret, an 89-character KMS key ARN. A backend
that fits here fits in every account and region.
"""

from __future__ import annotations

import json
import re
from typing import Any

from skyfn.deploy import names
from skyfn.deploy.policy import kms_keys_parameter
from skyfn.deploy.template import role_resource
from skyfn.errors import DefinitionError
from skyfn.model import Function, Model

QUOTA = 10_240
LONGEST = {"AWS::Partition": "p" * 10, "AWS::Region": "r" * 16, "AWS::AccountId": "1" * 12}
LONGEST_NAME = 512  # any other ${X}: the log group's generated name
KMS_KEY_ARN = 89  # arn:aws-us-gov:kms:<16>:<12>:key/<36>
_NO_VALUE = object()


def check(model: Model) -> None:
    """Refuse (``DefinitionError``) a function whose role's policies could exceed the quota,
    naming the function and its largest statement."""
    ids = names.function_ids(model)  # once: every function's id depends on all the names
    problems = [p for f in model.functions if (p := problem(model, f, ids[f.name])) is not None]
    if problems:
        raise DefinitionError("\n".join(problems))


def problem(model: Model, function: Function, base: str) -> str | None:
    """Why ``function``'s role (logical id ``base``) could exceed the quota, if it could."""
    physical = names.function_name(model.app_id, model.scope.name, function.name)
    documents = [
        p["PolicyDocument"]
        for p in role_resource(function, base, physical, [])["Properties"]["Policies"]
    ]
    externals = sum(1 for ref in function.secrets if ref.external)
    kms = {kms_keys_parameter(base): ["k" * KMS_KEY_ARN] * max(externals, 1)}
    longest = [_longest(d, kms) for d in documents]
    size = sum(_chars(d) for d in longest)
    if size <= QUOTA:
        return None
    statements = [s for d in longest for s in d.get("Statement", [])]
    largest = max(statements, key=_chars)
    sid = str(largest.get("Sid", "?"))
    grant = next((g for g in function.grants if g.sid == sid), None)
    named = grant.where if grant is not None else f"skyfn's own statement {sid}"
    return (
        f"function {function.name}: its role's inline policies could take {size:,} "
        f"characters (each ARN at its longest), over IAM's quota of {QUOTA:,} per role; the "
        f"largest statement is {named} ({_chars(largest):,} characters). List fewer "
        "resources (one ARN pattern with allow_wildcard=True covers many) or split the work "
        "over more functions"
    )


def _chars(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")))


def _sub(text: str) -> str:
    escaped = text.replace("${!", "\0")
    filled = re.sub(r"\$\{([^}]*)\}", lambda m: LONGEST.get(m[1], "n" * LONGEST_NAME), escaped)
    return filled.replace("\0", "${")


def _longest(value: Any, kms: dict[str, list[str]]) -> Any:
    """``value`` with every intrinsic function replaced by its longest possible result."""
    if isinstance(value, list):
        return [v for v in (_longest(i, kms) for i in value) if v is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return _sub(value["Fn::Sub"])
    if set(value) == {"Ref"}:
        ref = str(value["Ref"])
        return _NO_VALUE if ref == "AWS::NoValue" else kms.get(ref, "n" * LONGEST_NAME)
    if set(value) == {"Fn::If"}:
        options = [_longest(v, kms) for v in value["Fn::If"][1:]]
        return max(options, key=lambda v: 0 if v is _NO_VALUE else _chars(v))
    return {
        k: v for k, v in ((k, _longest(v, kms)) for k, v in value.items()) if v is not _NO_VALUE
    }
