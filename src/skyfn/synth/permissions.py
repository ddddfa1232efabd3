"""``permissions=[...]`` → the model's ``Grant``s: each helper expanded to its documented
least-privilege actions, every statement checked (IAM's action names, ARN shape, wildcards).

A resource *name* means the deploy's own account and region (``${AWS::Region}``,
``${AWS::AccountId}``, filled in by CloudFormation); S3 ARNs carry neither. An ARN is
taken as is. A ``*`` or ``?`` in an action or resource needs ``allow_wildcard=True``; the
helpers' own patterns (a table's ``/index/*``, a bucket's objects) are what they document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence

from skyfn.model_grants import ACCOUNT, PARTITION, REGION, Grant
from skyfn.permissions import Permission
from skyfn.synth import iam_actions

Problem = Callable[[str], None]

_PARTITIONS = "aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc"
_PART = rf"(?:{_PARTITIONS}|\$\{{AWS::Partition\}})"
_REGION = r"(?:[a-z]{2}(?:-[a-z]+)+-\d{1,2}|\$\{AWS::Region\})"
_ACCOUNT = r"(?:\d{12}|\$\{AWS::AccountId\})"
ARN = re.compile(rf"arn:{_PART}:[a-z0-9][a-z0-9-]*:(?:{_REGION}|\*)?:(?:{_ACCOUNT}|aws|\*)?:.+")

# Helpers: (actions, resources) per access, from the service's documentation.
DYNAMODB_READ = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
DYNAMODB_WRITE = (
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
S3_READ = ("s3:GetObject",)
S3_WRITE = ("s3:DeleteObject", "s3:PutObject")
S3_LIST = ("s3:ListBucket",)
SQS_SEND = ("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage")
SQS_CONSUME = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
)
SNS_PUBLISH = ("sns:Publish",)
EVENTS_PUT = ("events:PutEvents",)

_OPERATORS = {
    *(f"String{op}" for op in ("Equals", "NotEquals", "EqualsIgnoreCase", "NotEqualsIgnoreCase")),
    "StringLike",
    "StringNotLike",
    *(f"Numeric{op}" for op in ("Equals", "NotEquals", "LessThan", "LessThanEquals")),
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    *(f"Date{op}" for op in ("Equals", "NotEquals", "LessThan", "LessThanEquals")),
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    *(f"Arn{op}" for op in ("Equals", "Like", "NotEquals", "NotLike")),
    "Null",
}

_NAMES = {
    "dynamodb_table": (re.compile(r"[A-Za-z0-9_.-]{3,255}"), "3-255 letters, digits, _ . -"),
    "s3_bucket": (re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"), "3-63 a-z, 0-9, . -"),
    "sqs_queue": (
        re.compile(r"[A-Za-z0-9_-]{1,75}(?:\.fifo)?|[A-Za-z0-9_-]{1,80}"),
        "1-80 letters, digits, _ -",
    ),
    "sns_topic": (
        re.compile(r"[A-Za-z0-9_-]{1,251}(?:\.fifo)?|[A-Za-z0-9_-]{1,256}"),
        "1-256 letters, digits, _ -",
    ),
    "event_bus": (re.compile(r"[/.\-_A-Za-z0-9]{1,256}"), "1-256 letters, digits, / . _ -"),
}
_ACCESS = {
    "dynamodb_table": ("read", "write", "read_write"),
    "s3_bucket": ("read", "write", "read_write"),
    "sqs_queue": ("send", "consume"),
}
# An ARN a helper takes: the service and what its resource part looks like.
_HELPER_ARN = {
    "dynamodb_table": ("dynamodb", re.compile(r"table/[A-Za-z0-9_.-]{3,255}")),
    "s3_bucket": ("s3", re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")),
    "sqs_queue": ("sqs", re.compile(r"[A-Za-z0-9_.-]{1,80}")),
    "sns_topic": ("sns", re.compile(r"[A-Za-z0-9_.-]{1,256}")),
    "event_bus": ("events", re.compile(r"event-bus/[/.\-_A-Za-z0-9]{1,256}")),
}


def grants(entries: object, problem: Problem) -> tuple[Grant, ...]:
    """Every entry of ``permissions=`` as statements; each problem names the entry."""
    if entries is None:
        return ()
    if not isinstance(entries, list | tuple):
        problem("permissions must be a list of allow(...), dynamodb_table(...), ... entries")
        return ()
    out: list[Grant] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Permission):
            problem(
                f"permissions[{number}] is a {type(entry).__name__}; use allow(...) or a "
                "helper (dynamodb_table, s3_bucket, sqs_queue, sns_topic, event_bus)"
            )
            continue
        where = f"permissions[{number}] {entry!r}"

        def say(text: str, where: str = where) -> None:
            problem(f"{where}: {text}")

        statements = _allow(entry, say) if entry.kind == "allow" else _helper(entry, say)
        out += [
            Grant(repr(entry), number, part, actions, resources, conditions)
            for part, (actions, resources, conditions) in enumerate(statements, start=1)
        ]
    return tuple(out)


Statement = tuple[tuple[str, ...], tuple[str, ...], str]


def _allow(entry: Permission, problem: Problem) -> list[Statement]:
    if not isinstance(entry.allow_wildcard, bool):
        problem("allow_wildcard must be True or False")
        return []
    actions = _strings(entry.actions, "actions", problem)
    resources = _strings(entry.resources, "resources", problem)
    conditions = _conditions(entry.conditions, problem)
    if actions is None or resources is None or conditions is None:
        return []
    checked = [_action(a, entry.allow_wildcard, problem) for a in actions]
    wrong = [r for r in resources if not _resource_ok(r, entry.allow_wildcard, problem)]
    if None in checked or wrong:
        return []
    return [(tuple(sorted({a for a in checked if a})), tuple(sorted(set(resources))), conditions)]


def _strings(value: object, field: str, problem: Problem) -> list[str] | None:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        problem(f"{field} must be a non-empty list of strings")
        return None
    if not all(isinstance(v, str) and v for v in value):
        problem(f"{field} must hold only non-empty strings")
        return None
    return [str(v) for v in value]


def _action(action: str, wildcard: bool, problem: Problem) -> str | None:
    if "*" in action or "?" in action:
        if not wildcard:
            problem(
                f"action {action!r} has a wildcard; name each action, or pass "
                "allow_wildcard=True if you mean every action it matches"
            )
            return None
        if action != "*" and not iam_actions.matching(action):
            problem(f"action {action!r} matches no IAM action{iam_actions.suggestion(action)}")
            return None
        return action
    if not re.fullmatch(r"[a-zA-Z0-9-]+:[A-Za-z0-9]+", action):
        problem(f"action {action!r} is not service:Action (e.g. dynamodb:GetItem)")
        return None
    found = iam_actions.canonical(action)
    if found is None:
        problem(f"action {action!r} is not an IAM action{iam_actions.suggestion(action)}")
    return found


def _resource_ok(resource: str, wildcard: bool, problem: Problem) -> bool:
    if ("*" in resource or "?" in resource) and not wildcard:
        problem(
            f"resource {resource!r} has a wildcard; name the resource, or pass "
            "allow_wildcard=True if you mean every resource it matches"
        )
        return False
    if resource == "*":
        return True
    if not ARN.fullmatch(resource):
        problem(
            f"resource {resource!r} is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:"
            "RESOURCE; ${AWS::Region} and ${AWS::AccountId} stand for the deploy's)"
        )
        return False
    variables = set(re.findall(r"\$\{([^}]*)\}", resource))
    unknown = sorted(v for v in variables if v.startswith("AWS::") and v not in _DEPLOY_VARS)
    if unknown:
        problem(f"resource {resource!r} uses ${{{unknown[0]}}}; only {', '.join(_SHOWN_VARS)}")
        return False
    return True


_DEPLOY_VARS = {"AWS::Partition", "AWS::Region", "AWS::AccountId"}
_SHOWN_VARS = (PARTITION, REGION, ACCOUNT)


def _conditions(value: object, problem: Problem) -> str | None:
    """The Condition block as JSON text (``""``: none); ``None`` when it is wrong."""
    if value is None:
        return ""
    if not isinstance(value, Mapping) or not value:
        problem('conditions must be an IAM Condition block, e.g. {"StringEquals": {KEY: VALUE}}')
        return None
    for operator, body in value.items():
        base = str(operator).split(":", 1)[-1].removesuffix("IfExists")
        qualifier = str(operator).split(":", 1)[0] if ":" in str(operator) else None
        if base not in _OPERATORS or qualifier not in (None, "ForAllValues", "ForAnyValue"):
            problem(f"conditions: {operator!r} is not an IAM condition operator")
            return None
        if (
            not isinstance(body, Mapping)
            or not body
            or not all(isinstance(k, str) and _condition_value(v) for k, v in body.items())
        ):
            problem(
                f"conditions: {operator} must map condition keys to a string, number, "
                "bool or a list of them"
            )
            return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _condition_value(value: object) -> bool:
    if isinstance(value, list | tuple):
        return bool(value) and all(isinstance(v, str | int | float | bool) for v in value)
    return isinstance(value, str | int | float | bool)


# -- the helpers ---------------------------------------------------------------------------


def _helper(entry: Permission, problem: Problem) -> list[Statement]:
    choices = _ACCESS.get(entry.kind)
    if choices is not None and entry.access not in choices:
        problem(f"access {entry.access!r} is not one of {', '.join(map(repr, choices))}")
        return []
    arn = _helper_arn(entry, problem)
    if arn is None:
        return []
    access = str(entry.access)
    if entry.kind == "dynamodb_table":
        out: list[Statement] = []
        if "read" in access:
            out.append((DYNAMODB_READ, (arn, f"{arn}/index/*"), ""))
        if "write" in access:
            out.append((DYNAMODB_WRITE, (arn,), ""))
        return out
    if entry.kind == "s3_bucket":
        return _s3(arn, entry.prefix, access, problem)
    if entry.kind == "sqs_queue":
        return [(SQS_SEND if access == "send" else SQS_CONSUME, (arn,), "")]
    if entry.kind == "sns_topic":
        return [(SNS_PUBLISH, (arn,), "")]
    return [(EVENTS_PUT, (arn,), "")]


_HELPER_ARN_PARTS = re.compile(
    rf"arn:{_PART}:(?P<service>[a-z0-9-]+):(?P<region>{_REGION}|):(?P<account>{_ACCOUNT}|):"
    r"(?P<rest>.+)"
)


def _helper_arn(entry: Permission, problem: Problem) -> str | None:
    """The resource's ARN: a name in the deploy's account and region, or the ARN given."""
    name = entry.name
    service, shape = _HELPER_ARN[entry.kind]
    if not isinstance(name, str):
        problem("the name must be a string: the resource's name or its ARN")
        return None
    if name.startswith("arn:"):
        # by pattern, not split(":"): ${AWS::AccountId} and the others hold colons themselves
        parts = _HELPER_ARN_PARTS.fullmatch(name)
        s3 = service == "s3"
        if (
            parts is None
            or parts["service"] != service
            or not (parts["region"] == "" if s3 else parts["region"])
            or not (parts["account"] == "" if s3 else parts["account"])
            or not shape.fullmatch(parts["rest"])
        ):
            example = "arn:aws:s3:::NAME" if s3 else f"arn:aws:{service}:REGION:ACCOUNT:..."
            problem(f"{name!r} is not the ARN of this kind of resource ({example})")
            return None
        return name
    pattern, rule = _NAMES[entry.kind]
    if not pattern.fullmatch(name):
        problem(f"{name!r} is not a valid name ({rule}) or an ARN")
        return None
    if entry.kind == "s3_bucket":
        return f"arn:{PARTITION}:s3:::{name}"
    prefix = {"dynamodb_table": "table/", "event_bus": "event-bus/"}.get(entry.kind, "")
    return f"arn:{PARTITION}:{service}:{REGION}:{ACCOUNT}:{prefix}{name}"


def _s3(bucket: str, prefix: object, access: str, problem: Problem) -> list[Statement]:
    if prefix is not None and (
        not isinstance(prefix, str) or not prefix or any(c in prefix for c in "*?$")
    ):
        problem("prefix must be a non-empty key prefix without * ? or $ (e.g. 'reports/')")
        return []
    objects = f"{bucket}/{prefix or ''}*"
    actions = (S3_READ if "read" in access else ()) + (S3_WRITE if "write" in access else ())
    out: list[Statement] = [(tuple(sorted(actions)), (objects,), "")]
    if "read" in access:
        listing = (
            json.dumps({"StringLike": {"s3:prefix": [f"{prefix}*"]}}, separators=(",", ":"))
            if prefix
            else ""
        )
        out.append((S3_LIST, (bucket,), listing))
    return out
