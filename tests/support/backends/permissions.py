"""``permissions=[...]`` entries as Python source: each helper and ``allow``, by name or by
ARN, with the partition, region and account placeholders synth must accept.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.support.backends.python_source import call
from tests.support.backends.spec import OMIT

_REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2", "${AWS::Region}")
_ACCOUNTS = ("123456789012", "${AWS::AccountId}")
_resource_name = st.from_regex(r"[a-z0-9][a-z0-9-]{1,11}[a-z0-9]", fullmatch=True)
# (service, resource part) of ARNs an allow(...) names, and actions that act on them
_ALLOW_TARGETS = (
    ("dynamodb", "table/{}", ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query")),
    ("sqs", "{}", ("sqs:SendMessage", "sqs:ReceiveMessage")),
    ("ses", "identity/{}.example", ("ses:SendEmail",)),
    ("kms", "key/{}", ("kms:Decrypt", "kms:Encrypt")),
)
_CONDITIONS = (
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"StringLikeIfExists": {"ses:FromAddress": ["*@shop.example", "ops@x.example"]}},
    {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["id", "total"]}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}},
    {"Bool": {"aws:SecureTransport": True}},
)


def _arn(draw: st.DrawFn, service: str, resource: str) -> str:
    partition = draw(st.sampled_from(["aws", "${AWS::Partition}"]))
    region = draw(st.sampled_from(_REGIONS))
    account = draw(st.sampled_from(_ACCOUNTS))
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def _helper_call(kind: str, name: str, **options: Any) -> str:
    return call(kind, repr(name), **options)


@st.composite
def permission(draw: st.DrawFn) -> str:
    """One entry of ``permissions=[...]``, as Python source (a helper or ``allow``)."""
    kind = draw(
        st.sampled_from(
            ["allow", "dynamodb_table", "s3_bucket", "sqs_queue", "sns_topic", "event_bus"]
        )
    )
    name = draw(_resource_name)
    by_arn = draw(st.booleans())
    access = st.just(OMIT) | st.sampled_from(["read", "write", "read_write"])
    if kind == "dynamodb_table":
        target = _arn(draw, "dynamodb", f"table/{name}") if by_arn else name
        return _helper_call(kind, target, access=draw(access))
    if kind == "s3_bucket":
        target = f"arn:aws:s3:::{name}" if by_arn else name
        prefix = draw(st.just(OMIT) | st.sampled_from(["nightly/", "a/b/", "x"]))
        return _helper_call(kind, target, prefix=prefix, access=draw(access))
    if kind == "sqs_queue":
        name += draw(st.sampled_from(["", ".fifo"]))
        target = _arn(draw, "sqs", name) if by_arn else name
        return _helper_call(kind, target, access=draw(st.sampled_from([OMIT, "send", "consume"])))
    if kind == "sns_topic":
        return _helper_call(kind, _arn(draw, "sns", name) if by_arn else name)
    if kind == "event_bus":
        if draw(st.booleans()):
            return "event_bus()"
        return _helper_call(kind, _arn(draw, "events", f"event-bus/{name}") if by_arn else name)
    service, resource, actions = draw(st.sampled_from(_ALLOW_TARGETS))
    wildcard = draw(st.booleans())
    chosen = draw(st.lists(st.sampled_from(actions), min_size=1, max_size=2, unique=True))
    if wildcard:
        chosen.append(f"{service}:Get*" if service != "ses" else "ses:Send*")
    resources = [_arn(draw, service, resource.format(name))]
    if wildcard and draw(st.booleans()):
        resources.append(_arn(draw, service, resource.format("*")))
    return call(
        "allow",
        f"actions={chosen!r}",
        resources=resources,
        conditions=draw(st.just(OMIT) | st.sampled_from(_CONDITIONS)),
        allow_wildcard=True if wildcard else draw(st.just(OMIT) | st.just(False)),
    )


def permissions() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(permission(), max_size=3).map(tuple)
