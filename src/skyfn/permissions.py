"""The public permission API: ``allow`` and the helpers for the resources functions use most.

Each returns a ``Permission`` that only records what the user wrote; synth
(``skyfn.synth.permissions``) expands a helper to its actions and ARNs and checks every
statement (action names, ARN shape, wildcards), naming the function and the statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    """One entry of ``define_function(permissions=[...])``, as written."""

    kind: str  # "allow", "dynamodb_table", "s3_bucket", "sqs_queue", "sns_topic", "event_bus"
    name: object = None  # a helper's resource name or ARN
    access: object = None  # a helper's access ("read", "write", "send", ...)
    prefix: object = None  # s3_bucket: the key prefix
    actions: object = ()  # allow: IAM action names
    resources: object = ()  # allow: ARNs
    conditions: object = None  # allow: an IAM Condition block
    allow_wildcard: object = False

    def __repr__(self) -> str:
        if self.kind == "allow":
            return f"allow(actions={self.actions!r}, resources={self.resources!r})"
        extra = "" if self.access is None else f", access={self.access!r}"
        extra += "" if self.prefix is None else f", prefix={self.prefix!r}"
        return f"{self.kind}({self.name!r}{extra})"


def allow(
    *,
    actions: Sequence[str],
    resources: Sequence[str],
    conditions: Mapping[str, Mapping[str, object]] | None = None,
    allow_wildcard: bool = False,
) -> Permission:
    """An IAM ``Allow`` statement: ``actions`` (``"dynamodb:GetItem"``) on ``resources``
    (ARNs; ``${AWS::Region}``, ``${AWS::AccountId}`` and ``${AWS::Partition}`` stand for the
    deploy's), with an optional IAM ``Condition`` block. A ``*`` or ``?`` in an action or
    a resource is refused unless ``allow_wildcard=True``."""
    return Permission(
        "allow",
        actions=tuple(actions) if isinstance(actions, list | tuple) else actions,
        resources=tuple(resources) if isinstance(resources, list | tuple) else resources,
        conditions=conditions,
        allow_wildcard=allow_wildcard,
    )


def dynamodb_table(name: str, *, access: str = "read") -> Permission:
    """A DynamoDB table (a name in the deploy's account and region, or an ARN) and its
    indexes: ``access="read"``, ``"write"`` or ``"read_write"``."""
    return Permission("dynamodb_table", name, access)


def s3_bucket(name: str, *, prefix: str | None = None, access: str = "read") -> Permission:
    """An S3 bucket (a name or ``arn:aws:s3:::NAME``), its objects under ``prefix`` (all:
    ``None``): ``access="read"``, ``"write"`` or ``"read_write"``."""
    return Permission("s3_bucket", name, access, prefix)


def sqs_queue(name: str, *, access: str = "send") -> Permission:
    """An SQS queue (a name or an ARN): ``access="send"`` or ``"consume"``."""
    return Permission("sqs_queue", name, access)


def sns_topic(name: str) -> Permission:
    """Publish to an SNS topic (a name or an ARN)."""
    return Permission("sns_topic", name)


def event_bus(name: str = "default") -> Permission:
    """Put events on an EventBridge bus (a name or an ARN)."""
    return Permission("event_bus", name)
